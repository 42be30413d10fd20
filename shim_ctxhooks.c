/*
 * shim_ctxhooks.c: what an SSL_CTX keeps in its hook slot (verifyhook.go,
 * keylog.go, ticketkey.go): the certificate-verify, certificate and key-log
 * callbacks, and the session ticket keys kept in C memory; with the
 * X509_STORE_CTX accessors a certificate-verify callback uses.
 *
 * The Go callbacks travel as cgo.Handle values in one ex_data slot of the
 * SSL_CTX (an SSL_CTX is never duplicated, so the slot has no dup
 * function); the slot's free function releases them and wipes the ticket
 * keys when the context is destroyed. No Go pointer is kept by C.
 */
#include "shim_internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/objects.h>
#include <openssl/ec.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#include <openssl/params.h>
#else
#include <openssl/hmac.h>
#endif

extern int libsslGoCertVerify(uintptr_t h, SSL *s, X509_STORE_CTX *x);
extern int libsslGoCert(uintptr_t h, SSL *s);
extern void libsslGoKeylog(uintptr_t h, SSL *s, char *line);
extern void libsslGoRelease(uintptr_t h);

#define MAX_TICKET_KEYS 16

typedef struct {
    uintptr_t h[3]; /* LS_HOOK_CERT_VERIFY, LS_HOOK_CERT, LS_HOOK_KEYLOG */
    pthread_mutex_t mu; /* guards the keys: rotation runs beside handshakes */
    int nkeys;
    lsh_ticket_key keys[MAX_TICKET_KEYS];
} hook_box;

static int hook_idx = -1;
static pthread_once_t hook_once = PTHREAD_ONCE_INIT;

static void hook_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    hook_box *b = ptr;
    if (b == NULL)
        return;
    for (int i = 0; i < 3; i++)
        if (b->h[i] != 0)
            libsslGoRelease(b->h[i]);
    OPENSSL_cleanse(b->keys, sizeof(b->keys));
    pthread_mutex_destroy(&b->mu);
    free(b);
}

static void hook_init(void)
{
    hook_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, NULL, NULL, NULL, hook_free);
}

static hook_box *hook_get(SSL_CTX *c, int create)
{
    pthread_once(&hook_once, hook_init);
    if (hook_idx < 0 || c == NULL)
        return NULL;
    hook_box *b = SSL_CTX_get_ex_data(c, hook_idx);
    if (b != NULL || !create)
        return b;
    b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    pthread_mutex_init(&b->mu, NULL);
    if (!SSL_CTX_set_ex_data(c, hook_idx, b)) {
        pthread_mutex_destroy(&b->mu);
        free(b);
        return NULL;
    }
    return b;
}

static uintptr_t hook_handle(SSL_CTX *c, int which)
{
    hook_box *b = hook_get(c, 0);
    return b != NULL ? b->h[which] : 0;
}

/* libssl calls s->ctx's certificate-verify callback (ssl_verify_cert_chain):
 * so does this one. Without a Go callback it does what libssl does without
 * one: X509_verify_cert. */
static int cert_verify_tramp(X509_STORE_CTX *x, void *arg)
{
    (void)arg;
    SSL *s = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    uintptr_t h = s != NULL ? hook_handle(SSL_get_SSL_CTX(s), LS_HOOK_CERT_VERIFY) : 0;
    if (h == 0)
        return X509_verify_cert(x);
    return libsslGoCertVerify(h, s, x);
}

/* The certificate callback lives in the SSL's CERT, copied from its context
 * at SSL_new and at SSL_set_SSL_CTX: the handle is looked up on the SSL's
 * current context. */
static int cert_tramp(SSL *s, void *arg)
{
    (void)arg;
    uintptr_t h = hook_handle(SSL_get_SSL_CTX(s), LS_HOOK_CERT);
    if (h == 0)
        return 1;
    return libsslGoCert(h, s);
}

/* libssl calls s->ctx's key-log callback (ssl_log_secret). */
static void keylog_tramp(const SSL *cs, const char *line)
{
    SSL *s = (SSL *)cs;
    uintptr_t h = hook_handle(SSL_get_SSL_CTX(s), LS_HOOK_KEYLOG);
    if (h != 0)
        libsslGoKeylog(h, s, (char *)line);
}

int lsh_ctx_set_hook_handle(SSL_CTX *c, int which, uintptr_t h)
{
    if (which < 0 || which > 2) {
        if (h != 0)
            libsslGoRelease(h);
        return 0;
    }
    hook_box *b = hook_get(c, h != 0);
    if (b == NULL) {
        if (h != 0) {
            libsslGoRelease(h);
            return 0;
        }
    } else {
        uintptr_t old = b->h[which];
        b->h[which] = h;
        if (old != 0)
            libsslGoRelease(old);
    }
    switch (which) {
    case LS_HOOK_CERT_VERIFY:
        SSL_CTX_set_cert_verify_callback(c, h != 0 ? cert_verify_tramp : NULL, NULL);
        break;
    case LS_HOOK_CERT:
        SSL_CTX_set_cert_cb(c, h != 0 ? cert_tramp : NULL, NULL);
        break;
    case LS_HOOK_KEYLOG:
        SSL_CTX_set_keylog_callback(c, h != 0 ? keylog_tramp : NULL);
        break;
    }
    return 1;
}

/* ---- certificate-verify context ---- */

int lsh_store_ctx_verify(X509_STORE_CTX *x) { return X509_verify_cert(x); }
int lsh_store_ctx_get_error(X509_STORE_CTX *x) { return X509_STORE_CTX_get_error(x); }
void lsh_store_ctx_set_error(X509_STORE_CTX *x, int e) { X509_STORE_CTX_set_error(x, e); }

/* Writes n as a 4-byte big-endian length at buf + need when a record of
 * 4 + n bytes fits in cap, and returns where its n bytes of DER go; NULL
 * when there is no buffer or no room (the caller only counts). */
static unsigned char *len_prefix(unsigned char *buf, int cap, int need, int n)
{
    if (buf == NULL || need + 4 + n > cap)
        return NULL;
    buf[need] = (unsigned char)(n >> 24);
    buf[need + 1] = (unsigned char)(n >> 16);
    buf[need + 2] = (unsigned char)(n >> 8);
    buf[need + 3] = (unsigned char)n;
    return buf + need + 4;
}

/* Writes the certificates of a stack as 4-byte big-endian length + DER,
 * one after another, into buf when it fits; returns the length needed, or
 * -1 when a certificate cannot be encoded. */
static int stack_der(STACK_OF(X509) *sk, unsigned char *buf, int cap)
{
    int need = 0;
    for (int i = 0; i < sk_X509_num(sk); i++) {
        X509 *x = sk_X509_value(sk, i);
        int n = i2d_X509(x, NULL);
        if (n <= 0)
            return -1;
        unsigned char *p = len_prefix(buf, cap, need, n);
        if (p != NULL && i2d_X509(x, &p) != n)
            return -1;
        need += 4 + n;
    }
    return need;
}

/* which 0: the certificates the peer sent (X509_STORE_CTX_get0_untrusted,
 * leaf first, as ssl_verify_cert_chain passes them); 1: the chain
 * X509_verify_cert built (X509_STORE_CTX_get0_chain); 2: the leaf being
 * verified only (X509_STORE_CTX_get0_cert). */
int lsh_store_ctx_certs_der(X509_STORE_CTX *x, int which, unsigned char *buf, int cap)
{
    if (which == 2) {
        X509 *leaf = X509_STORE_CTX_get0_cert(x);
        if (leaf == NULL)
            return 0;
        STACK_OF(X509) *one = sk_X509_new_null();
        if (one == NULL || !sk_X509_push(one, leaf)) {
            sk_X509_free(one);
            return -1;
        }
        int n = stack_der(one, buf, cap);
        sk_X509_free(one);
        return n;
    }
    STACK_OF(X509) *sk = which == 0 ? X509_STORE_CTX_get0_untrusted(x) : X509_STORE_CTX_get0_chain(x);
    if (sk == NULL)
        return 0;
    return stack_der(sk, buf, cap);
}

/* The CA names a server sent with its CertificateRequest
 * (SSL_get_client_CA_list on a client), as 4-byte length + DER each. */
int lsh_ssl_peer_ca_names_der(SSL *s, unsigned char *buf, int cap)
{
    STACK_OF(X509_NAME) *sk = SSL_get_client_CA_list(s);
    int need = 0;
    for (int i = 0; i < sk_X509_NAME_num(sk); i++) {
        X509_NAME *nm = sk_X509_NAME_value(sk, i);
        int n = i2d_X509_NAME(nm, NULL);
        if (n <= 0)
            return -1;
        unsigned char *p = len_prefix(buf, cap, need, n);
        if (p != NULL && i2d_X509_NAME(nm, &p) != n)
            return -1;
        need += 4 + n;
    }
    return need;
}

/* ---- session ticket keys ---- */

static int ticket_find(hook_box *b, const unsigned char *name, lsh_ticket_key *out, int *index)
{
    int found = 0;
    pthread_mutex_lock(&b->mu);
    for (int i = 0; i < b->nkeys; i++) {
        if (memcmp(b->keys[i].name, name, 16) == 0) {
            *out = b->keys[i];
            *index = i;
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&b->mu);
    return found;
}

static int ticket_current(hook_box *b, lsh_ticket_key *out)
{
    int ok = 0;
    pthread_mutex_lock(&b->mu);
    if (b->nkeys > 0) {
        *out = b->keys[0];
        ok = 1;
    }
    pthread_mutex_unlock(&b->mu);
    return ok;
}

/* Encrypting: the current key (the first). Decrypting: the key the ticket
 * names; 1 when it is the current one, 2 (use, and issue a new ticket) when
 * it is an older one, 0 (no resumption: a full handshake) when it is
 * unknown. The box is the session context's: libssl calls the ticket
 * callback of s->session_ctx (tls_decrypt_ticket, tls_construct_new_session_ticket). */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
static int ticket_tramp(SSL *s, unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                        EVP_CIPHER_CTX *ectx, EVP_MAC_CTX *hctx, int enc)
#else
static int ticket_tramp(SSL *s, unsigned char key_name[16], unsigned char *iv,
                        EVP_CIPHER_CTX *ectx, HMAC_CTX *hctx, int enc)
#endif
{
    hook_box *b = hook_get(ls_ssl_session_ctx(s), 0);
    lsh_ticket_key k;
    int index = 0, ret;
    if (b == NULL)
        return enc ? -1 : 0;
    if (enc) {
        if (!ticket_current(b, &k))
            return -1;
        if (RAND_bytes(iv, 16) <= 0)
            return -1;
        memcpy(key_name, k.name, 16);
        if (!EVP_EncryptInit_ex(ectx, EVP_aes_128_cbc(), NULL, k.aes, iv))
            ret = -1;
        else
            ret = 1;
    } else {
        if (!ticket_find(b, key_name, &k, &index))
            return 0;
        if (!EVP_DecryptInit_ex(ectx, EVP_aes_128_cbc(), NULL, k.aes, iv))
            ret = -1;
        else
            ret = index == 0 ? 1 : 2;
    }
    if (ret > 0) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        OSSL_PARAM params[3];
        params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k.hmac, sizeof(k.hmac));
        params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
        params[2] = OSSL_PARAM_construct_end();
        if (!EVP_MAC_CTX_set_params(hctx, params))
            ret = -1;
#else
        if (!HMAC_Init_ex(hctx, k.hmac, sizeof(k.hmac), EVP_sha256(), NULL))
            ret = -1;
#endif
    }
    OPENSSL_cleanse(&k, sizeof(k));
    return ret;
}

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
typedef int (*ticket_cb_t)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *, EVP_MAC_CTX *, int);
#else
typedef int (*ticket_cb_t)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *, HMAC_CTX *, int);
#endif

/* Replaces the context's ticket keys by n keys (the first encrypts, all
 * decrypt) and installs the ticket key callback; n == 0 removes the keys
 * and the callback (libssl's own keys are used again). */
int lsh_ctx_set_ticket_keys(SSL_CTX *c, const unsigned char *keys, int n)
{
    if (n < 0 || n > MAX_TICKET_KEYS)
        return 0;
    hook_box *b = hook_get(c, n > 0);
    if (b == NULL)
        return n == 0;
    pthread_mutex_lock(&b->mu);
    OPENSSL_cleanse(b->keys, sizeof(b->keys));
    if (n > 0)
        memcpy(b->keys, keys, sizeof(lsh_ticket_key) * (size_t)n);
    b->nkeys = n;
    pthread_mutex_unlock(&b->mu);
    /* A variable, not an expression: the 1.1.1 macro casts its argument
     * without parentheses. */
    ticket_cb_t cb = n > 0 ? ticket_tramp : NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    return SSL_CTX_set_tlsext_ticket_key_evp_cb(c, cb) == 1;
#else
    return SSL_CTX_set_tlsext_ticket_key_cb(c, cb) == 1;
#endif
}

int lsh_ctx_ticket_key_count(SSL_CTX *c)
{
    hook_box *b = hook_get(c, 0);
    if (b == NULL)
        return 0;
    pthread_mutex_lock(&b->mu);
    int n = b->nkeys;
    pthread_mutex_unlock(&b->mu);
    return n;
}

