/*
 * shim_features.c: the libssl features OpenSSL's own ssl-tests exercise,
 * declared in shim.def under "Features of OpenSSL's ssl-tests": the peer's
 * temporary key and signature algorithms, key types and object names,
 * compression, NPN, the maximum fragment length, session ticket
 * application data and the ticket callbacks, OCSP stapling, Certificate
 * Transparency and secure renegotiation.
 *
 * NPN lists live in C memory owned by the SSL_CTX (ex_data slots whose
 * free function releases them); Go callbacks (session ticket, ticket key,
 * status) travel as cgo.Handle values in the registry's boxes
 * (shim_slots.c). No capture here: the generated wrappers capture around
 * each helper. A feature the linked build compiled out (OPENSSL_NO_*) is
 * reported by lsh_feature_built, and its helpers fail without calling
 * libssl.
 */
#include "shim_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#ifndef OPENSSL_NO_EC
#include <openssl/ec.h>
#endif
#ifndef OPENSSL_NO_OCSP
#include <openssl/ocsp.h>
#endif

/* Exported from Go (ticket_appdata.go, ocsp.go). */
extern int libsslGoTicketGen(uintptr_t h, SSL *s);
extern int libsslGoTicketDec(uintptr_t h, SSL *s, SSL_SESSION *sess, int status);
extern int libsslGoTicketKey(uintptr_t h, SSL *s, int enc);
extern int libsslGoStatus(uintptr_t h, SSL *s);

/* Features a build may compile out: 1 NPN, 2 CT, 3 OCSP, 4 compression
 * (the LS feature numbers of features.go). 1 when the headers have it. */
int lsh_feature_built(int which)
{
    switch (which) {
    case 1:
#ifdef OPENSSL_NO_NEXTPROTONEG
        return 0;
#else
        return 1;
#endif
    case 2:
#ifdef OPENSSL_NO_CT
        return 0;
#else
        return 1;
#endif
    case 3:
#ifdef OPENSSL_NO_OCSP
        return 0;
#else
        return 1;
#endif
    case 4:
#ifdef OPENSSL_NO_COMP
        return 0;
#else
        return 1;
#endif
    }
    return 0;
}

/* ---- key types and object names ---- */

/* An EC key's curve NID, else the key's EVP_PKEY id (NID_undef for none):
 * what ssl_test compares a key type with. */
static int pkey_type(EVP_PKEY *k)
{
    if (k == NULL)
        return NID_undef;
#if IS_OSSL3
    if (EVP_PKEY_is_a(k, "EC")) {
        char name[80];
        size_t n = 0;
        if (!EVP_PKEY_get_group_name(k, name, sizeof(name), &n))
            return NID_undef;
        return OBJ_txt2nid(name);
    }
    return EVP_PKEY_get_id(k);
#else
#ifndef OPENSSL_NO_EC
    if (EVP_PKEY_id(k) == EVP_PKEY_EC) {
        const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(k);
        const EC_GROUP *g = ec != NULL ? EC_KEY_get0_group(ec) : NULL;
        return g != NULL ? EC_GROUP_get_curve_name(g) : NID_undef;
    }
#endif
    return EVP_PKEY_id(k);
#endif
}

/* The type of the peer's temporary (key exchange) key, -1 when there is
 * none. SSL_get_peer_tmp_key gives a reference, released here. */
int lsh_ssl_peer_tmp_key_type(SSL *s)
{
    EVP_PKEY *k = NULL;
    if (!SSL_get_peer_tmp_key(s, &k) || k == NULL)
        return -1;
    int t = pkey_type(k);
    EVP_PKEY_free(k);
    return t;
}

/* SSL_get_peer_signature_nid: the digest of the peer's signature, -1 when
 * there is none. */
int lsh_ssl_peer_signature_nid(SSL *s)
{
    int nid = NID_undef;
    return SSL_get_peer_signature_nid(s, &nid) ? nid : -1;
}

/* SSL_get_peer_signature_type_nid: the peer's signature algorithm, -1 when
 * there is none. */
int lsh_ssl_peer_signature_type_nid(SSL *s)
{
    int nid = NID_undef;
    return SSL_get_peer_signature_type_nid(s, &nid) ? nid : -1;
}

/* The type of the certificate's public key (X509_get0_pubkey, borrowed). */
int lsh_x509_pubkey_type(X509 *x) { return pkey_type(X509_get0_pubkey(x)); }

/* i2d_X509_NAME of the subject: the length, and the DER into buf when it
 * fits in cap; -1 when it cannot be encoded. */
int lsh_x509_subject_der(X509 *x, unsigned char *buf, int cap)
{
    /* const from OpenSSL 4.0's X509_get_subject_name; i2d_X509_NAME takes
     * it const from 3.0 and not in 1.1.1, hence the cast. */
    X509_NAME *nm = (X509_NAME *)X509_get_subject_name(x);
    if (nm == NULL)
        return -1;
    int n = i2d_X509_NAME(nm, NULL);
    if (n <= 0)
        return -1;
    if (buf != NULL && n <= cap) {
        unsigned char *q = buf;
        if (i2d_X509_NAME(nm, &q) != n)
            return -1;
    }
    return n;
}

/* A NID from a short name, a long name, or a NIST curve name ("P-256"). */
int lsh_obj_nid(const char *name)
{
    int nid = OBJ_sn2nid(name);
    if (nid == NID_undef)
        nid = OBJ_ln2nid(name);
#ifndef OPENSSL_NO_EC
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(name);
#endif
    return nid;
}

/* ---- compression ---- */

int lsh_ssl_compression_active(SSL *s)
{
#ifdef OPENSSL_NO_COMP
    (void)s;
    return 0;
#else
    return SSL_get_current_compression(s) != NULL;
#endif
}

/* ---- lists in C memory owned by a context (NPN) ---- */

typedef struct {
    unsigned int len;
    unsigned char p[]; /* wire format: each name after its length byte */
} ls_protos;

/* 0: the server's advertised list, 1: the client's own list. */
static int protos_idx[2] = {-1, -1};
static CRYPTO_ONCE protos_once = CRYPTO_ONCE_STATIC_INIT;

static void protos_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    OPENSSL_free(ptr);
}

static void protos_init(void)
{
    for (int i = 0; i < 2; i++)
        protos_idx[i] = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, i, NULL, NULL, NULL, protos_free);
}

static int protos_index(int which)
{
    if (!CRYPTO_THREAD_run_once(&protos_once, protos_init))
        return -1;
    return protos_idx[which];
}

/* Replaces the context's list which by a copy of p (len >= 0: an empty
 * list is one too, as a C program may pass NULL, 0 to SSL_select_next_proto
 * or return it from the advertisement callback). */
static int protos_set(SSL_CTX *c, int which, const unsigned char *p, int len)
{
    int idx = protos_index(which);
    if (idx < 0 || len < 0 || (len > 0 && p == NULL))
        return 0;
    ls_protos *l = OPENSSL_malloc(sizeof(*l) + (size_t)len);
    if (l == NULL)
        return 0;
    l->len = (unsigned int)len;
    if (len > 0)
        memcpy(l->p, p, (size_t)len);
    ls_protos *old = SSL_CTX_get_ex_data(c, idx);
    if (!SSL_CTX_set_ex_data(c, idx, l)) {
        OPENSSL_free(l);
        return 0;
    }
    OPENSSL_free(old);
    return 1;
}

static ls_protos *protos_get(SSL_CTX *c, int which)
{
    int idx = protos_idx[which];
    return idx >= 0 ? SSL_CTX_get_ex_data(c, idx) : NULL;
}

#ifndef OPENSSL_NO_NEXTPROTONEG
/* The server advertises its context's list (libssl calls s->ctx's
 * callback, so the list is that context's). */
static int npn_advertised_cb(SSL *s, const unsigned char **out, unsigned int *outlen, void *arg)
{
    (void)arg;
    ls_protos *l = protos_get(SSL_get_SSL_CTX(s), 0);
    if (l == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    *out = l->p;
    *outlen = l->len;
    return SSL_TLSEXT_ERR_OK;
}

/* The client picks the server's first protocol that it has too, else its
 * own first one (SSL_select_next_proto; NPN lets a client choose a
 * protocol the server did not list). */
static int npn_select_cb(SSL *s, unsigned char **out, unsigned char *outlen, const unsigned char *in,
                         unsigned int inlen, void *arg)
{
    (void)arg;
    ls_protos *l = protos_get(SSL_get_SSL_CTX(s), 1);
    if (l == NULL)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    int r = SSL_select_next_proto(out, outlen, in, inlen, l->p, l->len);
    return r == OPENSSL_NPN_NEGOTIATED || r == OPENSSL_NPN_NO_OVERLAP ? SSL_TLSEXT_ERR_OK
                                                                       : SSL_TLSEXT_ERR_ALERT_FATAL;
}
#endif

int lsh_ctx_set_npn_advertised(SSL_CTX *c, const unsigned char *p, int len)
{
#ifdef OPENSSL_NO_NEXTPROTONEG
    (void)c; (void)p; (void)len;
    return 0;
#else
    if (!protos_set(c, 0, p, len))
        return 0;
    SSL_CTX_set_next_protos_advertised_cb(c, npn_advertised_cb, NULL);
    return 1;
#endif
}

int lsh_ctx_set_npn_select(SSL_CTX *c, const unsigned char *p, int len)
{
#ifdef OPENSSL_NO_NEXTPROTONEG
    (void)c; (void)p; (void)len;
    return 0;
#else
    if (!protos_set(c, 1, p, len))
        return 0;
    SSL_CTX_set_next_proto_select_cb(c, npn_select_cb, NULL);
    return 1;
#endif
}

/* SSL_get0_next_proto_negotiated: the length, copied into buf when it
 * fits; 0 when none was negotiated. */
int lsh_ssl_npn_negotiated(SSL *s, unsigned char *buf, int cap)
{
#ifdef OPENSSL_NO_NEXTPROTONEG
    (void)s; (void)buf; (void)cap;
    return 0;
#else
    const unsigned char *p = NULL;
    unsigned int n = 0;
    SSL_get0_next_proto_negotiated(s, &p, &n);
    if (p == NULL || n == 0)
        return 0;
    if (buf != NULL && (int)n <= cap)
        memcpy(buf, p, n);
    return (int)n;
#endif
}

/* ---- fragments ---- */

int lsh_ctx_set_max_fragment_length(SSL_CTX *c, int mode)
{
    if (mode < 0 || mode > 255)
        return 0;
    return SSL_CTX_set_tlsext_max_fragment_length(c, (uint8_t)mode);
}

int lsh_sess_max_fragment_length(SSL_SESSION *s) { return SSL_SESSION_get_max_fragment_length(s); }

int lsh_ctx_set_max_send_fragment(SSL_CTX *c, long n) { return SSL_CTX_set_max_send_fragment(c, n) == 1; }

/* ---- session ticket application data ---- */

int lsh_sess_set1_ticket_appdata(SSL_SESSION *s, const unsigned char *p, int len)
{
    return SSL_SESSION_set1_ticket_appdata(s, len > 0 ? p : NULL, len > 0 ? (size_t)len : 0);
}

/* SSL_SESSION_get0_ticket_appdata: the length, copied into buf when it
 * fits; 0 when the session has none. */
int lsh_sess_ticket_appdata(SSL_SESSION *s, unsigned char *buf, int cap)
{
    void *p = NULL;
    size_t n = 0;
    if (!SSL_SESSION_get0_ticket_appdata(s, &p, &n) || p == NULL || n == 0 || n > INT_MAX)
        return 0;
    if (buf != NULL && n <= (size_t)cap)
        memcpy(buf, p, n);
    return (int)n;
}

/* ---- the Go callbacks of the registry's kinds this file serves ---- */

/* libssl calls the session ticket callbacks of s->session_ctx
 * (tls_construct_new_session_ticket, tls_decrypt_ticket). */
static int ticket_gen_tramp(SSL *s, void *arg)
{
    (void)arg;
    if (ls_call_has_panicked())
        return 0;
    ls_cell *cl = ls_ctx_cell(ls_ssl_session_ctx(s), LS_CB_TICKET_GEN);
    if (cl == NULL)
        return 1;
    int r = libsslGoTicketGen(cl->h, s);
    ls_cell_release(cl);
    return r;
}

static SSL_TICKET_RETURN ticket_dec_tramp(SSL *s, SSL_SESSION *ss, const unsigned char *keyname, size_t klen,
                                          SSL_TICKET_STATUS status, void *arg)
{
    (void)keyname; (void)klen; (void)arg;
    if (ls_call_has_panicked())
        return SSL_TICKET_RETURN_ABORT;
    ls_cell *cl = ls_ctx_cell(ls_ssl_session_ctx(s), LS_CB_TICKET_DEC);
    if (cl == NULL)
        return SSL_TICKET_RETURN_ABORT; /* not installed without one */
    int r = libsslGoTicketDec(cl->h, s, ss, (int)status);
    ls_cell_release(cl);
    return (SSL_TICKET_RETURN)r;
}

/* The status (OCSP stapling) callback: libssl calls s->ctx's, on a server
 * to supply a response, on a client to check the one it got. */
static int status_tramp(SSL *s, void *arg)
{
    (void)arg;
    int fail = SSL_is_server(s) ? SSL_TLSEXT_ERR_ALERT_FATAL : -1;
    if (ls_call_has_panicked())
        return fail;
    ls_cell *cl = ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_STATUS);
    if (cl == NULL)
        return SSL_is_server(s) ? SSL_TLSEXT_ERR_NOACK : 1;
    int r = libsslGoStatus(cl->h, s);
    ls_cell_release(cl);
    return r;
}

/* Installs or removes libssl's callback of a kind this file serves; runs
 * under the box's lock from lsh_ctx_set_callback, so it reads the slots
 * directly. */
void ls_features_install(SSL_CTX *c, ls_box *b, int kind)
{
    switch (kind) {
    case LS_CB_TICKET_GEN:
    case LS_CB_TICKET_DEC: {
        int gen = b->slot[LS_CB_TICKET_GEN] != NULL, dec = b->slot[LS_CB_TICKET_DEC] != NULL;
        SSL_CTX_set_session_ticket_cb(c, gen ? ticket_gen_tramp : NULL, dec ? ticket_dec_tramp : NULL,
                                      NULL);
        break;
    }
    case LS_CB_STATUS:
        if (b->slot[LS_CB_STATUS] != NULL)
            SSL_CTX_set_tlsext_status_cb(c, status_tramp);
        else
            SSL_CTX_set_tlsext_status_cb(c, NULL);
        break;
    }
}

/* The Go ticket key callback of the SSL's session context (libssl calls
 * s->session_ctx's ticket key callback), asked by the ticket key
 * trampoline of shim_ctxhooks.c before it uses the context's keys: 1 to
 * go on with the keys (also when there is no Go callback), else the
 * verdict libssl gets (0 decline, -1 fail). */
int ls_ticket_key_hook(SSL *s, int enc)
{
    if (ls_call_has_panicked())
        return -1;
    ls_cell *cl = ls_ctx_cell(ls_ssl_session_ctx(s), LS_CB_TICKET_KEY);
    if (cl == NULL)
        return 1;
    int r = libsslGoTicketKey(cl->h, s, enc);
    ls_cell_release(cl);
    return r;
}

/* ---- OCSP stapling ---- */

int lsh_ctx_set_status_type_ocsp(SSL_CTX *c)
{
    return SSL_CTX_set_tlsext_status_type(c, TLSEXT_STATUSTYPE_ocsp) == 1;
}

int lsh_ssl_set_status_type_ocsp(SSL *s) { return SSL_set_tlsext_status_type(s, TLSEXT_STATUSTYPE_ocsp) == 1; }

/* SSL_set_tlsext_status_ocsp_resp takes an OPENSSL_malloc'd buffer: the
 * copy is libssl's once the call succeeds. */
int lsh_ssl_set_ocsp_resp(SSL *s, const unsigned char *p, int len)
{
    if (p == NULL || len <= 0)
        return 0;
    unsigned char *cp = OPENSSL_memdup(p, (size_t)len);
    if (cp == NULL)
        return 0;
    if (SSL_set_tlsext_status_ocsp_resp(s, cp, len) != 1) {
        OPENSSL_free(cp);
        return 0;
    }
    return 1;
}

/* SSL_get_tlsext_status_ocsp_resp: the length, copied into buf when it
 * fits; -1 when there is none. */
int lsh_ssl_ocsp_resp(SSL *s, unsigned char *buf, int cap)
{
    const unsigned char *p = NULL;
    long n = SSL_get_tlsext_status_ocsp_resp(s, &p);
    if (p == NULL || n < 0 || n > INT_MAX)
        return -1;
    if (buf != NULL && n <= cap)
        memcpy(buf, p, (size_t)n);
    return (int)n;
}

/* The DER of an OCSP response with the given status and no body
 * (OCSP_response_create(status, NULL)): the length, written into buf when
 * it fits in cap; -1 on failure. */
int lsh_ocsp_response_der(int status, unsigned char *buf, int cap)
{
#ifdef OPENSSL_NO_OCSP
    (void)status; (void)buf; (void)cap;
    return -1;
#else
    OCSP_RESPONSE *r = OCSP_response_create(status, NULL);
    if (r == NULL)
        return -1;
    int n = i2d_OCSP_RESPONSE(r, NULL);
    if (n > 0 && buf != NULL && n <= cap) {
        unsigned char *q = buf;
        if (i2d_OCSP_RESPONSE(r, &q) != n)
            n = -1;
    }
    OCSP_RESPONSE_free(r);
    return n > 0 ? n : -1;
#endif
}

/* d2i_OCSP_RESPONSE of all len bytes, then OCSP_response_status; -1 when
 * p is not one whole DER OCSP response. */
int lsh_ocsp_response_status(const unsigned char *p, int len)
{
#ifdef OPENSSL_NO_OCSP
    (void)p; (void)len;
    return -1;
#else
    const unsigned char *q = p;
    if (p == NULL || len <= 0)
        return -1;
    OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &q, len);
    if (r == NULL)
        return -1;
    int st = q == p + len ? OCSP_response_status(r) : -1;
    OCSP_RESPONSE_free(r);
    return st;
#endif
}

/* ---- Certificate Transparency ---- */

int lsh_ctx_enable_ct(SSL_CTX *c, int strict)
{
#ifdef OPENSSL_NO_CT
    (void)c; (void)strict;
    return 0;
#else
    return SSL_CTX_enable_ct(c, strict ? SSL_CT_VALIDATION_STRICT : SSL_CT_VALIDATION_PERMISSIVE);
#endif
}

int lsh_ctx_set_ctlog_list_file(SSL_CTX *c, const char *path)
{
#ifdef OPENSSL_NO_CT
    (void)c; (void)path;
    return 0;
#else
    return SSL_CTX_set_ctlog_list_file(c, path);
#endif
}

/* ---- renegotiation ---- */

int lsh_ssl_secure_reneg_support(SSL *s) { return SSL_get_secure_renegotiation_support(s) == 1; }

/* SSL_set_retry_verify on the SSL whose chain the store verifies (a verify
 * callback's X509_STORE_CTX): 1 when libssl accepted it (a client), 0 else.
 * 3.0 and later; the generated wrapper reports 1.1.1 as unsupported. */
int lsh_store_ctx_retry_verify(X509_STORE_CTX *x)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    SSL *s = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (s == NULL)
        return 0;
    return SSL_set_retry_verify(s);
#else
    (void)x;
    return 0;
#endif
}
