/*
 * shim.c: error capture, libssl macro wrappers, the destruction probe and
 * the ex_data plumbing for Go callbacks. See shim.h.
 */
#include "shim.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exported from Go (callbacks.go). */
extern int libsslGoVerify(uintptr_t h, SSL *s, int ok, X509_STORE_CTX *x);
extern void libsslGoInfo(uintptr_t h, SSL *s, int where, int ret);
extern void libsslGoRelease(uintptr_t h);
extern int libsslGoServername(uintptr_t h, SSL *s, int *al);
extern void libsslGoSessNew(uintptr_t h, SSL *s, SSL_SESSION *sess);
extern void libsslGoSessRemove(uintptr_t h, SSL_CTX *c, SSL_SESSION *sess);

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

__thread ls_call ls_current_call;
uint64_t ls_last_token;

uint64_t ls_call_panicked(void)
{
    ls_current_call.panicked = 1;
    return ls_current_call.token;
}

ls_ret ls_unsupported(void)
{
    ls_ret r = {0};
    r.unsupported = 1;
    return r;
}

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

__thread int ls_aux[2];

ls_ret ls_finish_iow(SSL *s, int v)
{
    ls_ret r = finish_io(s, v);
    r.aux[0] = ls_aux[0];
    r.aux[1] = ls_aux[1];
    return r;
}

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
static int gocb_idx[2][2] = {{-1, -1}, {-1, -1}}; /* [slot][SSL, SSL_CTX] */

int64_t ls_probe_created(int k) { return __atomic_load_n(&probe_created_n[k], __ATOMIC_SEQ_CST); }
int64_t ls_probe_destroyed(int k) { return __atomic_load_n(&probe_destroyed_n[k], __ATOMIC_SEQ_CST); }

/* The SSL probe slot holds the object's guard record (shim.h), which also
 * marks it as seen being born; the other kinds hold probe_marker. */
int ls_guard_idx = -1;

ls_ret ls_busy(void)
{
    ls_ret r = {0};
    r.ret = -1;
    r.busy = 1;
    return r;
}

static void probe_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ptr; (void)argp;
    /* Mark the object so that free counts only objects seen being born. */
    void *mark = &probe_marker;
    if (argl == 0 && (mark = calloc(1, sizeof(ls_guard))) == NULL)
        return; /* neither counted nor guarded */
    if (CRYPTO_set_ex_data(ad, idx, mark))
        __atomic_add_fetch(&probe_created_n[argl], 1, __ATOMIC_SEQ_CST);
    else if (argl == 0)
        free(mark);
}

static void probe_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argp;
    if (ptr == NULL)
        return;
    if (argl == 0)
        free(ptr);
    else if (ptr != &probe_marker)
        return;
    __atomic_add_fetch(&probe_destroyed_n[argl], 1, __ATOMIC_SEQ_CST);
}

/* SSL_dup copies every ex_data value into the new SSL; the copy keeps the
 * guard record its own SSL_new gave it. */
#if IS_OSSL3
static int probe_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d,
                     int idx, long argl, void *argp)
{
    void **pv = from_d;
#else
static int probe_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void *from_d,
                     int idx, long argl, void *argp)
{
    void **pv = (void **)from_d;
#endif
    (void)from; (void)argp;
    if (argl == 0)
        *pv = CRYPTO_get_ex_data(to, idx);
    return 1;
}

/* dup_func runs per slot (argl is the slot), NULL values included. */
static int64_t gobox_dups[2];
int64_t ls_gobox_dup_calls(void) { return __atomic_load_n(&gobox_dups[LS_SLOT_MISC], __ATOMIC_SEQ_CST); }

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
    (void)from; (void)argp;
    __atomic_add_fetch(&gobox_dups[argl & 1], 1, __ATOMIC_SEQ_CST);
    /* The source's value replaces whatever the copy holds, as SSL_dup's
     * SSL_set_verify(ret, ..., SSL_get_verify_callback(s)) does. */
    gobox *prev = CRYPTO_get_ex_data(to, idx);
    if (prev != NULL) {
        CRYPTO_set_ex_data(to, idx, NULL);
        gobox_release(prev);
    }
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

int ls_ssl_set_gohandle(SSL *s, int slot, uintptr_t h, int flags)
{
    ls_guard *g;
    if (!ls_guard_enter(s, &g)) {
        if (h != 0)
            libsslGoRelease(h);
        return -1;
    }
    int ok = 1;
    gobox *old = SSL_get_ex_data(s, gocb_idx[slot][0]);
    gobox *b = gobox_new(h, flags);
    if (h != 0 && b == NULL) {
        ok = 0;
    } else if (!SSL_set_ex_data(s, gocb_idx[slot][0], b)) {
        gobox_release(b);
        ok = 0;
    } else {
        gobox_release(old);
    }
    ls_guard_leave(g);
    return ok;
}

int ls_ctx_set_gohandle(SSL_CTX *c, int slot, uintptr_t h, int flags)
{
    gobox *old = SSL_CTX_get_ex_data(c, gocb_idx[slot][1]);
    gobox *b = gobox_new(h, flags);
    if (h != 0 && b == NULL)
        return 0;
    if (!SSL_CTX_set_ex_data(c, gocb_idx[slot][1], b)) {
        gobox_release(b);
        return 0;
    }
    gobox_release(old);
    return 1;
}

uintptr_t ls_ssl_get_gohandle(SSL *s, int slot, int *busy)
{
    ls_guard *g;
    if (!ls_guard_enter(s, &g)) {
        *busy = 1;
        return 0;
    }
    gobox *b = SSL_get_ex_data(s, gocb_idx[slot][0]);
    uintptr_t h = b ? b->h : 0;
    ls_guard_leave(g);
    return h;
}

uintptr_t ls_ctx_get_gohandle(SSL_CTX *c, int slot)
{
    gobox *b = SSL_CTX_get_ex_data(c, gocb_idx[slot][1]);
    return b ? b->h : 0;
}

/* The SSL's session context (the context SSL_new was given, which libssl
 * keeps as s->session_ctx and consults for the session callbacks and, after
 * s->ctx, the servername callback) has no public getter: lsh_ssl_new
 * records it. The SSL holds a reference on it, so the pointer stays valid.
 * An SSL made by SSL_dup has none recorded and falls back to its context,
 * which is what SSL_dup gave SSL_new. */
static int sessctx_idx = -1;

/* SSL_dup copies ex_data values; the copy's session context is its own
 * (none recorded: see above). */
#if IS_OSSL3
static int sessctx_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d,
                       int idx, long argl, void *argp)
{
    void **pv = from_d;
#else
static int sessctx_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void *from_d,
                       int idx, long argl, void *argp)
{
    void **pv = (void **)from_d;
#endif
    (void)from; (void)argl; (void)argp;
    *pv = CRYPTO_get_ex_data(to, idx);
    return 1;
}

static SSL_CTX *session_ctx(SSL *s)
{
    SSL_CTX *c = sessctx_idx >= 0 ? SSL_get_ex_data(s, sessctx_idx) : NULL;
    return c != NULL ? c : SSL_get_SSL_CTX(s);
}

SSL_CTX *ls_ssl_session_ctx(SSL *s) { return session_ctx(s); }

/* SSL_set_SSL_CTX, recording first the context the SSL had, which until
 * this first switch is its session context. Recording here rather than at
 * SSL_new keeps an ex_data write (about 500 instructions) off every
 * SSL_new; every switch goes through this helper. */
SSL_CTX *lsh_ssl_set_ssl_ctx(SSL *s, SSL_CTX *c)
{
    if (SSL_get_ex_data(s, sessctx_idx) == NULL && !SSL_set_ex_data(s, sessctx_idx, SSL_get_SSL_CTX(s)))
        return NULL;
    return SSL_set_SSL_CTX(s, c);
}

static uintptr_t ctx_handle_with(SSL_CTX *c, int flag)
{
    gobox *b = c != NULL ? SSL_CTX_get_ex_data(c, gocb_idx[LS_SLOT_MISC][1]) : NULL;
    return b != NULL && (b->flags & flag) ? b->h : 0;
}

/* SSL_new, then for the Go side what libssl does for the C side: SSL_new
 * copies the context's verify callback into the SSL (ssl_lib.c:
 * s->verify_callback = ctx->default_verify_callback), so the SSL's verify
 * slot shares the box of its context's. (The session context is recorded
 * at the first SSL_set_SSL_CTX: lsh_ssl_set_ssl_ctx.) This cannot be an ex_data new_func: from OpenSSL
 * 3.2 on, SSL_new runs those before it sets the SSL's context. */
SSL *lsh_ssl_new(SSL_CTX *c)
{
    SSL *s = SSL_new(c);
    if (s == NULL)
        return NULL;
    gobox *b = SSL_CTX_get_ex_data(c, gocb_idx[LS_SLOT_VERIFY][1]);
    if (b != NULL) {
        __atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
        if (!SSL_set_ex_data(s, gocb_idx[LS_SLOT_VERIFY][0], b)) {
            gobox_release(b);
            goto err;
        }
    }
    return s;
err:
    SSL_free(s);
    return NULL;
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
        probe_idx[k] = CRYPTO_get_ex_new_index(classes[k], k, NULL, probe_new, probe_dup, probe_free);
        if (probe_idx[k] < 0)
            return 0;
    }
    ls_guard_idx = probe_idx[0];
    for (int slot = 0; slot < 2; slot++) {
        for (int k = 0; k < 2; k++) {
            gocb_idx[slot][k] = CRYPTO_get_ex_new_index(classes[k], slot, NULL, NULL, gobox_dup, gobox_free);
            if (gocb_idx[slot][k] < 0)
                return 0;
        }
    }
    sessctx_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, NULL, NULL, sessctx_dup, NULL);
    if (sessctx_idx < 0)
        return 0;
    ERR_clear_error();
    return 1;
}

/* ------------------------------------------------------------------ */
/* Callback trampolines                                                */
/* ------------------------------------------------------------------ */

static int verify_tramp(int ok, X509_STORE_CTX *x)
{
    SSL *s = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (s == NULL)
        return ok;
    /* Only the SSL's own slot: it was copied from the context at SSL_new,
     * or set by SSL_set_verify, as libssl does with the C callback. */
    gobox *b = SSL_get_ex_data(s, gocb_idx[LS_SLOT_VERIFY][0]);
    if (b == NULL || b->h == 0)
        return ok;
    return libsslGoVerify(b->h, s, ok, x);
}

/* The info callback is looked up as libssl looks up its own: the SSL's,
 * else its current context's. */
static uintptr_t info_handle(SSL *s)
{
    gobox *b = SSL_get_ex_data(s, gocb_idx[LS_SLOT_MISC][0]);
    if (b != NULL && (b->flags & LS_CB_INFO))
        return b->h;
    b = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), gocb_idx[LS_SLOT_MISC][1]);
    if (b != NULL && (b->flags & LS_CB_INFO))
        return b->h;
    return 0;
}

static void info_tramp(const SSL *cs, int where, int ret)
{
    SSL *s = (SSL *)cs;
    uintptr_t h = info_handle(s);
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
/* Helpers declared in shim.def. No capture here: the generated wrapper  */
/* around each one clears and drains the queue.                          */
/* ------------------------------------------------------------------ */

/* SSL_CTX */

SSL_CTX *lsh_ctx_new(int method)
{
    const SSL_METHOD *m = method_for(method);
    return m ? SSL_CTX_new(m) : NULL;
}

long lsh_ctx_set_mode(SSL_CTX *c, long m) { return SSL_CTX_set_mode(c, m); }
long lsh_ctx_clear_mode(SSL_CTX *c, long m) { return SSL_CTX_clear_mode(c, m); }
long lsh_ctx_get_mode(SSL_CTX *c) { return SSL_CTX_get_mode(c); }
int lsh_ctx_set_min_proto(SSL_CTX *c, int v) { return (int)SSL_CTX_set_min_proto_version(c, v); }
int lsh_ctx_set_max_proto(SSL_CTX *c, int v) { return (int)SSL_CTX_set_max_proto_version(c, v); }
int lsh_ctx_get_min_proto(SSL_CTX *c) { return (int)SSL_CTX_get_min_proto_version(c); }
int lsh_ctx_get_max_proto(SSL_CTX *c) { return (int)SSL_CTX_get_max_proto_version(c); }

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

int lsh_ctx_cipher_names(SSL_CTX *c, char *buf, int cap) { return join_ciphers(SSL_CTX_get_ciphers(c), buf, cap); }

void lsh_ctx_set_verify(SSL_CTX *c, int mode, int with_cb)
{
    SSL_CTX_set_verify(c, mode, with_cb ? verify_tramp : NULL);
}

int lsh_ctx_has_verify_cb(SSL_CTX *c) { return SSL_CTX_get_verify_callback(c) != NULL; }

/* The queue entry a PEM reader leaves at the end of its input. */
static int pem_end_of_input(unsigned long e)
{
    return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/* After a loop of PEM reads: 1 when the only thing queued is the
 * end-of-input entry (which is then cleared), 0 when a real error is queued
 * (a corrupt certificate after good ones) and stays for the capture. */
static int pem_loop_ended_cleanly(void)
{
    unsigned long first = ERR_peek_error();
    if (first == 0)
        return 1;
    if (pem_end_of_input(first) && ERR_peek_last_error() == first) {
        ERR_clear_error();
        return 1;
    }
    return 0;
}

/* Reads a leaf and its chain from PEM text in memory; NULL with the queue
 * holding the reason when the leaf or any chain certificate is unreadable. */
static X509 *read_chain(const char *pem, int len, STACK_OF(X509) **chain)
{
    *chain = NULL;
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
    while (*chain != NULL && (ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(*chain, ca)) {
            X509_free(ca);
            break;
        }
    }
    BIO_free(b);
    if (*chain == NULL || !pem_loop_ended_cleanly()) {
        X509_free(leaf);
        sk_X509_pop_free(*chain, X509_free);
        *chain = NULL;
        return NULL;
    }
    return leaf;
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
    if (!ok || !pem_loop_ended_cleanly())
        return 0;
    return n;
}

int lsh_ctx_use_cert_chain_pem(SSL_CTX *c, const char *pem, int len)
{
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = read_chain(pem, len, &chain);
    int ok = leaf != NULL && SSL_CTX_use_certificate(c, leaf) == 1 &&
             SSL_CTX_set1_chain(c, chain) == 1; /* set1: its own references */
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return ok;
}

int lsh_ctx_use_key_pem(SSL_CTX *c, const char *pem, int len)
{
    EVP_PKEY *k = read_key(pem, len);
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

/* SSL */

int lsh_ssl_get1_ctx(SSL *s, SSL_CTX **out)
{
    SSL_CTX *c = SSL_get_SSL_CTX(s);
    *out = NULL;
    if (c != NULL && !SSL_CTX_up_ref(c))
        return 0;
    *out = c;
    return 1;
}

int lsh_ssl_set_method(SSL *s, int method)
{
    const SSL_METHOD *m = method_for(method);
    return m != NULL ? SSL_set_ssl_method(s, m) : 0;
}

long lsh_ssl_set_mode(SSL *s, long m) { return SSL_set_mode(s, m); }
long lsh_ssl_clear_mode(SSL *s, long m) { return SSL_clear_mode(s, m); }
long lsh_ssl_get_mode(SSL *s) { return SSL_get_mode(s); }
int lsh_ssl_set_min_proto(SSL *s, int v) { return (int)SSL_set_min_proto_version(s, v); }
int lsh_ssl_set_max_proto(SSL *s, int v) { return (int)SSL_set_max_proto_version(s, v); }
int lsh_ssl_get_min_proto(SSL *s) { return (int)SSL_get_min_proto_version(s); }
int lsh_ssl_get_max_proto(SSL *s) { return (int)SSL_get_max_proto_version(s); }
int lsh_ssl_cipher_names(SSL *s, char *buf, int cap) { return join_ciphers(SSL_get_ciphers(s), buf, cap); }

const char *lsh_ssl_current_cipher(SSL *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s);
    return c ? SSL_CIPHER_get_name(c) : NULL;
}

int lsh_ssl_current_cipher_id(SSL *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s);
    return c ? (int)SSL_CIPHER_get_protocol_id(c) : 0;
}

int lsh_ssl_set_host_name(SSL *s, const char *name) { return (int)SSL_set_tlsext_host_name(s, name); }

int lsh_ssl_set1_host(SSL *s, const char *name)
{
#if OPENSSL_VERSION_NUMBER >= 0x40000000L
    /* SSL_set1_host is deprecated since 4.0; its replacement is the
     * verify parameter's own host list. */
    return X509_VERIFY_PARAM_set1_host(SSL_get0_param(s), name, 0);
#else
    return SSL_set1_host(s, name);
#endif
}

int lsh_ssl_set1_ip_asc(SSL *s, const char *ip) { return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), ip); }
long lsh_ssl_set_max_cert_list(SSL *s, long n) { return SSL_set_max_cert_list(s, n); }
long lsh_ssl_get_max_cert_list(SSL *s) { return SSL_get_max_cert_list(s); }

void lsh_ssl_set_verify(SSL *s, int mode, int with_cb)
{
    SSL_set_verify(s, mode, with_cb ? verify_tramp : NULL);
}

int lsh_ssl_has_verify_cb(SSL *s) { return SSL_get_verify_callback(s) != NULL; }
unsigned long lsh_ssl_get_verify_param_flags(SSL *s) { return X509_VERIFY_PARAM_get_flags(SSL_get0_param(s)); }
void lsh_ssl_set_verify_param_flags(SSL *s, unsigned long f) { X509_VERIFY_PARAM_set_flags(SSL_get0_param(s), f); }
void lsh_ssl_clear_verify_param_flags(SSL *s, unsigned long f) { X509_VERIFY_PARAM_clear_flags(SSL_get0_param(s), f); }

int lsh_store_ctx_get1_current_cert(X509_STORE_CTX *x, X509 **out)
{
    X509 *c = X509_STORE_CTX_get_current_cert(x);
    *out = NULL;
    if (c != NULL && !X509_up_ref(c))
        return 0;
    *out = c;
    return 1;
}

void lsh_ssl_set_info_cb(SSL *s, int on) { SSL_set_info_callback(s, on ? info_tramp : NULL); }
int lsh_ssl_has_info_cb(SSL *s) { return SSL_get_info_callback(s) != NULL; }

/* Certificates */

int lsh_ssl_use_cert_pem(SSL *s, const char *pem, int len)
{
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = read_chain(pem, len, &chain);
    int ok = leaf != NULL && SSL_use_certificate(s, leaf) == 1;
    if (ok && sk_X509_num(chain) > 0)
        ok = SSL_set1_chain(s, chain) == 1;
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return ok;
}

int lsh_ssl_use_key_pem(SSL *s, const char *pem, int len)
{
    EVP_PKEY *k = read_key(pem, len);
    int ok = k != NULL && SSL_use_PrivateKey(s, k) == 1;
    EVP_PKEY_free(k);
    return ok;
}

int lsh_ssl_add_ca_name_pem(SSL *s, const char *pem, int len)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    int ok = x != NULL && SSL_add1_to_CA_list(s, x) == 1;
    X509_free(x);
    BIO_free(b);
    return ok;
}

int lsh_ssl_ca_list_count(SSL *s)
{
    const STACK_OF(X509_NAME) *sk = SSL_get0_CA_list(s);
    return sk ? sk_X509_NAME_num(sk) : 0;
}

const void *lsh_ssl_ca_list_ptr(SSL *s) { return SSL_get0_CA_list(s); }

int lsh_ssl_ca_name(SSL *s, int i, char *buf, int cap)
{
    const STACK_OF(X509_NAME) *sk = SSL_get0_CA_list(s);
    X509_NAME *n = sk && i >= 0 && i < sk_X509_NAME_num(sk) ? sk_X509_NAME_value(sk, i) : NULL;
    int ok = 0;
    if (n != NULL && cap > 0) {
        BIO *b = BIO_new(BIO_s_mem());
        if (b != NULL && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
            int l = BIO_read(b, buf, cap - 1);
            buf[l > 0 ? l : 0] = '\0';
            ok = 1;
        }
        BIO_free(b);
    }
    return ok;
}

int lsh_ssl_get1_certificate(SSL *s, X509 **out)
{
    X509 *x = SSL_get_certificate(s);
    *out = NULL;
    if (x != NULL && !X509_up_ref(x))
        return 0;
    *out = x;
    return 1;
}

int lsh_ssl_get1_privatekey(SSL *s, EVP_PKEY **out)
{
    EVP_PKEY *k = SSL_get_privatekey(s);
    *out = NULL;
    if (k != NULL && !EVP_PKEY_up_ref(k))
        return 0;
    *out = k;
    return 1;
}

X509 *lsh_ssl_get1_peer_certificate(SSL *s)
{
#if IS_OSSL3
    return SSL_get1_peer_certificate(s);
#else
    return SSL_get_peer_certificate(s);
#endif
}

int lsh_ssl_peer_chain_len(SSL *s)
{
    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(s);
    return sk ? sk_X509_num(sk) : 0;
}

/* SSL_get_peer_cert_chain as DER, each certificate prefixed by its length
 * as 4 big-endian bytes; returns the length needed (nothing is written when
 * it exceeds cap), 0 without a chain, -1 when a certificate cannot be
 * encoded. */
int lsh_ssl_peer_chain_der(SSL *s, unsigned char *buf, int cap)
{
    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(s);
    if (sk == NULL)
        return 0;
    long need = 0;
    int n = sk_X509_num(sk);
    for (int i = 0; i < n; i++) {
        int l = i2d_X509(sk_X509_value(sk, i), NULL);
        if (l <= 0)
            return -1;
        need += 4 + l;
        if (need > 0x7fffffffL)
            return -1;
    }
    if (buf == NULL || need > cap)
        return (int)need;
    unsigned char *q = buf;
    for (int i = 0; i < n; i++) {
        unsigned char *d = q + 4;
        int l = i2d_X509(sk_X509_value(sk, i), &d);
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

/* BIOs */

BIO *lsh_bio_new_mem(void) { return BIO_new(BIO_s_mem()); }

/* BIO_read, with BIO_should_retry in *retry (1: empty, may be retried). */
int lsh_bio_read(BIO *b, unsigned char *p, int len, int *retry)
{
    int r = BIO_read(b, p, len);
    *retry = r <= 0 && BIO_should_retry(b);
    return r;
}

void lsh_bio_set_mem_eof_return(BIO *b, int v) { (void)BIO_set_mem_eof_return(b, v); }
int lsh_bio_is_mem(BIO *b) { return BIO_method_type(b) == BIO_TYPE_MEM; }

int lsh_ssl_get1_rbio(SSL *s, BIO **out)
{
    BIO *b = SSL_get_rbio(s);
    *out = NULL;
    if (b != NULL && !BIO_up_ref(b))
        return 0;
    *out = b;
    return 1;
}

int lsh_ssl_get1_wbio(SSL *s, BIO **out)
{
    BIO *b = SSL_get_wbio(s);
    *out = NULL;
    if (b != NULL && !BIO_up_ref(b))
        return 0;
    *out = b;
    return 1;
}

void lsh_ssl_set0_bios(SSL *s, BIO *rbio, BIO *wbio)
{
    /* set0 takes exactly one reference each and frees the previous BIO,
     * unlike SSL_set_bio's special cases; the caller up-ref'd both. */
    SSL_set0_rbio(s, rbio);
    SSL_set0_wbio(s, wbio);
}

int lsh_ssl_has_rbio(SSL *s) { return SSL_get_rbio(s) != NULL; }
int lsh_ssl_has_wbio(SSL *s) { return SSL_get_wbio(s) != NULL; }

/* SSL_SESSION */

/* i2d_SSL_SESSION into buf when cap is enough; returns the DER length
 * either way (nothing written when it exceeds cap), <= 0 on failure. */
int lsh_sess_i2d(SSL_SESSION *s, unsigned char *buf, int cap)
{
    int n = i2d_SSL_SESSION(s, NULL);
    if (n <= 0 || buf == NULL || n > cap)
        return n;
    unsigned char *p = buf;
    return i2d_SSL_SESSION(s, &p);
}

SSL_SESSION *lsh_sess_d2i(const unsigned char *p, long len, long *used)
{
    const unsigned char *q = p;
    SSL_SESSION *s = d2i_SSL_SESSION(NULL, &q, len);
    *used = s != NULL ? (long)(q - p) : 0;
    return s;
}

int lsh_sess_get_id(SSL_SESSION *s, unsigned char *buf, int cap)
{
    unsigned int n = 0;
    const unsigned char *id = SSL_SESSION_get_id(s, &n);
    if ((int)n > cap)
        n = (unsigned int)cap;
    memcpy(buf, id, n);
    return (int)n;
}

int lsh_sess_get_sid_ctx(SSL_SESSION *s, unsigned char *buf, int cap)
{
    unsigned int n = 0;
    const unsigned char *id = SSL_SESSION_get0_id_context(s, &n);
    if ((int)n > cap)
        n = (unsigned int)cap;
    memcpy(buf, id, n);
    return (int)n;
}

/* X509 */

int lsh_x509_i2d(X509 *x, unsigned char *buf, int cap)
{
    int n = i2d_X509(x, NULL);
    if (buf == NULL || n <= 0 || n > cap)
        return n;
    unsigned char *p = buf;
    return i2d_X509(x, &p);
}

X509 *lsh_x509_from_pem(const char *pem, int len)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

int64_t lsh_sess_get_time(SSL_SESSION *s)
{
#if OPENSSL_VERSION_NUMBER >= 0x30300000L
    return (int64_t)SSL_SESSION_get_time_ex(s); /* SSL_SESSION_get_time: deprecated since 3.4, not Y2038-safe */
#else
    return (int64_t)SSL_SESSION_get_time(s);
#endif
}

/* Helpers for the functions OpenSSL's own tests use (sslapitest/). */

int lsh_sess_set_time(SSL_SESSION *s, int64_t t)
{
#if OPENSSL_VERSION_NUMBER >= 0x30300000L
    return SSL_SESSION_set_time_ex(s, (time_t)t) != 0; /* set_time: deprecated since 3.4 */
#else
    return SSL_SESSION_set_time(s, (long)t) != 0;
#endif
}

int lsh_sess_set_timeout(SSL_SESSION *s, long t) { return SSL_SESSION_set_timeout(s, t) != 0; }

/* SSL_write_early_data and SSL_read_early_data with int lengths: the Go side
 * never passes more than 1 GiB. */
int lsh_ssl_write_early_data(SSL *s, const unsigned char *buf, int num, int *written)
{
    size_t w = 0;
    int r = SSL_write_early_data(s, buf, (size_t)num, &w);
    *written = (int)w;
    return r;
}

static int wbio_pending(SSL *s)
{
    BIO *w = SSL_get_wbio(s);
    size_t n = w != NULL ? BIO_ctrl_pending(w) : 0;
    return n > INT_MAX ? INT_MAX : (int)n;
}

int lsh_feed_read(SSL *s, const unsigned char *in, int inlen, int eof, unsigned char *buf, int num)
{
    BIO *r = SSL_get_rbio(s);
    ls_aux[0] = ls_aux[1] = 0;
    if (inlen > 0 && r == NULL)
        return -2; /* aux[0] 0: not fed, no read BIO */
    if (inlen > 0 && BIO_write(r, in, inlen) != inlen)
        return -1; /* aux[0] 0: not fed; what BIO_write queued tells why */
    if (eof && r != NULL)
        (void)BIO_set_mem_eof_return(r, 0);
    int n = SSL_read(s, buf, num);
    ls_aux[0] = 1;
    ls_aux[1] = wbio_pending(s);
    return n;
}

int lsh_write_drain(SSL *s, const unsigned char *buf, int num, unsigned char *out, int cap)
{
    int n = num > 0 ? SSL_write(s, buf, num) : 1;
    ls_aux[0] = ls_aux[1] = 0;
    if (n <= 0)
        return n; /* SSL_get_error must see the BIOs as SSL_write left them */
    BIO *w = SSL_get_wbio(s);
    int d = 0;
    if (w != NULL && cap > 0) {
        d = BIO_read(w, out, cap);
        if (d < 0)
            d = 0;
    }
    int p = wbio_pending(s);
    ls_aux[0] = d;
    ls_aux[1] = p;
    return n;
}

int lsh_ssl_read_early_data(SSL *s, unsigned char *buf, int num, int *readbytes)
{
    size_t n = 0;
    int r = SSL_read_early_data(s, buf, (size_t)num, &n);
    *readbytes = (int)n;
    return r;
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

/* The servername callback: libssl calls s->ctx's, else s->session_ctx's
 * (statem/extensions.c final_server_name); so does this trampoline. */
static int servername_tramp(SSL *s, int *al, void *arg)
{
    (void)arg;
    uintptr_t h = ctx_handle_with(SSL_get_SSL_CTX(s), LS_CB_SERVERNAME);
    if (h == 0)
        h = ctx_handle_with(session_ctx(s), LS_CB_SERVERNAME);
    if (h == 0)
        return SSL_TLSEXT_ERR_NOACK;
    return libsslGoServername(h, s, al);
}

void lsh_ctx_set_servername_cb(SSL_CTX *c, int on)
{
    if (on)
        SSL_CTX_set_tlsext_servername_callback(c, servername_tramp);
    else
        SSL_CTX_set_tlsext_servername_callback(c, NULL);
}

/* The new-session callback runs on s->session_ctx. The Go side gets its
 * own reference (up-ref'd before it is wrapped), so this returns 0 and
 * libssl drops the reference it lent: the same count as a C callback that
 * keeps the session and returns 1. */
static int sess_new_tramp(SSL *s, SSL_SESSION *sess)
{
    uintptr_t h = ctx_handle_with(session_ctx(s), LS_CB_SESS_NEW);
    if (h != 0)
        libsslGoSessNew(h, s, sess);
    return 0;
}

static void sess_remove_tramp(SSL_CTX *c, SSL_SESSION *sess)
{
    uintptr_t h = ctx_handle_with(c, LS_CB_SESS_REMOVE);
    if (h != 0)
        libsslGoSessRemove(h, c, sess);
}

void lsh_ctx_set_sess_cbs(SSL_CTX *c, int new_on, int remove_on)
{
    SSL_CTX_sess_set_new_cb(c, new_on ? sess_new_tramp : NULL);
    SSL_CTX_sess_set_remove_cb(c, remove_on ? sess_remove_tramp : NULL);
}

void lsh_ctx_set_info_cb(SSL_CTX *c, int on) { SSL_CTX_set_info_callback(c, on ? info_tramp : NULL); }

/* ------------------------------------------------------------------ */
/* issue 12 (session 3): session lookup, ClientHello, identity, state  */
/* ------------------------------------------------------------------ */

extern SSL_SESSION *libsslGoSessGet(uintptr_t h, SSL *s, const unsigned char *id, int len, int *copy);
extern int libsslGoClientHello(uintptr_t h, SSL *s, int *al);

/* The get-session callback runs on s->session_ctx (ssl_sess.c
 * lookup_sess_in_cache, 1.1.1 and 3.x alike), looked up at each call. The
 * Go side hands back a session whose reference libssl may keep: it up-refs
 * it itself (or passes its handle's reference) and sets *copy to 0, so that
 * libssl takes no further reference. See libsslGoSessGet. */
static SSL_SESSION *sess_get_tramp(SSL *s, const unsigned char *id, int len, int *copy)
{
    uintptr_t h = ctx_handle_with(session_ctx(s), LS_CB_SESS_GET);
    if (h == 0)
        return NULL;
    return libsslGoSessGet(h, s, id, len, copy);
}

void lsh_ctx_set_sess_get_cb(SSL_CTX *c, int on) { SSL_CTX_sess_set_get_cb(c, on ? sess_get_tramp : NULL); }

/* The ClientHello callback: libssl calls s->ctx's at each ClientHello
 * (statem_srvr.c tls_early_post_process_client_hello). */
static int client_hello_tramp(SSL *s, int *al, void *arg)
{
    (void)arg;
    uintptr_t h = ctx_handle_with(SSL_get_SSL_CTX(s), LS_CB_CLIENT_HELLO);
    if (h == 0)
        return SSL_CLIENT_HELLO_SUCCESS;
    return libsslGoClientHello(h, s, al);
}

void lsh_ctx_set_client_hello_cb(SSL_CTX *c, int on)
{
    SSL_CTX_set_client_hello_cb(c, on ? client_hello_tramp : NULL, NULL);
}

/* The ClientHello accessors copy into buf (at most cap bytes) and return the
 * full length, so that a caller with cap 0 learns the size first. */
static int copy_out(const unsigned char *p, size_t n, unsigned char *buf, int cap)
{
    if (buf != NULL && cap > 0)
        memcpy(buf, p, n < (size_t)cap ? n : (size_t)cap);
    return (int)n;
}

int lsh_client_hello_ciphers(SSL *s, unsigned char *buf, int cap)
{
    const unsigned char *p = NULL;
    size_t n = SSL_client_hello_get0_ciphers(s, &p);
    return copy_out(p, n, buf, cap);
}

int lsh_client_hello_compression(SSL *s, unsigned char *buf, int cap)
{
    const unsigned char *p = NULL;
    size_t n = SSL_client_hello_get0_compression_methods(s, &p);
    return copy_out(p, n, buf, cap);
}

/* -1 when the extension is absent. */
int lsh_client_hello_ext(SSL *s, int type, unsigned char *buf, int cap)
{
    const unsigned char *p = NULL;
    size_t n = 0;
    if (SSL_client_hello_get0_ext(s, (unsigned int)type, &p, &n) != 1)
        return -1;
    return copy_out(p, n, buf, cap);
}

/* The extension types present, in the order of the ClientHello; -1 on
 * failure. */
int lsh_client_hello_exts(SSL *s, int *buf, int cap)
{
    int *out = NULL;
    size_t n = 0;
    if (SSL_client_hello_get1_extensions_present(s, &out, &n) != 1)
        return -1;
    for (size_t i = 0; i < n && (int)i < cap; i++)
        buf[i] = out[i];
    OPENSSL_free(out);
    return (int)n;
}

/* Whether the SSL's verify callback is the one set on c: the C callbacks
 * (SSL_get_verify_callback, SSL_CTX_get_verify_callback) are the same, and
 * so is the Go value behind them (the box SSL_new shared, or none). */
int lsh_ssl_verify_cb_from(SSL *s, SSL_CTX *c)
{
    return SSL_get_verify_callback(s) == SSL_CTX_get_verify_callback(c)
           && SSL_get_ex_data(s, gocb_idx[LS_SLOT_VERIFY][0]) == SSL_CTX_get_ex_data(c, gocb_idx[LS_SLOT_VERIFY][1]);
}

/* The method's LS_M_* id. After a handshake libssl installs a method of the
 * negotiated version (statem_lib.c ssl_choose_client_version and
 * ssl_choose_server_version): TLSv1_2_client_method() and the like, and for
 * TLS 1.3 a method of no public constructor that client and server share.
 * The version-specific constructors are deprecated (and absent from builds
 * without deprecated APIs), so those methods are recognised as "not one of
 * the version-flexible ones" and named by the SSL's version and role. */
int lsh_ssl_method_id(SSL *s)
{
    const SSL_METHOD *m = SSL_get_ssl_method(s);
    int id = ls_method_id(m);
    if (id != 0 || m == NULL)
        return id;
    int server = SSL_is_server(s);
    if (SSL_is_dtls(s)) {
        switch (SSL_version(s)) {
        case DTLS1_VERSION: return server ? LS_M_DTLS1_SERVER : LS_M_DTLS1_CLIENT;
        case DTLS1_2_VERSION: return server ? LS_M_DTLS1_2_SERVER : LS_M_DTLS1_2_CLIENT;
        }
        return 0;
    }
    switch (SSL_version(s)) {
    case TLS1_VERSION: return server ? LS_M_TLS1_SERVER : LS_M_TLS1_CLIENT;
    case TLS1_1_VERSION: return server ? LS_M_TLS1_1_SERVER : LS_M_TLS1_1_CLIENT;
    case TLS1_2_VERSION: return server ? LS_M_TLS1_2_SERVER : LS_M_TLS1_2_CLIENT;
    case TLS1_3_VERSION: return LS_M_TLS1_3;
    }
    return 0;
}

/* The SSL's session context (see session_ctx). */
SSL_CTX *lsh_ssl_session_ctx(SSL *s) { return session_ctx(s); }

/* SSL_client_hello_isv2 is deprecated in OpenSSL 4.0, which no longer
 * accepts an SSLv2-format ClientHello: there, no ClientHello is one. */
int lsh_client_hello_isv2(SSL *s)
{
#if OPENSSL_VERSION_NUMBER >= 0x40000000L
    (void)s;
    return 0;
#else
    return SSL_client_hello_isv2(s);
#endif
}

/* Whether two SSLs run the same SSL_METHOD object (the pointers
 * SSL_get_ssl_method returns are equal). */
int lsh_ssl_same_method(SSL *s, SSL *o)
{
    return SSL_get_ssl_method(s) == SSL_get_ssl_method(o);
}
