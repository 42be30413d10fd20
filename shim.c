/*
 * shim.c: error capture, libssl macro wrappers, the destruction probe and
 * the ex_data plumbing for Go callbacks. See shim.h.
 */
#include "shim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exported from Go (callbacks.go). */
extern int libsslGoVerify(uintptr_t h, int ok, X509_STORE_CTX *x);
extern void libsslGoInfo(uintptr_t h, SSL *s, int where, int ret);
extern void libsslGoRelease(uintptr_t h);

#define IS_OSSL3 (OPENSSL_VERSION_NUMBER >= 0x30000000L)

/* ------------------------------------------------------------------ */
/* Error capture                                                       */
/* ------------------------------------------------------------------ */

static void copy_str(char *dst, size_t cap, const char *src)
{
    if (src == NULL)
        src = "";
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Formats the entry as ERR_print_errors prints it, less the thread id. */
static void format_entry(ls_errent *e)
{
    char es[256];
    ERR_error_string_n(e->code, es, sizeof(es));
#if IS_OSSL3
    /* 3.x prints "error:%08lX:lib:func:reason"; ERR_error_string_n leaves func
     * empty, so put it back between the library and the reason. */
    char *p = es + 15; /* after "error:XXXXXXXX:" */
    char *colon = strlen(es) > 15 ? strchr(p, ':') : NULL;
    if (colon != NULL && e->func[0] != '\0') {
        char withfunc[256 + LS_FUNC_LEN];
        size_t head = (size_t)(colon - es) + 1;
        snprintf(withfunc, sizeof(withfunc), "%.*s%s%s", (int)head, es, e->func, colon + 1);
        snprintf(e->text, sizeof(e->text), "%s:%s:%d:%s", withfunc, e->file, e->line, e->data);
        return;
    }
#endif
    snprintf(e->text, sizeof(e->text), "%s:%s:%d:%s", es, e->file, e->line, e->data);
}

static ls_errq *drain(void)
{
    ls_errq *q = NULL;
    for (;;) {
        const char *file = NULL, *func = NULL, *data = NULL;
        int line = 0, flags = 0;
#if IS_OSSL3
        unsigned long code = ERR_get_error_all(&file, &line, &func, &data, &flags);
#else
        unsigned long code = ERR_get_error_line_data(&file, &line, &data, &flags);
        if (code != 0)
            func = ERR_func_error_string(code);
#endif
        if (code == 0)
            break;
        if (q == NULL) {
            q = calloc(1, sizeof(*q));
            if (q == NULL) {
                /* Out of memory: still empty the queue so it cannot leak into
                 * the next call on this thread. */
                ERR_clear_error();
                return NULL;
            }
        }
        if (q->n >= LS_MAX_ERRS) {
            q->dropped++;
            continue;
        }
        ls_errent *e = &q->e[q->n++];
        e->code = code;
        e->line = line;
        e->lib = ERR_GET_LIB(code);
        e->reason = ERR_GET_REASON(code);
        copy_str(e->func, sizeof(e->func), func);
        copy_str(e->file, sizeof(e->file), file);
        copy_str(e->data, sizeof(e->data), (flags & ERR_TXT_STRING) ? data : "");
        format_entry(e);
    }
    return q;
}

void ls_errq_free(ls_errq *q) { free(q); }

unsigned long ls_err_peek(void) { return ERR_peek_error(); }

static void begin(void)
{
    /* ERR_clear_error resets all 16 slots of the thread's queue and costs
     * about 250 ns on 3.0 even when the queue is empty; peeking first costs
     * about 35 ns and leaves the same empty queue. */
    if (ERR_peek_error() != 0)
        ERR_clear_error();
    errno = 0;
}

void ls_begin(void) { begin(); }

static ls_ret finish_ptr(void *p)
{
    ls_ret r = {0};
    r.sys_errno = errno;
    r.ptr = p;
    r.ret = p != NULL;
    r.errq = drain();
    return r;
}

static ls_ret finish_int(long v)
{
    ls_ret r = {0};
    r.sys_errno = errno;
    r.ret = v;
    r.errq = drain();
    return r;
}

static ls_ret finish_io(SSL *s, int v)
{
    ls_ret r = {0};
    r.sys_errno = errno;
    r.ret = v;
    r.ssl_error = SSL_get_error(s, v); /* before draining: it peeks the queue */
    r.errq = drain();
    return r;
}

ls_ret ls_finish_ptr(void *p) { return finish_ptr(p); }
ls_ret ls_finish_int(long v) { return finish_int(v); }
ls_ret ls_finish_io(SSL *s, int v) { return finish_io(s, v); }

/* ------------------------------------------------------------------ */
/* Versions and start-up                                               */
/* ------------------------------------------------------------------ */

unsigned long ls_header_version(void) { return OPENSSL_VERSION_NUMBER; }
unsigned long ls_runtime_version(void) { return OpenSSL_version_num(); }
const char *ls_runtime_version_text(void) { return OpenSSL_version(OPENSSL_VERSION); }

/* ------------------------------------------------------------------ */
/* Destruction probe and Go-handle slots                               */
/* ------------------------------------------------------------------ */

static char probe_marker;
static int64_t probe_created_n[3];
static int64_t probe_destroyed_n[3];
static int probe_idx[3] = {-1, -1, -1};
static int gocb_idx[2] = {-1, -1}; /* SSL, SSL_CTX */

int64_t ls_probe_created(int k) { return __atomic_load_n(&probe_created_n[k], __ATOMIC_SEQ_CST); }
int64_t ls_probe_destroyed(int k) { return __atomic_load_n(&probe_destroyed_n[k], __ATOMIC_SEQ_CST); }

static void probe_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ptr; (void)argp;
    /* Mark the object so that free counts only objects seen being born. */
    if (CRYPTO_set_ex_data(ad, idx, &probe_marker))
        __atomic_add_fetch(&probe_created_n[argl], 1, __ATOMIC_SEQ_CST);
}

static void probe_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argp;
    if (ptr == &probe_marker)
        __atomic_add_fetch(&probe_destroyed_n[argl], 1, __ATOMIC_SEQ_CST);
}

static int64_t gobox_dups;
int64_t ls_gobox_dup_calls(void) { return __atomic_load_n(&gobox_dups, __ATOMIC_SEQ_CST); }

typedef struct {
    uintptr_t h;
    int flags; /* LS_CB_* carried by the Go value */
    int refs;
} gobox;

static void gobox_release(gobox *b)
{
    if (b == NULL)
        return;
    if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        libsslGoRelease(b->h);
        free(b);
    }
}

#if IS_OSSL3
static int gobox_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d,
                     int idx, long argl, void *argp)
{
    gobox **pb = (gobox **)from_d;
#else
static int gobox_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void *from_d,
                     int idx, long argl, void *argp)
{
    gobox **pb = (gobox **)from_d;
#endif
    (void)to; (void)from; (void)idx; (void)argl; (void)argp;
    __atomic_add_fetch(&gobox_dups, 1, __ATOMIC_SEQ_CST);
    /* The copy shares the box: one more holder. */
    if (pb != NULL && *pb != NULL)
        __atomic_add_fetch(&(*pb)->refs, 1, __ATOMIC_ACQ_REL);
    return 1;
}

static void gobox_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    gobox_release((gobox *)ptr);
}

static gobox *gobox_new(uintptr_t h, int flags)
{
    if (h == 0)
        return NULL;
    gobox *b = malloc(sizeof(*b));
    if (b == NULL) {
        libsslGoRelease(h);
        return NULL;
    }
    b->h = h;
    b->flags = flags;
    b->refs = 1;
    return b;
}

int ls_ssl_set_gohandle(SSL *s, uintptr_t h, int flags)
{
    gobox *old = SSL_get_ex_data(s, gocb_idx[0]);
    gobox *b = gobox_new(h, flags);
    if (h != 0 && b == NULL)
        return 0;
    SSL_set_ex_data(s, gocb_idx[0], b);
    gobox_release(old);
    return 1;
}

int ls_ctx_set_gohandle(SSL_CTX *c, uintptr_t h, int flags)
{
    gobox *old = SSL_CTX_get_ex_data(c, gocb_idx[1]);
    gobox *b = gobox_new(h, flags);
    if (h != 0 && b == NULL)
        return 0;
    SSL_CTX_set_ex_data(c, gocb_idx[1], b);
    gobox_release(old);
    return 1;
}

uintptr_t ls_ssl_get_gohandle(SSL *s)
{
    gobox *b = SSL_get_ex_data(s, gocb_idx[0]);
    return b ? b->h : 0;
}

uintptr_t ls_ctx_get_gohandle(SSL_CTX *c)
{
    gobox *b = SSL_CTX_get_ex_data(c, gocb_idx[1]);
    return b ? b->h : 0;
}

int ls_init(void)
{
    static const int classes[3] = {CRYPTO_EX_INDEX_SSL, CRYPTO_EX_INDEX_SSL_CTX,
                                   CRYPTO_EX_INDEX_SSL_SESSION};
    /* Load the error strings now, as SSL_CTX_new would, so that a failure
     * before the first SSL_CTX_new prints the same text. */
    if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL))
        return 0;
    for (int k = 0; k < 3; k++) {
        probe_idx[k] = CRYPTO_get_ex_new_index(classes[k], k, NULL, probe_new, NULL, probe_free);
        if (probe_idx[k] < 0)
            return 0;
    }
    for (int k = 0; k < 2; k++) {
        gocb_idx[k] = CRYPTO_get_ex_new_index(classes[k], 0, NULL, NULL, gobox_dup, gobox_free);
        if (gocb_idx[k] < 0)
            return 0;
    }
    ERR_clear_error();
    return 1;
}

/* ------------------------------------------------------------------ */
/* Callback trampolines                                                */
/* ------------------------------------------------------------------ */

/* The SSL's own box when it carries that callback, else its context's. */
static uintptr_t handle_for(SSL *s, int flag)
{
    gobox *b = SSL_get_ex_data(s, gocb_idx[0]);
    if (b != NULL && (b->flags & flag))
        return b->h;
    b = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), gocb_idx[1]);
    if (b != NULL && (b->flags & flag))
        return b->h;
    return 0;
}

static int verify_tramp(int ok, X509_STORE_CTX *x)
{
    SSL *s = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (s == NULL)
        return ok;
    uintptr_t h = handle_for(s, LS_CB_VERIFY);
    if (h == 0)
        return ok;
    return libsslGoVerify(h, ok, x);
}

static void info_tramp(const SSL *cs, int where, int ret)
{
    SSL *s = (SSL *)cs;
    uintptr_t h = handle_for(s, LS_CB_INFO);
    if (h != 0)
        libsslGoInfo(h, s, where, ret);
}

/* ------------------------------------------------------------------ */
/* Methods                                                             */
/* ------------------------------------------------------------------ */

static const SSL_METHOD *method_for(int id)
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
        if (m != NULL && method_for(id) == m)
            return id;
    return 0;
}

/* ------------------------------------------------------------------ */
/* SSL_CTX                                                             */
/* ------------------------------------------------------------------ */

ls_ret ls_ctx_new(int method)
{
    begin();
    const SSL_METHOD *m = method_for(method);
    return finish_ptr(m ? SSL_CTX_new(m) : NULL);
}

int ls_ctx_up_ref(SSL_CTX *c) { return SSL_CTX_up_ref(c); }
void ls_ctx_free(SSL_CTX *c) { SSL_CTX_free(c); }
uint64_t ls_ctx_set_options(SSL_CTX *c, uint64_t op) { return SSL_CTX_set_options(c, op); }
uint64_t ls_ctx_clear_options(SSL_CTX *c, uint64_t op) { return SSL_CTX_clear_options(c, op); }
uint64_t ls_ctx_get_options(SSL_CTX *c) { return SSL_CTX_get_options(c); }
long ls_ctx_set_mode(SSL_CTX *c, long m) { return SSL_CTX_set_mode(c, m); }
long ls_ctx_clear_mode(SSL_CTX *c, long m) { return SSL_CTX_clear_mode(c, m); }
long ls_ctx_get_mode(SSL_CTX *c) { return SSL_CTX_get_mode(c); }

void ls_ctx_set_verify(SSL_CTX *c, int mode, int with_cb)
{
    SSL_CTX_set_verify(c, mode, with_cb ? verify_tramp : NULL);
}

int ls_ctx_has_verify_cb(SSL_CTX *c) { return SSL_CTX_get_verify_callback(c) != NULL; }

ls_ret ls_ctx_set_proto(SSL_CTX *c, int which, int version)
{
    begin();
    long r = which == 0 ? SSL_CTX_set_min_proto_version(c, version)
                        : SSL_CTX_set_max_proto_version(c, version);
    return finish_int(r);
}

int ls_ctx_get_proto(SSL_CTX *c, int which)
{
    return which == 0 ? SSL_CTX_get_min_proto_version(c) : SSL_CTX_get_max_proto_version(c);
}

ls_ret ls_ctx_set_cipher_list(SSL_CTX *c, const char *s)
{
    begin();
    return finish_int(SSL_CTX_set_cipher_list(c, s));
}

ls_ret ls_ctx_set_ciphersuites(SSL_CTX *c, const char *s)
{
    begin();
    return finish_int(SSL_CTX_set_ciphersuites(c, s));
}

/* Reads a leaf and its chain from PEM text in memory. */
static X509 *read_chain(const char *pem, int len, STACK_OF(X509) **chain)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    if (b == NULL)
        return NULL;
    X509 *leaf = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL);
    if (leaf == NULL) {
        BIO_free(b);
        return NULL;
    }
    *chain = sk_X509_new_null();
    X509 *ca;
    while ((ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (*chain == NULL || !sk_X509_push(*chain, ca)) {
            X509_free(ca);
            break;
        }
    }
    /* The loop ends on "no start line": expected at the end, not an error. */
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
        ERR_clear_error();
    BIO_free(b);
    return leaf;
}

ls_ret ls_ctx_use_cert_chain_pem(SSL_CTX *c, const char *pem, int len)
{
    begin();
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = read_chain(pem, len, &chain);
    int ok = 0;
    if (leaf != NULL && chain != NULL && SSL_CTX_use_certificate(c, leaf) == 1) {
        /* set1 takes its own references; ours are freed below. */
        ok = SSL_CTX_set1_chain(c, chain) == 1;
    }
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return finish_int(ok);
}

static EVP_PKEY *read_key(const char *pem, int len)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    if (b == NULL)
        return NULL;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    return k;
}

ls_ret ls_ctx_use_key_pem(SSL_CTX *c, const char *pem, int len)
{
    begin();
    EVP_PKEY *k = read_key(pem, len);
    int ok = k != NULL && SSL_CTX_use_PrivateKey(c, k) == 1;
    EVP_PKEY_free(k);
    return finish_int(ok);
}

ls_ret ls_ctx_use_cert_chain_file(SSL_CTX *c, const char *path)
{
    begin();
    return finish_int(SSL_CTX_use_certificate_chain_file(c, path));
}

ls_ret ls_ctx_use_key_file(SSL_CTX *c, const char *path)
{
    begin();
    return finish_int(SSL_CTX_use_PrivateKey_file(c, path, SSL_FILETYPE_PEM));
}

ls_ret ls_ctx_check_private_key(SSL_CTX *c)
{
    begin();
    return finish_int(SSL_CTX_check_private_key(c));
}

ls_ret ls_ctx_load_verify_locations(SSL_CTX *c, const char *file, const char *dir)
{
    begin();
    return finish_int(SSL_CTX_load_verify_locations(c, file, dir));
}

ls_ret ls_ctx_set_default_verify_paths(SSL_CTX *c)
{
    begin();
    return finish_int(SSL_CTX_set_default_verify_paths(c));
}

ls_ret ls_ctx_add_ca_pem(SSL_CTX *c, const char *pem, int len)
{
    begin();
    BIO *b = BIO_new_mem_buf(pem, len);
    int n = 0, ok = b != NULL;
    X509 *x;
    X509_STORE *st = SSL_CTX_get_cert_store(c);
    while (ok && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        ok = X509_STORE_add_cert(st, x) == 1; /* takes its own reference */
        X509_free(x);
        n++;
    }
    BIO_free(b);
    if (ok && n > 0)
        ERR_clear_error(); /* the end-of-input "no start line" */
    return finish_int(ok && n > 0 ? n : 0);
}

ls_ret ls_ctx_set_sid_ctx(SSL_CTX *c, const unsigned char *p, int len)
{
    begin();
    return finish_int(SSL_CTX_set_session_id_context(c, p, (unsigned int)len));
}

long ls_ctx_set_cache_mode(SSL_CTX *c, long m) { return SSL_CTX_set_session_cache_mode(c, m); }
long ls_ctx_get_cache_mode(SSL_CTX *c) { return SSL_CTX_get_session_cache_mode(c); }
long ls_ctx_set_cache_size(SSL_CTX *c, long n) { return SSL_CTX_sess_set_cache_size(c, n); }
long ls_ctx_get_cache_size(SSL_CTX *c) { return SSL_CTX_sess_get_cache_size(c); }

long ls_ctx_sess_stat(SSL_CTX *c, int which)
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

ls_ret ls_ctx_set_num_tickets(SSL_CTX *c, size_t n)
{
    begin();
    return finish_int(SSL_CTX_set_num_tickets(c, n));
}

ls_ret ls_ctx_add_session(SSL_CTX *c, SSL_SESSION *s)
{
    begin();
    return finish_int(SSL_CTX_add_session(c, s));
}

int ls_ctx_remove_session(SSL_CTX *c, SSL_SESSION *s) { return SSL_CTX_remove_session(c, s); }
void ls_ctx_flush_sessions(SSL_CTX *c, long t) { SSL_CTX_flush_sessions(c, t); }
const SSL_METHOD *ls_ctx_get_method(SSL_CTX *c) { return SSL_CTX_get_ssl_method(c); }

int ls_ctx_cipher_names(SSL_CTX *c, char *buf, int cap);

/* ------------------------------------------------------------------ */
/* SSL lifecycle                                                       */
/* ------------------------------------------------------------------ */

ls_ret ls_ssl_new(SSL_CTX *c)
{
    begin();
    return finish_ptr(SSL_new(c));
}

ls_ret ls_ssl_dup(SSL *s)
{
    begin();
    return finish_ptr(SSL_dup(s));
}

ls_ret ls_ssl_up_ref(SSL *s)
{
    begin();
    return finish_int(SSL_up_ref(s));
}

ls_ret ls_ssl_clear(SSL *s)
{
    begin();
    return finish_int(SSL_clear(s));
}

ls_ret ls_ssl_set_session(SSL *s, SSL_SESSION *sess)
{
    begin();
    return finish_int(SSL_set_session(s, sess));
}

void ls_ssl_free(SSL *s) { SSL_free(s); }

ls_ret ls_ssl_set_method(SSL *s, int method)
{
    begin();
    const SSL_METHOD *m = method_for(method);
    return finish_int(m != NULL ? SSL_set_ssl_method(s, m) : 0);
}

void ls_free_null(void)
{
    SSL_free(NULL);
    SSL_CTX_free(NULL);
    SSL_SESSION_free(NULL);
}

/* ------------------------------------------------------------------ */
/* SSL settings and state                                              */
/* ------------------------------------------------------------------ */

uint64_t ls_ssl_set_options(SSL *s, uint64_t op) { return SSL_set_options(s, op); }
uint64_t ls_ssl_clear_options(SSL *s, uint64_t op) { return SSL_clear_options(s, op); }
uint64_t ls_ssl_get_options(SSL *s) { return SSL_get_options(s); }
long ls_ssl_set_mode(SSL *s, long m) { return SSL_set_mode(s, m); }
long ls_ssl_clear_mode(SSL *s, long m) { return SSL_clear_mode(s, m); }
long ls_ssl_get_mode(SSL *s) { return SSL_get_mode(s); }

void ls_ssl_set_verify(SSL *s, int mode, int with_cb)
{
    SSL_set_verify(s, mode, with_cb ? verify_tramp : NULL);
}

int ls_ssl_has_verify_cb(SSL *s) { return SSL_get_verify_callback(s) != NULL; }
void ls_ssl_set_info_cb(SSL *s, int on) { SSL_set_info_callback(s, on ? info_tramp : NULL); }
int ls_ssl_has_info_cb(SSL *s) { return SSL_get_info_callback(s) != NULL; }

ls_ret ls_ssl_set_proto(SSL *s, int which, int version)
{
    begin();
    long r = which == 0 ? SSL_set_min_proto_version(s, version)
                        : SSL_set_max_proto_version(s, version);
    return finish_int(r);
}

int ls_ssl_get_proto(SSL *s, int which)
{
    return which == 0 ? SSL_get_min_proto_version(s) : SSL_get_max_proto_version(s);
}

ls_ret ls_ssl_set_cipher_list(SSL *s, const char *str)
{
    begin();
    return finish_int(SSL_set_cipher_list(s, str));
}

ls_ret ls_ssl_set_ciphersuites(SSL *s, const char *str)
{
    begin();
    return finish_int(SSL_set_ciphersuites(s, str));
}

static int join_ciphers(STACK_OF(SSL_CIPHER) *sk, char *buf, int cap)
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

int ls_ssl_cipher_names(SSL *s, char *buf, int cap) { return join_ciphers(SSL_get_ciphers(s), buf, cap); }
int ls_ctx_cipher_names(SSL_CTX *c, char *buf, int cap) { return join_ciphers(SSL_CTX_get_ciphers(c), buf, cap); }

const char *ls_ssl_current_cipher(SSL *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s);
    return c ? SSL_CIPHER_get_name(c) : NULL;
}

ls_ret ls_ssl_set_host_name(SSL *s, const char *name)
{
    begin();
    return finish_int(SSL_set_tlsext_host_name(s, name));
}

const char *ls_ssl_get_servername(SSL *s) { return SSL_get_servername(s, TLSEXT_NAMETYPE_host_name); }

ls_ret ls_ssl_set1_host(SSL *s, const char *name)
{
    begin();
    return finish_int(SSL_set1_host(s, name));
}

ls_ret ls_ssl_set_sid_ctx(SSL *s, const unsigned char *p, int len)
{
    begin();
    return finish_int(SSL_set_session_id_context(s, p, (unsigned int)len));
}

unsigned long ls_ssl_get_verify_param_flags(SSL *s) { return X509_VERIFY_PARAM_get_flags(SSL_get0_param(s)); }
void ls_ssl_set_verify_param_flags(SSL *s, unsigned long f) { X509_VERIFY_PARAM_set_flags(SSL_get0_param(s), f); }
void ls_ssl_clear_verify_param_flags(SSL *s, unsigned long f) { X509_VERIFY_PARAM_clear_flags(SSL_get0_param(s), f); }

ls_ret ls_ssl_set_num_tickets(SSL *s, size_t n)
{
    begin();
    return finish_int(SSL_set_num_tickets(s, n));
}

ls_ret ls_ssl_use_cert_pem(SSL *s, const char *pem, int len)
{
    begin();
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = read_chain(pem, len, &chain);
    int ok = leaf != NULL && SSL_use_certificate(s, leaf) == 1;
    if (ok && chain != NULL && sk_X509_num(chain) > 0)
        ok = SSL_set1_chain(s, chain) == 1;
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return finish_int(ok);
}

ls_ret ls_ssl_use_key_pem(SSL *s, const char *pem, int len)
{
    begin();
    EVP_PKEY *k = read_key(pem, len);
    int ok = k != NULL && SSL_use_PrivateKey(s, k) == 1;
    EVP_PKEY_free(k);
    return finish_int(ok);
}

ls_ret ls_ssl_add_ca_name_pem(SSL *s, const char *pem, int len)
{
    begin();
    BIO *b = BIO_new_mem_buf(pem, len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    int ok = x != NULL && SSL_add1_to_CA_list(s, x) == 1;
    X509_free(x);
    BIO_free(b);
    return finish_int(ok);
}

int ls_ssl_ca_list_count(SSL *s)
{
    const STACK_OF(X509_NAME) *sk = SSL_get0_CA_list(s);
    return sk ? sk_X509_NAME_num(sk) : 0;
}

const void *ls_ssl_ca_list_ptr(SSL *s) { return SSL_get0_CA_list(s); }

ls_ret ls_ssl_ca_name(SSL *s, int i, char *buf, int cap)
{
    begin();
    const STACK_OF(X509_NAME) *sk = SSL_get0_CA_list(s);
    X509_NAME *n = sk && i >= 0 && i < sk_X509_NAME_num(sk) ? sk_X509_NAME_value(sk, i) : NULL;
    int ok = 0;
    if (n != NULL) {
        BIO *b = BIO_new(BIO_s_mem());
        if (b != NULL && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
            int l = BIO_read(b, buf, cap - 1);
            buf[l > 0 ? l : 0] = '\0';
            ok = 1;
        }
        BIO_free(b);
    }
    return finish_int(ok);
}

ls_ret ls_ssl_set_ssl_ctx(SSL *s, SSL_CTX *c)
{
    begin();
    return finish_ptr(SSL_set_SSL_CTX(s, c));
}

SSL_CTX *ls_ssl_get1_ctx(SSL *s)
{
    SSL_CTX *c = SSL_get_SSL_CTX(s);
    if (c != NULL && !SSL_CTX_up_ref(c))
        return NULL;
    return c;
}

const SSL_METHOD *ls_ssl_get_method(SSL *s) { return SSL_get_ssl_method(s); }

X509 *ls_ssl_get1_certificate(SSL *s)
{
    X509 *x = SSL_get_certificate(s);
    if (x != NULL && !X509_up_ref(x))
        return NULL;
    return x;
}

EVP_PKEY *ls_ssl_get1_privatekey(SSL *s)
{
    EVP_PKEY *k = SSL_get_privatekey(s);
    if (k != NULL && !EVP_PKEY_up_ref(k))
        return NULL;
    return k;
}

X509 *ls_ssl_get1_peer_certificate(SSL *s)
{
#if IS_OSSL3
    return SSL_get1_peer_certificate(s);
#else
    return SSL_get_peer_certificate(s);
#endif
}

int ls_ssl_peer_chain_len(SSL *s)
{
    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(s);
    return sk ? sk_X509_num(sk) : 0;
}

SSL_SESSION *ls_ssl_get1_session(SSL *s) { return SSL_get1_session(s); }
SSL_SESSION *ls_ssl_get0_session(SSL *s) { return SSL_get_session(s); }

BIO *ls_ssl_get1_rbio(SSL *s)
{
    BIO *b = SSL_get_rbio(s);
    if (b != NULL && !BIO_up_ref(b))
        return NULL;
    return b;
}

BIO *ls_ssl_get1_wbio(SSL *s)
{
    BIO *b = SSL_get_wbio(s);
    if (b != NULL && !BIO_up_ref(b))
        return NULL;
    return b;
}

void ls_ssl_set0_bios(SSL *s, BIO *r, BIO *w)
{
    /* set0 takes exactly one reference each and frees the previous BIO,
     * unlike SSL_set_bio's special cases; the caller up-ref'd r and w. */
    SSL_set0_rbio(s, r);
    SSL_set0_wbio(s, w);
}

int ls_ssl_has_rbio(SSL *s) { return SSL_get_rbio(s) != NULL; }
int ls_ssl_has_wbio(SSL *s) { return SSL_get_wbio(s) != NULL; }

ls_ret ls_ssl_renegotiate(SSL *s)
{
    begin();
    return finish_int(SSL_renegotiate(s));
}

long ls_ssl_set_max_cert_list(SSL *s, long n) { return SSL_set_max_cert_list(s, n); }
long ls_ssl_get_max_cert_list(SSL *s) { return SSL_get_max_cert_list(s); }

int ls_ssl_renegotiate_pending(SSL *s) { return SSL_renegotiate_pending(s); }

/* ------------------------------------------------------------------ */
/* SSL-level I/O                                                       */
/* ------------------------------------------------------------------ */

ls_ret ls_ssl_do_handshake(SSL *s)
{
    begin();
    return finish_io(s, SSL_do_handshake(s));
}

ls_ret ls_ssl_read(SSL *s, unsigned char *buf, int len)
{
    begin();
    return finish_io(s, SSL_read(s, buf, len));
}

ls_ret ls_ssl_peek(SSL *s, unsigned char *buf, int len)
{
    begin();
    return finish_io(s, SSL_peek(s, buf, len));
}

ls_ret ls_ssl_write(SSL *s, const unsigned char *buf, int len)
{
    begin();
    return finish_io(s, SSL_write(s, buf, len));
}

ls_ret ls_ssl_shutdown(SSL *s)
{
    begin();
    int r = SSL_shutdown(s);
    /* SSL_get_error after SSL_shutdown returning 0 would be meaningless. */
    if (r >= 0) {
        ls_ret out = finish_int(r);
        return out;
    }
    return finish_io(s, r);
}

/* ------------------------------------------------------------------ */
/* Memory BIOs                                                         */
/* ------------------------------------------------------------------ */

ls_ret ls_bio_new_mem(void)
{
    begin();
    return finish_ptr(BIO_new(BIO_s_mem()));
}

int ls_bio_up_ref(BIO *b) { return BIO_up_ref(b); }
void ls_bio_free(BIO *b) { BIO_free(b); }

ls_ret ls_bio_write(BIO *b, const unsigned char *p, int len)
{
    begin();
    return finish_int(BIO_write(b, p, len));
}

ls_ret ls_bio_read(BIO *b, unsigned char *p, int len)
{
    begin();
    long r = BIO_read(b, p, len);
    ls_ret out = finish_int(r);
    out.ssl_error = BIO_should_retry(b); /* reused: 1 when the read may be retried */
    return out;
}

size_t ls_bio_pending(BIO *b) { return BIO_ctrl_pending(b); }
void ls_bio_set_mem_eof_return(BIO *b, int v) { BIO_set_mem_eof_return(b, v); }
int ls_bio_is_mem(BIO *b) { return BIO_method_type(b) == BIO_TYPE_MEM; }

/* ------------------------------------------------------------------ */
/* SSL_SESSION                                                         */
/* ------------------------------------------------------------------ */

int ls_sess_up_ref(SSL_SESSION *s) { return SSL_SESSION_up_ref(s); }
void ls_sess_free(SSL_SESSION *s) { SSL_SESSION_free(s); }
int ls_sess_i2d_len(SSL_SESSION *s) { return i2d_SSL_SESSION(s, NULL); }

int ls_sess_i2d(SSL_SESSION *s, unsigned char *buf, int cap)
{
    int n = i2d_SSL_SESSION(s, NULL);
    if (n <= 0 || n > cap)
        return n <= 0 ? n : -n;
    unsigned char *p = buf;
    return i2d_SSL_SESSION(s, &p);
}

ls_ret ls_sess_d2i(const unsigned char *p, long len)
{
    begin();
    const unsigned char *q = p;
    SSL_SESSION *s = d2i_SSL_SESSION(NULL, &q, len);
    ls_ret r = finish_ptr(s);
    r.ret = s != NULL ? (long)(q - p) : 0; /* bytes consumed */
    return r;
}

int ls_sess_get_id(SSL_SESSION *s, unsigned char *buf, int cap)
{
    unsigned int n = 0;
    const unsigned char *id = SSL_SESSION_get_id(s, &n);
    if ((int)n > cap)
        n = (unsigned int)cap;
    memcpy(buf, id, n);
    return (int)n;
}

int ls_sess_get_sid_ctx(SSL_SESSION *s, unsigned char *buf, int cap)
{
    unsigned int n = 0;
    const unsigned char *id = SSL_SESSION_get0_id_context(s, &n);
    if ((int)n > cap)
        n = (unsigned int)cap;
    memcpy(buf, id, n);
    return (int)n;
}

ls_ret ls_sess_set_sid_ctx(SSL_SESSION *s, const unsigned char *p, int len)
{
    begin();
    return finish_int(SSL_SESSION_set1_id_context(s, p, (unsigned int)len));
}

/* ------------------------------------------------------------------ */
/* X509 and EVP_PKEY                                                   */
/* ------------------------------------------------------------------ */

int ls_x509_up_ref(X509 *x) { return X509_up_ref(x); }
void ls_x509_free(X509 *x) { X509_free(x); }

int ls_x509_i2d(X509 *x, unsigned char *buf, int cap)
{
    int n = i2d_X509(x, NULL);
    if (buf == NULL || n <= 0 || n > cap)
        return n;
    unsigned char *p = buf;
    return i2d_X509(x, &p);
}

ls_ret ls_x509_from_pem(const char *pem, int len)
{
    begin();
    BIO *b = BIO_new_mem_buf(pem, len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return finish_ptr(x);
}

int ls_x509_cmp(X509 *a, X509 *b) { return X509_cmp(a, b); }
int ls_pkey_up_ref(EVP_PKEY *k) { return EVP_PKEY_up_ref(k); }
void ls_pkey_free(EVP_PKEY *k) { EVP_PKEY_free(k); }
