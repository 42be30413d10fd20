/*
 * shim_psk.c: the callbacks through which a context supplies credentials
 * other than its own certificate: TLS 1.2 pre-shared keys (psk.go:
 * SSL_CTX_set_psk_client_callback, SSL_CTX_set_psk_server_callback, the
 * server's identity hint), TLS 1.3 external pre-shared keys as sessions
 * (psk_session.go: SSL_CTX_set_psk_use_session_callback,
 * SSL_CTX_set_psk_find_session_callback and their SSL_ forms, the session
 * fields such a session needs, SSL_CIPHER lookups) and the client certificate callback
 * (client_cert_callback.go: SSL_CTX_set_client_cert_cb). libssl calls the
 * callbacks of s->ctx; the trampolines find the Go callback in that
 * context's box (shim_slots.c). The Go callbacks write into the buffers
 * libssl passes; no Go pointer is kept by C.
 */
#include "shim_internal.h"
#include <stdlib.h>
#include <string.h>

extern unsigned int libsslGoPSKClient(uintptr_t h, SSL *s, char *hint, char *identity, unsigned int max_identity,
                                      unsigned char *psk, unsigned int max_psk);
extern unsigned int libsslGoPSKServer(uintptr_t h, SSL *s, char *identity, unsigned char *psk,
                                      unsigned int max_psk);
extern int libsslGoClientCert(uintptr_t h, SSL *s, X509 **x509, EVP_PKEY **pkey);
extern int libsslGoPSKUseSession(uintptr_t h, SSL *s, char *md, unsigned char **id, size_t *idlen,
                                 SSL_SESSION **sess);
extern int libsslGoPSKFindSession(uintptr_t h, SSL *s, unsigned char *id, size_t idlen, SSL_SESSION **sess);

int lsh_psk_built(void)
{
#ifdef OPENSSL_NO_PSK
    return 0;
#else
    return 1;
#endif
}

#ifndef OPENSSL_NO_PSK
/* A client's PSK: the identity (NUL-terminated) and the key it returns the
 * length of; 0 fails the handshake. */
static unsigned int psk_client_tramp(SSL *s, const char *hint, char *identity, unsigned int max_identity,
                                     unsigned char *psk, unsigned int max_psk)
{
    /* libssl also asks while it writes a TLS 1.3 ClientHello, for an
     * external TLS 1.3 PSK (hint NULL): these are TLS 1.2 keys only. */
    if (ls_call_has_panicked() || SSL_get_state(s) == TLS_ST_CW_CLNT_HELLO)
        return 0;
    ls_cell *cl = ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_PSK_CLIENT);
    if (cl == NULL)
        return 0;
    unsigned int r = libsslGoPSKClient(cl->h, s, (char *)hint, identity, max_identity, psk, max_psk);
    ls_cell_release(cl);
    return r;
}

/* A server's key for the identity the client sent; 0: unknown identity.
 * libssl also asks for each identity of a TLS 1.3 pre_shared_key extension:
 * these are TLS 1.2 keys only, so a TLS 1.3 identity is unknown here. */
static unsigned int psk_server_tramp(SSL *s, const char *identity, unsigned char *psk, unsigned int max_psk)
{
    if (ls_call_has_panicked() || SSL_version(s) == TLS1_3_VERSION)
        return 0;
    ls_cell *cl = ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_PSK_SERVER);
    if (cl == NULL)
        return 0;
    unsigned int r = libsslGoPSKServer(cl->h, s, (char *)identity, psk, max_psk);
    ls_cell_release(cl);
    return r;
}
#endif

/* The client certificate callback: 1 with *x509 and *pkey set (libssl
 * takes over both references), 0 to send no certificate. */
static int client_cert_tramp(SSL *s, X509 **x509, EVP_PKEY **pkey)
{
    if (ls_call_has_panicked())
        return 0;
    ls_cell *cl = ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_CLIENT_CERT);
    if (cl == NULL)
        return 0;
    int r = libsslGoClientCert(cl->h, s, x509, pkey);
    ls_cell_release(cl);
    return r;
}

/* ---- TLS 1.3 external PSKs as sessions ---- */

/* What the Go callbacks report besides success (1) and failure (0): a
 * failure whose reason the trampoline puts on the error queue, so that the
 * handshake's error says it beside libssl's own. */
#define LS_PSK_FREED_SESSION (-1)
#define LS_PSK_EMPTY_IDENTITY (-2)

static void psk_callback_error(int r, const char *fn)
{
    const char *why = r == LS_PSK_FREED_SESSION ? "the callback returned a freed Session"
                                                : "the callback returned an empty identity";
#if IS_OSSL3
    ERR_raise_data(ERR_LIB_SSL, SSL_R_BAD_PSK, "%s: %s", fn, why);
#else
    ERR_put_error(ERR_LIB_SSL, 0, SSL_R_BAD_PSK, __FILE__, __LINE__);
    ERR_add_error_data(3, fn, ": ", why);
#endif
}

/* The identity the client's callback gave last on this thread. libssl
 * copies *id right after the callback returns, in the same C call
 * (extensions_clnt.c tls_construct_ctos_early_data: OPENSSL_memdup), so
 * the copy the callback made lives until the thread's next call. */
static __thread unsigned char *psk_last_identity;

/* The client's callback (SSL_psk_use_session_cb_func): the SSL's own slot,
 * which SSL_new shared from its context (lsh_ssl_new) or
 * SSL_set_psk_use_session_callback set, as libssl calls
 * s->psk_use_session_cb. 1 with *sess NULL offers no PSK; 1 with a session
 * hands libssl a reference it frees; 0 fails the handshake. */
static int psk_use_session_tramp(SSL *s, const EVP_MD *md, const unsigned char **id, size_t *idlen,
                                 SSL_SESSION **sess)
{
    *sess = NULL;
    *id = NULL;
    *idlen = 0;
    if (ls_call_has_panicked())
        return 0;
    ls_cell *cl = ls_ssl_cell(s, LS_CB_PSK_USE_SESSION);
    if (cl == NULL)
        return 1;
    unsigned char *idbuf = NULL;
    size_t n = 0;
    const char *mdname = md != NULL ? OBJ_nid2sn(EVP_MD_type(md)) : NULL;
    int r = libsslGoPSKUseSession(cl->h, s, (char *)mdname, &idbuf, &n, sess);
    ls_cell_release(cl);
    free(psk_last_identity);
    psk_last_identity = idbuf;
    if (r <= 0) {
        if (r < 0)
            psk_callback_error(r, "SSL_psk_use_session_cb");
        if (*sess != NULL) {
            SSL_SESSION_free(*sess);
            *sess = NULL;
        }
        return 0;
    }
    if (*sess != NULL) {
        *id = idbuf;
        *idlen = n;
    }
    return 1;
}

/* The server's callback (SSL_psk_find_session_cb_func), from the SSL's own
 * slot as above: 1 with a session (a reference libssl frees) or NULL (an
 * unknown identity), 0 to fail the handshake. */
static int psk_find_session_tramp(SSL *s, const unsigned char *id, size_t idlen, SSL_SESSION **sess)
{
    *sess = NULL;
    if (ls_call_has_panicked())
        return 0;
    ls_cell *cl = ls_ssl_cell(s, LS_CB_PSK_FIND_SESSION);
    if (cl == NULL)
        return 1;
    int r = libsslGoPSKFindSession(cl->h, s, (unsigned char *)id, idlen, sess);
    ls_cell_release(cl);
    if (r <= 0) {
        if (r < 0)
            psk_callback_error(r, "SSL_psk_find_session_cb");
        if (*sess != NULL) {
            SSL_SESSION_free(*sess);
            *sess = NULL;
        }
        return 0;
    }
    return 1;
}

void ls_psk_ssl_install(SSL *s, int kind, int on)
{
    if (kind == LS_CB_PSK_USE_SESSION)
        SSL_set_psk_use_session_callback(s, on ? psk_use_session_tramp : NULL);
    else if (kind == LS_CB_PSK_FIND_SESSION)
        SSL_set_psk_find_session_callback(s, on ? psk_find_session_tramp : NULL);
}

int lsh_sess_set1_master_key(SSL_SESSION *sess, const unsigned char *key, int len)
{
    return SSL_SESSION_set1_master_key(sess, key, (size_t)len);
}

int lsh_sess_master_key(SSL_SESSION *sess, unsigned char *buf, int cap)
{
    size_t n = SSL_SESSION_get_master_key(sess, NULL, 0);
    if (buf != NULL && n <= (size_t)cap)
        SSL_SESSION_get_master_key(sess, buf, n);
    return (int)n;
}

int lsh_sess_set1_alpn_selected(SSL_SESSION *sess, const unsigned char *p, int len)
{
    return SSL_SESSION_set1_alpn_selected(sess, p, (size_t)len);
}

int lsh_sess_alpn_selected(SSL_SESSION *sess, unsigned char *buf, int cap)
{
    const unsigned char *p = NULL;
    size_t n = 0;
    SSL_SESSION_get0_alpn_selected(sess, &p, &n);
    if (p == NULL)
        return 0;
    if (buf != NULL && n <= (size_t)cap)
        memcpy(buf, p, n);
    return (int)n;
}

const SSL_CIPHER *lsh_ssl_cipher_find(SSL *s, int id)
{
    const unsigned char b[2] = {(unsigned char)(id >> 8), (unsigned char)id};
    return SSL_CIPHER_find(s, b);
}

int lsh_cipher_protocol_id(const SSL_CIPHER *c) { return SSL_CIPHER_get_protocol_id(c); }

/* The short name of the cipher's handshake digest ("SHA256"), NULL when
 * it has none (TLS 1.2 and older ciphers with the default PRF). */
const char *lsh_cipher_handshake_digest(const SSL_CIPHER *c)
{
    const EVP_MD *md = SSL_CIPHER_get_handshake_digest(c);
    return md != NULL ? OBJ_nid2sn(EVP_MD_type(md)) : NULL;
}

void ls_psk_install(SSL_CTX *c, int kind, int on)
{
    switch (kind) {
    case LS_CB_PSK_USE_SESSION:
        SSL_CTX_set_psk_use_session_callback(c, on ? psk_use_session_tramp : NULL);
        break;
    case LS_CB_PSK_FIND_SESSION:
        SSL_CTX_set_psk_find_session_callback(c, on ? psk_find_session_tramp : NULL);
        break;
#ifndef OPENSSL_NO_PSK
    case LS_CB_PSK_CLIENT:
        SSL_CTX_set_psk_client_callback(c, on ? psk_client_tramp : NULL);
        break;
    case LS_CB_PSK_SERVER:
        SSL_CTX_set_psk_server_callback(c, on ? psk_server_tramp : NULL);
        break;
#endif
    case LS_CB_CLIENT_CERT:
        SSL_CTX_set_client_cert_cb(c, on ? client_cert_tramp : NULL);
        break;
    }
}

int lsh_ctx_use_psk_identity_hint(SSL_CTX *c, const char *hint)
{
#ifdef OPENSSL_NO_PSK
    (void)c;
    (void)hint;
    return 0;
#else
    return SSL_CTX_use_psk_identity_hint(c, hint);
#endif
}

int lsh_ssl_psk_identity(SSL *s, unsigned char *buf, int cap)
{
#ifdef OPENSSL_NO_PSK
    (void)s;
    (void)buf;
    (void)cap;
    return 0;
#else
    const char *id = SSL_get_psk_identity(s);
    if (id == NULL)
        return 0;
    int n = (int)strlen(id);
    if (buf != NULL && n <= cap)
        memcpy(buf, id, (size_t)n);
    return n;
#endif
}
