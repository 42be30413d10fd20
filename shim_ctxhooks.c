/*
 * shim_ctxhooks.c: the callbacks of a context that the registry's
 * trampolines here serve (the certificate-verify, certificate and key-log
 * callbacks: verify_callbacks.go, cert_callback.go, keylog.go), the
 * session ticket keys a context's box keeps in C memory (ticketkey.go), the
 * X509_STORE_CTX accessors of a VerifyContext, and the one encoder of DER
 * lists (certificate chains, CA names) for Go.
 *
 * The Go callbacks travel as cgo.Handle values in the context's box
 * (shim_slots.c); no Go pointer is kept by C.
 */
#include "shim_internal.h"
#include <limits.h>
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

/* libssl calls s->ctx's certificate-verify callback (ssl_verify_cert_chain):
 * so does this one. Without a Go callback it does what libssl does without
 * one: X509_verify_cert. */
static int cert_verify_tramp(X509_STORE_CTX *x, void *arg)
{
    (void)arg;
    if (ls_call_has_panicked()) {
        X509_STORE_CTX_set_error(x, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    SSL *s = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    ls_cell *cl = s != NULL ? ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_CERT_VERIFY) : NULL;
    if (cl == NULL)
        return X509_verify_cert(x);
    int r = libsslGoCertVerify(cl->h, s, x);
    ls_cell_release(cl);
    return r;
}

/* The certificate callback lives in the SSL's CERT, copied from its context
 * at SSL_new and at SSL_set_SSL_CTX: the handle is looked up on the SSL's
 * current context. */
static int cert_tramp(SSL *s, void *arg)
{
    (void)arg;
    if (ls_call_has_panicked())
        return 0;
    ls_cell *cl = ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_CERT);
    if (cl == NULL)
        return 1;
    int r = libsslGoCert(cl->h, s);
    ls_cell_release(cl);
    return r;
}

/* libssl calls s->ctx's key-log callback (ssl_log_secret). */
static void keylog_tramp(const SSL *cs, const char *line)
{
    SSL *s = (SSL *)cs;
    if (ls_call_has_panicked())
        return;
    ls_cell *cl = ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_KEYLOG);
    if (cl != NULL) {
        libsslGoKeylog(cl->h, s, (char *)line);
        ls_cell_release(cl);
    }
}

static void install_ticket_cb(SSL_CTX *c, int go_cb);

void ls_ctx_install_hook(SSL_CTX *c, int kind, int on)
{
    switch (kind) {
    case LS_CB_CERT_VERIFY:
        SSL_CTX_set_cert_verify_callback(c, on ? cert_verify_tramp : NULL, NULL);
        break;
    case LS_CB_CERT:
        SSL_CTX_set_cert_cb(c, on ? cert_tramp : NULL, NULL);
        break;
    case LS_CB_KEYLOG:
        SSL_CTX_set_keylog_callback(c, on ? keylog_tramp : NULL);
        break;
    case LS_CB_TICKET_KEY:
        install_ticket_cb(c, on);
        break;
    }
}

/* ---- certificate-verify context ---- */

int lsh_store_ctx_verify(X509_STORE_CTX *x) { return X509_verify_cert(x); }
void lsh_store_ctx_set_error(X509_STORE_CTX *x, int e) { X509_STORE_CTX_set_error(x, e); }

int ls_der_list(const OPENSSL_STACK *sk, int (*i2d)(const void *item, unsigned char **out), unsigned char *buf,
                int cap)
{
    long need = 0;
    int n = OPENSSL_sk_num(sk);
    for (int i = 0; i < n; i++) {
        int l = i2d(OPENSSL_sk_value(sk, i), NULL);
        if (l <= 0)
            return -1;
        need += 4 + (long)l;
        if (need > INT_MAX)
            return -1;
    }
    if (buf == NULL || need > cap)
        return (int)need;
    unsigned char *q = buf;
    for (int i = 0; i < n; i++) {
        unsigned char *d = q + 4;
        int l = i2d(OPENSSL_sk_value(sk, i), &d);
        if (l <= 0)
            return -1;
        q[0] = (unsigned char)(l >> 24);
        q[1] = (unsigned char)(l >> 16);
        q[2] = (unsigned char)(l >> 8);
        q[3] = (unsigned char)l;
        q = d;
    }
    return (int)need;
}

int ls_i2d_x509(const void *x, unsigned char **out) { return i2d_X509((X509 *)x, out); }
static int i2d_name(const void *nm, unsigned char **out) { return i2d_X509_NAME((X509_NAME *)nm, out); }

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
        int n = ls_der_list((const OPENSSL_STACK *)one, ls_i2d_x509, buf, cap);
        sk_X509_free(one);
        return n;
    }
    STACK_OF(X509) *sk = which == 0 ? X509_STORE_CTX_get0_untrusted(x) : X509_STORE_CTX_get0_chain(x);
    if (sk == NULL)
        return 0;
    return ls_der_list((const OPENSSL_STACK *)sk, ls_i2d_x509, buf, cap);
}

/* The CA names a server sent with its CertificateRequest
 * (SSL_get_client_CA_list on a client), as 4-byte length + DER each. */
int lsh_ssl_peer_ca_names_der(SSL *s, unsigned char *buf, int cap)
{
    STACK_OF(X509_NAME) *sk = SSL_get_client_CA_list(s);
    return sk != NULL ? ls_der_list((const OPENSSL_STACK *)sk, i2d_name, buf, cap) : 0;
}

/* ---- session ticket keys ---- */

static int ticket_find(ls_box *b, const unsigned char *name, lsh_ticket_key *out, int *index)
{
    int found = 0;
    pthread_mutex_lock(&b->mu);
    for (int i = 0; b->keys != NULL && i < b->keys->n; i++) {
        if (memcmp(b->keys->k[i].name, name, 16) == 0) {
            *out = b->keys->k[i];
            *index = i;
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&b->mu);
    return found;
}

static int ticket_current(ls_box *b, lsh_ticket_key *out)
{
    int ok = 0;
    pthread_mutex_lock(&b->mu);
    if (b->keys != NULL && b->keys->n > 0) {
        *out = b->keys->k[0];
        ok = 1;
    }
    pthread_mutex_unlock(&b->mu);
    return ok;
}

/* The context's Go ticket key callback, if any, is asked first: it
 * declines, fails, or lets the keys decide.
 * Encrypting: the current key (the first). Decrypting: the key the ticket
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
    /* A Go ticket key callback (SetTicketKeyCallback) decides first. */
    int v = ls_ticket_key_hook(s, enc);
    if (v != 1)
        return v;
    ls_box *b = ls_ctx_box(ls_ssl_session_ctx(s));
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
    ls_box *b = ls_ctx_box(c);
    if (n < 0 || n > LS_MAX_TICKET_KEYS || b == NULL)
        return 0;
    pthread_mutex_lock(&b->mu);
    if (b->keys == NULL && n > 0 && (b->keys = calloc(1, sizeof(*b->keys))) == NULL) {
        pthread_mutex_unlock(&b->mu);
        return 0;
    }
    if (b->keys != NULL) {
        OPENSSL_cleanse(b->keys, sizeof(*b->keys));
        if (n > 0)
            memcpy(b->keys->k, keys, sizeof(lsh_ticket_key) * (size_t)n);
        b->keys->n = n;
    }
    /* A variable, not an expression: the 1.1.1 macro casts its argument
     * without parentheses. */
    ticket_cb_t cb = n > 0 || b->slot[LS_CB_TICKET_KEY] != NULL ? ticket_tramp : NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    int ok = SSL_CTX_set_tlsext_ticket_key_evp_cb(c, cb) == 1;
#else
    int ok = SSL_CTX_set_tlsext_ticket_key_cb(c, cb) == 1;
#endif
    pthread_mutex_unlock(&b->mu);
    return ok;
}

/* Installs the ticket key callback when the context has keys or a Go
 * callback (go_cb: its slot is being set), removes it when neither. Runs
 * under the box's lock (lsh_ctx_set_callback). */
static void install_ticket_cb(SSL_CTX *c, int go_cb)
{
    ls_box *b = ls_ctx_box(c);
    ticket_cb_t cb = go_cb || (b != NULL && b->keys != NULL && b->keys->n > 0) ? ticket_tramp : NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    SSL_CTX_set_tlsext_ticket_key_evp_cb(c, cb);
#else
    SSL_CTX_set_tlsext_ticket_key_cb(c, cb);
#endif
}

int lsh_ctx_ticket_key_count(SSL_CTX *c)
{
    ls_box *b = ls_ctx_box(c);
    if (b == NULL)
        return 0;
    pthread_mutex_lock(&b->mu);
    int n = b->keys != NULL ? b->keys->n : 0;
    pthread_mutex_unlock(&b->mu);
    return n;
}

/* SSL_CTX_get_keylog_callback: whether the context logs secrets. */
int lsh_ctx_has_keylog_cb(SSL_CTX *c)
{
    return SSL_CTX_get_keylog_callback(c) != NULL;
}
