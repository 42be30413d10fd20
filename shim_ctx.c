/*
 * shim_ctx.c: helpers for SSL_CTX (ctx.go, ctx_verify.go, ctx_cert.go,
 * ctx_cache.go): methods, modes, versions, ciphers, certificates and keys
 * from PEM, the session cache.
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const SSL_METHOD *ls_method_for(int id)
{
    switch (id) {
    case LS_M_TLS: return TLS_method();
    case LS_M_TLS_CLIENT: return TLS_client_method();
    case LS_M_TLS_SERVER: return TLS_server_method();
    case LS_M_DTLS: return DTLS_method();
    case LS_M_DTLS_CLIENT: return DTLS_client_method();
    case LS_M_DTLS_SERVER: return DTLS_server_method();
    }
    return NULL;
}

int ls_method_id(const SSL_METHOD *m)
{
    for (int id = LS_M_TLS; id <= LS_M_DTLS_SERVER; id++)
        if (m != NULL && ls_method_for(id) == m)
            return id;
    return 0;
}

SSL_CTX *lsh_ctx_new(int method)
{
    const SSL_METHOD *m = ls_method_for(method);
    return m ? SSL_CTX_new(m) : NULL;
}

long lsh_ctx_set_mode(SSL_CTX *c, long m) { return SSL_CTX_set_mode(c, m); }
long lsh_ctx_clear_mode(SSL_CTX *c, long m) { return SSL_CTX_clear_mode(c, m); }
long lsh_ctx_get_mode(SSL_CTX *c) { return SSL_CTX_get_mode(c); }
int lsh_ctx_set_min_proto(SSL_CTX *c, int v) { return (int)SSL_CTX_set_min_proto_version(c, v); }
int lsh_ctx_set_max_proto(SSL_CTX *c, int v) { return (int)SSL_CTX_set_max_proto_version(c, v); }
int lsh_ctx_get_min_proto(SSL_CTX *c) { return (int)SSL_CTX_get_min_proto_version(c); }
int lsh_ctx_get_max_proto(SSL_CTX *c) { return (int)SSL_CTX_get_max_proto_version(c); }

int ls_join_ciphers(STACK_OF(SSL_CIPHER) *sk, char *buf, int cap)
{
    int need = 0;
    for (int i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk); i++) {
        const char *n = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i));
        int l = (int)strlen(n);
        if (need + l + 1 <= cap) {
            if (need > 0)
                buf[need - 1] = ':';
            memcpy(buf + need, n, (size_t)l);
            buf[need + l] = '\0';
        }
        need += l + 1;
    }
    return need;
}

int lsh_ctx_cipher_names(SSL_CTX *c, char *buf, int cap) { return ls_join_ciphers(SSL_CTX_get_ciphers(c), buf, cap); }

int lsh_ctx_has_verify_cb(SSL_CTX *c) { return SSL_CTX_get_verify_callback(c) != NULL; }

/* Adds every certificate of the PEM text to the context's trust store;
 * returns how many, or 0 when one is corrupt (none is kept back: those
 * before it were added) or there is none. */
int lsh_ctx_add_ca_pem(SSL_CTX *c, const char *pem, int len)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    if (b == NULL)
        return 0;
    X509_STORE *st = SSL_CTX_get_cert_store(c);
    int n = 0, ok = 1;
    X509 *x;
    while (ok && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        ok = X509_STORE_add_cert(st, x) == 1; /* takes its own reference */
        X509_free(x);
        n++;
    }
    BIO_free(b);
    if (!ok || !ls_pem_loop_ended_cleanly())
        return 0;
    return n;
}

int lsh_ctx_use_cert_chain_pem(SSL_CTX *c, const char *pem, int len)
{
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = ls_pem_read_chain(pem, len, &chain);
    int ok = leaf != NULL && SSL_CTX_use_certificate(c, leaf) == 1 &&
             SSL_CTX_set1_chain(c, chain) == 1; /* set1: its own references */
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return ok;
}

int lsh_ctx_use_key_pem(SSL_CTX *c, const char *pem, int len)
{
    EVP_PKEY *k = ls_pem_read_key(pem, len);
    int ok = k != NULL && SSL_CTX_use_PrivateKey(c, k) == 1;
    EVP_PKEY_free(k);
    return ok;
}

long lsh_ctx_set_cache_mode(SSL_CTX *c, long m) { return SSL_CTX_set_session_cache_mode(c, m); }
long lsh_ctx_get_cache_mode(SSL_CTX *c) { return SSL_CTX_get_session_cache_mode(c); }
long lsh_ctx_set_cache_size(SSL_CTX *c, long n) { return SSL_CTX_sess_set_cache_size(c, n); }
long lsh_ctx_get_cache_size(SSL_CTX *c) { return SSL_CTX_sess_get_cache_size(c); }

long lsh_ctx_sess_stat(SSL_CTX *c, int which)
{
    switch (which) {
    case 0: return SSL_CTX_sess_number(c);
    case 1: return SSL_CTX_sess_connect(c);
    case 2: return SSL_CTX_sess_connect_good(c);
    case 3: return SSL_CTX_sess_connect_renegotiate(c);
    case 4: return SSL_CTX_sess_accept(c);
    case 5: return SSL_CTX_sess_accept_good(c);
    case 6: return SSL_CTX_sess_accept_renegotiate(c);
    case 7: return SSL_CTX_sess_hits(c);
    case 8: return SSL_CTX_sess_cb_hits(c);
    case 9: return SSL_CTX_sess_misses(c);
    case 10: return SSL_CTX_sess_timeouts(c);
    case 11: return SSL_CTX_sess_cache_full(c);
    }
    return -1;
}

void lsh_ctx_flush_sessions(SSL_CTX *c, long t)
{
#if OPENSSL_VERSION_NUMBER >= 0x30400000L
    SSL_CTX_flush_sessions_ex(c, (time_t)t); /* SSL_CTX_flush_sessions is deprecated since 3.4 */
#else
    SSL_CTX_flush_sessions(c, t);
#endif
}

void lsh_ctx_set_read_ahead(SSL_CTX *c, int yes) { SSL_CTX_set_read_ahead(c, yes); }
int lsh_ctx_get_read_ahead(SSL_CTX *c) { return (int)SSL_CTX_get_read_ahead(c); }

/* SSL_CTX_add_extra_chain_cert takes the reference it is given (add0): the
 * caller's handle keeps its own, so take one for libssl first. */
int lsh_ctx_add_extra_chain_cert(SSL_CTX *c, X509 *x)
{
    if (!X509_up_ref(x))
        return 0;
    if (!SSL_CTX_add_extra_chain_cert(c, x)) {
        X509_free(x);
        return 0;
    }
    return 1;
}
