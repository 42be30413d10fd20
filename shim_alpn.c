/*
 * shim_alpn.c: ALPN (RFC 7301) helpers declared in shim.def. The server's
 * protocol list is copied into C memory owned by the SSL_CTX (an ex_data slot
 * whose free_func frees it), so C keeps no Go pointer. No capture here: the
 * generated wrappers (zshim.c) capture around each helper.
 */
#include "shim.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Server selection                                                    */
/* ------------------------------------------------------------------ */

/* The server's list, in C memory owned by the SSL_CTX's ex_data slot. */
typedef struct {
    int fatal;
    unsigned int len;
    unsigned char p[]; /* wire format */
} alpn_list;

static int alpn_idx = -1;
static CRYPTO_ONCE alpn_once = CRYPTO_ONCE_STATIC_INIT;

/* Runs when the SSL_CTX is destroyed (for every context: ptr is NULL on
 * those that never had a list). SSL_CTX has no dup, so no dup_func. */
static void alpn_list_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    OPENSSL_free(ptr);
}

static void alpn_init(void)
{
    alpn_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, NULL, NULL, NULL, alpn_list_free);
}

static int alpn_index(void)
{
    if (!CRYPTO_THREAD_run_once(&alpn_once, alpn_init))
        return -1;
    return alpn_idx;
}

/* Chooses the server's most preferred protocol that the client offered.
 * *out points into the client's list (in), which libssl copies at once. */
static int alpn_select_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)arg;
    int idx = alpn_idx;
    if (idx < 0)
        return SSL_TLSEXT_ERR_NOACK;
    alpn_list *l = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), idx);
    if (l == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    for (unsigned int i = 0; i < l->len; i += 1u + l->p[i]) {
        unsigned int sl = l->p[i];
        const unsigned char *sp = &l->p[i + 1];
        for (unsigned int j = 0; j < inlen;) {
            unsigned int cl = in[j];
            if (j + 1u + cl > inlen)
                break; /* malformed; libssl validated it, but stay in bounds */
            if (cl == sl && memcmp(&in[j + 1], sp, sl) == 0) {
                *out = &in[j + 1];
                *outlen = (unsigned char)cl;
                return SSL_TLSEXT_ERR_OK;
            }
            j += 1u + cl;
        }
    }
    return l->fatal ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_NOACK;
}

/* Installs the select callback with a copy of the list p (len >= 0; an empty
 * list selects nothing) or, with len < 0, removes the list and the callback. */
int lsh_ctx_set_alpn_select(SSL_CTX *c, const unsigned char *p, int len, int fatal)
{
    int idx = alpn_index();
    if (idx < 0)
        return 0;
    alpn_list *l = NULL;
    if (len >= 0) {
        l = OPENSSL_malloc(sizeof(*l) + (size_t)len);
        if (l == NULL)
            return 0;
        l->fatal = fatal;
        l->len = (unsigned int)len;
        if (len > 0)
            memcpy(l->p, p, (size_t)len);
    }
    alpn_list *old = SSL_CTX_get_ex_data(c, idx);
    if (!SSL_CTX_set_ex_data(c, idx, l)) {
        OPENSSL_free(l);
        return 0;
    }
    OPENSSL_free(old);
    SSL_CTX_set_alpn_select_cb(c, l != NULL ? alpn_select_cb : NULL, NULL);
    return 1;
}

int lsh_ctx_get_alpn_select(SSL_CTX *c, unsigned char *buf, int cap)
{
    int idx = alpn_index();
    if (idx < 0)
        return -1;
    alpn_list *l = SSL_CTX_get_ex_data(c, idx);
    if (l == NULL)
        return -1;
    if (buf != NULL && (int)l->len <= cap)
        memcpy(buf, l->p, l->len);
    return (int)l->len;
}

int lsh_ssl_alpn_selected(SSL *s, unsigned char *buf, int cap)
{
    const unsigned char *p = NULL;
    unsigned int n = 0;
    SSL_get0_alpn_selected(s, &p, &n);
    if (p == NULL || n == 0)
        return 0;
    if (buf != NULL && (int)n <= cap)
        memcpy(buf, p, n);
    return (int)n;
}

