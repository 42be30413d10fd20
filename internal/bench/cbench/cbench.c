/* The C baseline for the binding's benchmarks: each function runs an
 * operation n times directly against libssl, with no Go in between. */
#include "cbench.h"

#include <string.h>
#include <openssl/pem.h>

struct cb_env {
    SSL_CTX *cctx, *sctx; /* client and server, for handshakes */
    SSL_CTX *plain;       /* TLS_method, for the lifecycle ops */
    SSL_SESSION *sess;    /* a resumable client session of the last handshake version */
    int version;
};

static X509 *pem_x509(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    return x;
}

static EVP_PKEY *pem_key(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    return k;
}

cb_env *cb_env_new(const char *cert, const char *key, const char *ca, int version)
{
    cb_env *e = calloc(1, sizeof(*e));
    X509 *x = pem_x509(cert), *cax = pem_x509(ca);
    EVP_PKEY *k = pem_key(key);
    e->version = version;
    e->plain = SSL_CTX_new(TLS_method());
    e->sctx = SSL_CTX_new(TLS_server_method());
    e->cctx = SSL_CTX_new(TLS_client_method());
    if (!e->plain || !e->sctx || !e->cctx || !x || !k || !cax
        || SSL_CTX_use_certificate(e->sctx, x) != 1 || SSL_CTX_use_PrivateKey(e->sctx, k) != 1
        || X509_STORE_add_cert(SSL_CTX_get_cert_store(e->cctx), cax) != 1) {
        X509_free(x); X509_free(cax); EVP_PKEY_free(k);
        cb_env_free(e);
        return NULL;
    }
    SSL_CTX_set_session_id_context(e->sctx, (const unsigned char *)"bench", 5);
    SSL_CTX_set_min_proto_version(e->sctx, version);
    SSL_CTX_set_max_proto_version(e->sctx, version);
    SSL_CTX_set_min_proto_version(e->cctx, version);
    SSL_CTX_set_max_proto_version(e->cctx, version);
    SSL_CTX_set_verify(e->cctx, SSL_VERIFY_PEER, NULL);
    X509_free(x); X509_free(cax); EVP_PKEY_free(k);
    if (cb_handshakes(e, 1, 0) != 1) { /* also keeps a session */
        cb_env_free(e);
        return NULL;
    }
    return e;
}

void cb_env_free(cb_env *e)
{
    if (e == NULL)
        return;
    SSL_SESSION_free(e->sess);
    SSL_CTX_free(e->plain);
    SSL_CTX_free(e->sctx);
    SSL_CTX_free(e->cctx);
    free(e);
}

long cb_new_free(cb_env *e, long n)
{
    for (long i = 0; i < n; i++) {
        SSL *s = SSL_new(e->plain);
        if (s == NULL) return -1;
        SSL_free(s);
    }
    return n;
}

long cb_dup_free(cb_env *e, long n)
{
    SSL *s = SSL_new(e->plain);
    for (long i = 0; i < n; i++) {
        SSL *d = SSL_dup(s);
        if (d == NULL) return -1;
        SSL_free(d);
    }
    SSL_free(s);
    return n;
}

long cb_upref_free(cb_env *e, long n)
{
    SSL *s = SSL_new(e->plain);
    for (long i = 0; i < n; i++) {
        if (SSL_up_ref(s) != 1) return -1;
        SSL_free(s);
    }
    SSL_free(s);
    return n;
}

long cb_clear(cb_env *e, long n)
{
    SSL *s = SSL_new(e->plain);
    for (long i = 0; i < n; i++) {
        if (SSL_clear(s) != 1) return -1;
    }
    SSL_free(s);
    return n;
}

long cb_version(cb_env *e, long n)
{
    SSL *s = SSL_new(e->plain);
    long sum = 0;
    for (long i = 0; i < n; i++)
        sum += SSL_version(s);
    SSL_free(s);
    return sum > 0 ? n : -1;
}

long cb_set_session(cb_env *e, long n)
{
    SSL *s = SSL_new(e->cctx);
    for (long i = 0; i < n; i++) {
        if (SSL_set_session(s, e->sess) != 1 || SSL_set_session(s, NULL) != 1) return -1;
    }
    SSL_free(s);
    return n;
}

long cb_get1_session(cb_env *e, long n)
{
    SSL *s = SSL_new(e->cctx);
    SSL_set_session(s, e->sess);
    for (long i = 0; i < n; i++) {
        SSL_SESSION *x = SSL_get1_session(s);
        if (x == NULL) return -1;
        SSL_SESSION_free(x);
    }
    SSL_free(s);
    return n;
}

long cb_i2d(cb_env *e, long n)
{
    for (long i = 0; i < n; i++) {
        int len = i2d_SSL_SESSION(e->sess, NULL);
        unsigned char *buf = malloc((size_t)len), *p = buf;
        if (i2d_SSL_SESSION(e->sess, &p) != len) return -1;
        free(buf);
    }
    return n;
}

long cb_d2i(cb_env *e, long n)
{
    int len = i2d_SSL_SESSION(e->sess, NULL);
    unsigned char *der = malloc((size_t)len), *p = der;
    i2d_SSL_SESSION(e->sess, &p);
    for (long i = 0; i < n; i++) {
        const unsigned char *q = der;
        SSL_SESSION *s = d2i_SSL_SESSION(NULL, &q, len);
        if (s == NULL) return -1;
        SSL_SESSION_free(s);
    }
    free(der);
    return n;
}

static int pump(BIO *from, BIO *to, unsigned char *buf)
{
    int moved = 0;
    while (BIO_ctrl_pending(from) > 0) {
        int k = BIO_read(from, buf, 16384);
        if (k <= 0 || BIO_write(to, buf, k) != k)
            return -1;
        moved += k;
    }
    return moved;
}

/* One handshake over memory BIOs, the same steps as the Go pair: both sides
 * step in turn and bytes move between steps; a TLS 1.3 client then reads the
 * tickets. resume: offer the kept session and require reuse. */
static int one_handshake(cb_env *e, int resume)
{
    static unsigned char buf[16384];
    SSL *c = SSL_new(e->cctx), *s = SSL_new(e->sctx);
    BIO *cr = BIO_new(BIO_s_mem()), *cw = BIO_new(BIO_s_mem());
    BIO *sr = BIO_new(BIO_s_mem()), *sw = BIO_new(BIO_s_mem());
    int ok = 0, cd = 0, sd = 0;
    if (!c || !s || !cr || !cw || !sr || !sw)
        goto out;
    SSL_set_bio(c, cr, cw);
    SSL_set_bio(s, sr, sw);
    cr = cw = sr = sw = NULL;
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    if (resume)
        SSL_set_session(c, e->sess);
    for (int i = 0; i < 100; i++) {
        int r;
        ERR_clear_error();
        if (!cd) {
            if ((r = SSL_do_handshake(c)) == 1) cd = 1;
            else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ) goto out;
        }
        if (!sd) {
            if ((r = SSL_do_handshake(s)) == 1) sd = 1;
            else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ) goto out;
        }
        int m1 = pump(SSL_get_wbio(c), SSL_get_rbio(s), buf);
        int m2 = pump(SSL_get_wbio(s), SSL_get_rbio(c), buf);
        if (m1 < 0 || m2 < 0) goto out;
        if (cd && sd && m1 + m2 == 0) break;
    }
    if (!cd || !sd || (resume && !SSL_session_reused(c)))
        goto out;
    if (SSL_version(c) == TLS1_3_VERSION) {
        unsigned char b;
        ERR_clear_error();
        int r = SSL_read(c, &b, 1);
        if (r > 0 || SSL_get_error(c, r) != SSL_ERROR_WANT_READ) goto out;
    }
    if (!resume && e->sess == NULL)
        e->sess = SSL_get1_session(c);
    /* A connection freed while open spoils its session for everyone (the
     * same on both sides of the benchmark): mark it closed first. */
    SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    ok = 1;
out:
    BIO_free(cr); BIO_free(cw); BIO_free(sr); BIO_free(sw);
    SSL_free(c);
    SSL_free(s);
    return ok;
}

long cb_handshakes(cb_env *e, long n, int resume)
{
    for (long i = 0; i < n; i++)
        if (!one_handshake(e, resume))
            return -1;
    return n;
}

__attribute__((noinline)) void cb_nop(void) { __asm__ volatile(""); }

long cb_nop_calls(long n)
{
    for (long i = 0; i < n; i++)
        cb_nop();
    return n;
}

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define CB_HAVE_CALLGRIND 1
#endif
#endif

void cb_instr_zero(void)
{
#ifdef CB_HAVE_CALLGRIND
    CALLGRIND_ZERO_STATS;
#endif
}

void cb_instr_dump(void)
{
#ifdef CB_HAVE_CALLGRIND
    CALLGRIND_DUMP_STATS_AT("cbench");
#endif
}
