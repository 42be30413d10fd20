/*
 * shim_ech.c: Encrypted Client Hello (ech.go), OpenSSL 4.0's OSSL_ECHSTORE
 * and the SSL_ech_* calls.
 *
 * An ECHStore handle owns one ls_echstore: the OSSL_ECHSTORE and, when it
 * was made in a library context of the binding, a reference on that
 * context's record. OSSL_ECHSTORE has no reference count: SSL_CTX_set1_echstore
 * and SSL_set1_echstore keep a deep copy (ossl_echstore_dup), which refers
 * to the store's OSSL_LIB_CTX. So a store made in a context of the binding
 * marks the context shared (shim_libctx.c): its keys decrypt ClientHellos
 * in handshakes on any thread, and a shared context is never freed while
 * the process runs, so no copy held by an SSL_CTX or SSL outlives it.
 *
 * The since= lines of shim.def keep every helper but lsh_ech_built and
 * lsh_echstore_count out of the wrappers compiled against headers older
 * than 4.0; a 4.0 build without ECH (OPENSSL_NO_ECH) has stubs that fail,
 * and lsh_ech_built tells Go so before any call.
 */
#include "shim_internal.h"

#include <stdlib.h>
#include <string.h>

#if OPENSSL_VERSION_NUMBER >= 0x40000000L && !defined(OPENSSL_NO_ECH)
#define LS_HAVE_ECH 1
#include <openssl/ech.h>
#include <openssl/bio.h>
#else
#define LS_HAVE_ECH 0
#endif

static int64_t echstore_made, echstore_freed;

/* 1 when the headers have ECH (OpenSSL 4.0 without OPENSSL_NO_ECH). */
int lsh_ech_built(void) { return LS_HAVE_ECH; }

/* The number of ls_echstore records made (which 0) and freed (which 1). */
int64_t lsh_echstore_count(int which)
{
    return __atomic_load_n(which == 0 ? &echstore_made : &echstore_freed, __ATOMIC_SEQ_CST);
}

#if LS_HAVE_ECH

typedef struct {
    OSSL_ECHSTORE *es;
    ls_librec *rec;
} ls_echstore;

/* OSSL_ECHSTORE_new in the record's context (NULL: the default), with the
 * property query propq (NULL or "": none). */
void *lsh_echstore_new(void *rec, const char *propq)
{
    ls_echstore *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return NULL;
    st->es = OSSL_ECHSTORE_new(ls_librec_lc(rec), propq != NULL && propq[0] != 0 ? propq : NULL);
    if (st->es == NULL) {
        free(st);
        return NULL;
    }
    if (rec != NULL) {
        ls_librec_ref(rec);
        ls_librec_note_shared(rec);
        st->rec = rec;
    }
    __atomic_add_fetch(&echstore_made, 1, __ATOMIC_SEQ_CST);
    return st;
}

/* OSSL_ECHSTORE_free, and the record's reference given back. */
void lsh_echstore_free(void *sv)
{
    ls_echstore *st = sv;
    if (st == NULL)
        return;
    OSSL_ECHSTORE_free(st->es);
    ls_librec_release(st->rec);
    free(st);
    __atomic_add_fetch(&echstore_freed, 1, __ATOMIC_SEQ_CST);
}

static OSSL_ECHSTORE *es_of(void *sv) { return sv == NULL ? NULL : ((ls_echstore *)sv)->es; }

int lsh_echstore_new_config(void *sv, int version, int max_name_length, const char *public_name, int kem, int kdf,
                            int aead)
{
    OSSL_HPKE_SUITE suite = {(uint16_t)kem, (uint16_t)kdf, (uint16_t)aead};
    return OSSL_ECHSTORE_new_config(es_of(sv), (uint16_t)version, (uint8_t)max_name_length, public_name, suite);
}

/* OSSL_ECHSTORE_write_pem of entry index into a memory BIO; the PEM text is
 * copied into buf when it fits in cap. Returns its length, -1 on failure. */
int lsh_echstore_write_pem(void *sv, int index, unsigned char *buf, int cap)
{
    BIO *out = BIO_new(BIO_s_mem());
    if (out == NULL)
        return -1;
    int n = -1;
    if (OSSL_ECHSTORE_write_pem(es_of(sv), index, out) == 1) {
        char *p = NULL;
        long len = BIO_get_mem_data(out, &p);
        if (len >= 0 && len <= 0x7fffffff) {
            n = (int)len;
            if (buf != NULL && n <= cap)
                memcpy(buf, p, (size_t)n);
        }
    }
    BIO_free(out);
    return n;
}

static BIO *mem_in(const unsigned char *p, int len)
{
    return BIO_new_mem_buf(p != NULL ? (const void *)p : (const void *)"", len);
}

int lsh_echstore_read_echconfiglist(void *sv, const unsigned char *p, int len)
{
    BIO *in = mem_in(p, len);
    if (in == NULL)
        return 0;
    int r = OSSL_ECHSTORE_read_echconfiglist(es_of(sv), in);
    BIO_free(in);
    return r;
}

int lsh_echstore_read_pem(void *sv, const unsigned char *p, int len, int for_retry)
{
    BIO *in = mem_in(p, len);
    if (in == NULL)
        return 0;
    int r = OSSL_ECHSTORE_read_pem(es_of(sv), in, for_retry ? OSSL_ECH_FOR_RETRY : OSSL_ECH_NO_RETRY);
    BIO_free(in);
    return r;
}

int lsh_echstore_set1_key_and_read_pem(void *sv, EVP_PKEY *k, const unsigned char *p, int len, int for_retry)
{
    BIO *in = mem_in(p, len);
    if (in == NULL)
        return 0;
    int r = OSSL_ECHSTORE_set1_key_and_read_pem(es_of(sv), k, in, for_retry ? OSSL_ECH_FOR_RETRY : OSSL_ECH_NO_RETRY);
    BIO_free(in);
    return r;
}

/* OSSL_ECHSTORE_num_entries (keys 0) or OSSL_ECHSTORE_num_keys (keys 1):
 * the count, -1 on failure. */
int lsh_echstore_count_of(void *sv, int keys)
{
    int n = 0;
    int r = keys ? OSSL_ECHSTORE_num_keys(es_of(sv), &n) : OSSL_ECHSTORE_num_entries(es_of(sv), &n);
    return r == 1 ? n : -1;
}

static int put_string(const char *s, char *buf, int cap)
{
    size_t n = s == NULL ? 0 : strlen(s);
    if (n > 0x7ffffffe)
        return -1;
    if (buf != NULL && (int)n < cap) {
        if (n > 0)
            memcpy(buf, s, n);
        buf[n] = 0;
    }
    return (int)n + 1;
}

/* OSSL_ECHSTORE_get1_info of entry index: the numbers in the out
 * parameters, the public name and the printable ECHConfig copied into pub
 * and cfg when they fit (with their NULs), their sizes with the NUL in
 * *publen and *cfglen. The C strings are freed here. 1 on success. */
int lsh_echstore_info(void *sv, int index, int64_t *loaded_secs, int *has_private, int *for_retry, char *pub,
                      int pubcap, int *publen, char *cfg, int cfgcap, int *cfglen)
{
    time_t secs = 0;
    char *pn = NULL, *ec = NULL;
    int r = OSSL_ECHSTORE_get1_info(es_of(sv), index, &secs, &pn, &ec, has_private, for_retry);
    if (r == 1) {
        *loaded_secs = (int64_t)secs;
        *publen = put_string(pn, pub, pubcap);
        *cfglen = put_string(ec, cfg, cfgcap);
        if (*publen < 0 || *cfglen < 0)
            r = 0;
    }
    OPENSSL_free(pn);
    OPENSSL_free(ec);
    return r;
}

int lsh_echstore_downselect(void *sv, int index) { return OSSL_ECHSTORE_downselect(es_of(sv), index); }

int lsh_echstore_flush_keys(void *sv, int64_t age) { return OSSL_ECHSTORE_flush_keys(es_of(sv), (time_t)age); }

int lsh_ctx_set1_echstore(SSL_CTX *c, void *sv) { return SSL_CTX_set1_echstore(c, es_of(sv)); }

int lsh_ssl_set1_echstore(SSL *s, void *sv) { return SSL_set1_echstore(s, es_of(sv)); }

int lsh_ssl_set1_ech_config_list(SSL *s, const unsigned char *p, int len)
{
    return SSL_set1_ech_config_list(s, p, (size_t)len);
}

/* SSL_ech_get1_status: the status in *status, the inner and outer SNI
 * copied into inner and outer when they fit (with their NULs), their sizes
 * in *innerlen and *outerlen (0: none). The C strings are freed here.
 * Always 1: a failed status is the status. */
int lsh_ssl_ech_status(SSL *s, int *status, char *inner, int icap, int *innerlen, char *outer, int ocap,
                       int *outerlen)
{
    char *in = NULL, *out = NULL;
    *status = SSL_ech_get1_status(s, &in, &out);
    *innerlen = in == NULL ? 0 : put_string(in, inner, icap);
    *outerlen = out == NULL ? 0 : put_string(out, outer, ocap);
    OPENSSL_free(in);
    OPENSSL_free(out);
    return 1;
}

/* SSL_ech_get1_retry_config: the retry configs (an ECHConfigList) copied
 * into buf when they fit in cap and freed; returns their length (0: none),
 * -1 on failure. */
int lsh_ssl_ech_retry_config(SSL *s, unsigned char *buf, int cap)
{
    unsigned char *ec = NULL;
    size_t len = 0;
    if (SSL_ech_get1_retry_config(s, &ec, &len) != 1)
        return -1;
    int n = len > 0x7fffffff ? -1 : (int)len;
    if (n > 0 && buf != NULL && n <= cap)
        memcpy(buf, ec, len);
    OPENSSL_free(ec);
    return n;
}

/* SSL_OP_ECH_GREASE set (on) or cleared (SSL_set_options,
 * SSL_clear_options). */
int lsh_ssl_set_ech_grease(SSL *s, int on)
{
    if (on)
        SSL_set_options(s, SSL_OP_ECH_GREASE);
    else
        SSL_clear_options(s, SSL_OP_ECH_GREASE);
    return 1;
}

/* SSL_OP_ECH_GREASE on the context (SSL_CTX_set_options,
 * SSL_CTX_clear_options), which SSL_new copies to each connection. */
int lsh_ctx_set_ech_grease(SSL_CTX *c, int on)
{
    if (on)
        SSL_CTX_set_options(c, SSL_OP_ECH_GREASE);
    else
        SSL_CTX_clear_options(c, SSL_OP_ECH_GREASE);
    return 1;
}

int lsh_ssl_ech_set1_grease_suite(SSL *s, const char *suite) { return SSL_ech_set1_grease_suite(s, suite); }

int lsh_ssl_ech_set_grease_type(SSL *s, int type) { return SSL_ech_set_grease_type(s, (uint16_t)type); }

int lsh_ssl_ech_set1_outer_server_name(SSL *s, const char *name, int no_outer)
{
    return SSL_ech_set1_outer_server_name(s, name, no_outer);
}

#elif OPENSSL_VERSION_NUMBER >= 0x40000000L
/* 4.0 built without ECH: the helpers shim.def declares fail (Go asks
 * lsh_ech_built first and never reaches them). */
void *lsh_echstore_new(void *rec, const char *propq) { (void)rec; (void)propq; return NULL; }
int lsh_echstore_new_config(void *sv, int v, int m, const char *n, int kem, int kdf, int aead)
{ (void)sv; (void)v; (void)m; (void)n; (void)kem; (void)kdf; (void)aead; return 0; }
int lsh_echstore_write_pem(void *sv, int i, unsigned char *b, int c) { (void)sv; (void)i; (void)b; (void)c; return -1; }
int lsh_echstore_read_echconfiglist(void *sv, const unsigned char *p, int l) { (void)sv; (void)p; (void)l; return 0; }
int lsh_echstore_read_pem(void *sv, const unsigned char *p, int l, int r) { (void)sv; (void)p; (void)l; (void)r; return 0; }
int lsh_echstore_set1_key_and_read_pem(void *sv, EVP_PKEY *k, const unsigned char *p, int l, int r)
{ (void)sv; (void)k; (void)p; (void)l; (void)r; return 0; }
int lsh_echstore_count_of(void *sv, int keys) { (void)sv; (void)keys; return -1; }
int lsh_echstore_info(void *sv, int index, int64_t *l, int *h, int *f, char *p, int pc, int *pl, char *c, int cc, int *cl)
{ (void)sv; (void)index; (void)l; (void)h; (void)f; (void)p; (void)pc; (void)pl; (void)c; (void)cc; (void)cl; return 0; }
int lsh_echstore_downselect(void *sv, int i) { (void)sv; (void)i; return 0; }
int lsh_echstore_flush_keys(void *sv, int64_t a) { (void)sv; (void)a; return 0; }
int lsh_ctx_set1_echstore(SSL_CTX *c, void *sv) { (void)c; (void)sv; return 0; }
int lsh_ssl_set1_echstore(SSL *s, void *sv) { (void)s; (void)sv; return 0; }
int lsh_ssl_set1_ech_config_list(SSL *s, const unsigned char *p, int l) { (void)s; (void)p; (void)l; return 0; }
int lsh_ssl_ech_status(SSL *s, int *st, char *i, int ic, int *il, char *o, int oc, int *ol)
{ (void)s; (void)i; (void)ic; (void)o; (void)oc; *st = -103; *il = 0; *ol = 0; return 1; }
int lsh_ssl_ech_retry_config(SSL *s, unsigned char *b, int c) { (void)s; (void)b; (void)c; return -1; }
int lsh_ssl_set_ech_grease(SSL *s, int on) { (void)s; (void)on; return 0; }
int lsh_ctx_set_ech_grease(SSL_CTX *c, int on) { (void)c; (void)on; return 0; }
int lsh_ssl_ech_set1_grease_suite(SSL *s, const char *x) { (void)s; (void)x; return 0; }
int lsh_ssl_ech_set_grease_type(SSL *s, int t) { (void)s; (void)t; return 0; }
int lsh_ssl_ech_set1_outer_server_name(SSL *s, const char *n, int o) { (void)s; (void)n; (void)o; return 0; }
#endif

#if !LS_HAVE_ECH
/* No store is ever made: nothing to free. */
void lsh_echstore_free(void *sv) { (void)sv; }
#endif
