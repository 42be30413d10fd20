/*
 * shim_psk.c: the callbacks through which a context supplies credentials
 * other than its own certificate: TLS 1.2 pre-shared keys (psk.go:
 * SSL_CTX_set_psk_client_callback, SSL_CTX_set_psk_server_callback, the
 * server's identity hint) and the client certificate callback
 * (client_cert_callback.go: SSL_CTX_set_client_cert_cb). libssl calls the
 * callbacks of s->ctx; the trampolines find the Go callback in that
 * context's box (shim_slots.c). The Go callbacks write into the buffers
 * libssl passes; no Go pointer is kept by C.
 */
#include "shim_internal.h"
#include <string.h>

extern unsigned int libsslGoPSKClient(uintptr_t h, SSL *s, char *hint, char *identity, unsigned int max_identity,
                                      unsigned char *psk, unsigned int max_psk);
extern unsigned int libsslGoPSKServer(uintptr_t h, SSL *s, char *identity, unsigned char *psk,
                                      unsigned int max_psk);
extern int libsslGoClientCert(uintptr_t h, SSL *s, X509 **x509, EVP_PKEY **pkey);

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

void ls_psk_install(SSL_CTX *c, int kind, int on)
{
    switch (kind) {
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
