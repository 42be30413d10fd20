/*
 * shim_slots.c: the destruction probe and the per-SSL guard records, the
 * callback registry (one box of Go cgo.Handle slots per SSL and per SSL_CTX,
 * shim.h), the session context, the start-up that registers them (ls_init),
 * and the trampolines through which libssl's C callbacks reach the Go ones,
 * with the one call per object that sets a slot and installs its callback.
 * The trampolines of the certificate-verify, certificate and key-log
 * callbacks, and the ticket keys, are in shim_ctxhooks.c.
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exported from Go (callbacks.go, verify_callbacks.go,
 * session_callbacks.go, client_hello.go). */
extern int libsslGoVerify(uintptr_t h, SSL *s, int ok, X509_STORE_CTX *x);
extern void libsslGoInfo(uintptr_t h, SSL *s, int where, int ret);
extern void libsslGoRelease(uintptr_t h);
extern int libsslGoServername(uintptr_t h, SSL *s, int *al);
extern void libsslGoSessNew(uintptr_t h, SSL *s, SSL_SESSION *sess);
extern void libsslGoSessRemove(uintptr_t h, SSL_CTX *c, SSL_SESSION *sess);
extern SSL_SESSION *libsslGoSessGet(uintptr_t h, SSL *s, const unsigned char *id, int len, int *copy);
extern int libsslGoClientHello(uintptr_t h, SSL *s, int *al);

static char probe_marker;
static int64_t probe_created_n[3];
static int64_t probe_destroyed_n[3];
static int probe_idx[3] = {-1, -1, -1};

int64_t ls_probe_created(int k) { return __atomic_load_n(&probe_created_n[k], __ATOMIC_SEQ_CST); }
int64_t ls_probe_destroyed(int k) { return __atomic_load_n(&probe_destroyed_n[k], __ATOMIC_SEQ_CST); }

/* The SSL probe slot holds the object's guard record (shim.h), which also
 * marks it as seen being born; the other kinds hold probe_marker. */
int ls_guard_idx = -1;

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

/* ---- the callback registry ---- */

static int box_idx[2] = {-1, -1}; /* SSL, SSL_CTX */
static int64_t box_dups;
int64_t ls_box_dup_calls(void) { return __atomic_load_n(&box_dups, __ATOMIC_SEQ_CST); }

int64_t ls_c_heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (int64_t)(mi.uordblks + mi.hblkhd);
#else
    return -1;
#endif
}

/* A cell for h, or NULL (h released) when memory runs out. */
static ls_cell *cell_new(uintptr_t h)
{
    ls_cell *cl = malloc(sizeof(*cl));
    if (cl == NULL) {
        libsslGoRelease(h);
        return NULL;
    }
    cl->h = h;
    cl->refs = 1;
    return cl;
}

static void cell_ref(ls_cell *cl)
{
    if (cl != NULL)
        __atomic_add_fetch(&cl->refs, 1, __ATOMIC_ACQ_REL);
}

void ls_cell_release(ls_cell *cl)
{
    if (cl != NULL && __atomic_sub_fetch(&cl->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        libsslGoRelease(cl->h);
        free(cl);
    }
}

/* A box of n slots: a context's has every kind, an SSL's only the
 * LS_CB_SSL_KINDS an SSL can have (the box is made for nearly every SSL of
 * package openssl, which keeps its user data there: 112 bytes of C heap
 * where a box of every kind took 224). */
static ls_box *box_alloc(int n)
{
    ls_box *b = calloc(1, sizeof(*b) + (size_t)n * sizeof(b->slot[0]));
    if (b == NULL)
        return NULL;
    b->n = n;
    if (pthread_mutex_init(&b->mu, NULL) != 0) {
        free(b);
        b = NULL;
    }
    return b;
}

static void box_destroy(ls_box *b)
{
    if (b == NULL)
        return;
    for (int k = 0; k < b->n; k++)
        ls_cell_release(b->slot[k]);
    if (b->keys != NULL) {
        OPENSSL_cleanse(b->keys, sizeof(*b->keys));
        free(b->keys);
    }
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* A context's box is made with the context (its index's new function), so
 * that its pointer never changes while handshakes read it: only the slots
 * inside change, under the box's lock. */
static void ctx_box_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ptr; (void)argl; (void)argp;
    ls_box *b = box_alloc(LS_CB_KINDS);
    if (b != NULL && !CRYPTO_set_ex_data(ad, idx, b))
        box_destroy(b);
}

static void box_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    box_destroy(ptr);
}

/* SSL_dup copies ex_data: the copy gets a box of its own whose slots share
 * the original's cells (one more holder each), as SSL_dup copies the C
 * callbacks; a box the copy held already is released. */
#if IS_OSSL3
static int box_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d,
                   int idx, long argl, void *argp)
{
    ls_box **pb = (ls_box **)from_d;
#else
static int box_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void *from_d,
                   int idx, long argl, void *argp)
{
    ls_box **pb = (ls_box **)from_d;
#endif
    (void)from; (void)argl; (void)argp;
    __atomic_add_fetch(&box_dups, 1, __ATOMIC_SEQ_CST);
    ls_box *prev = CRYPTO_get_ex_data(to, idx);
    if (prev != NULL) {
        CRYPTO_set_ex_data(to, idx, NULL);
        box_destroy(prev);
    }
    if (pb == NULL || *pb == NULL)
        return 1;
    ls_box *src = *pb, *b = box_alloc(src->n);
    *pb = b;
    if (b == NULL)
        return 0;
    pthread_mutex_lock(&src->mu);
    for (int k = 0; k < src->n; k++) {
        cell_ref(src->slot[k]);
        b->slot[k] = src->slot[k];
    }
    pthread_mutex_unlock(&src->mu);
    return 1;
}

ls_box *ls_ctx_box(SSL_CTX *c) { return c != NULL && box_idx[1] >= 0 ? SSL_CTX_get_ex_data(c, box_idx[1]) : NULL; }

static ls_box *ssl_box(SSL *s) { return s != NULL && box_idx[0] >= 0 ? SSL_get_ex_data(s, box_idx[0]) : NULL; }

/* An SSL's box is made when a slot is first set (inside the SSL's guard:
 * one thread at a time), or by SSL_new from a context with a verify
 * callback: most SSLs never need one. */
static ls_box *ssl_box_make(SSL *s)
{
    ls_box *b = ssl_box(s);
    if (b != NULL || box_idx[0] < 0)
        return b;
    if ((b = box_alloc(LS_CB_SSL_KINDS)) == NULL)
        return NULL;
    if (!SSL_set_ex_data(s, box_idx[0], b)) {
        box_destroy(b);
        return NULL;
    }
    return b;
}

/* The cell in a slot, as a pointer to compare only (no reference taken,
 * so none is released: that could call Go from a nocb call). */
static ls_cell *box_slot(ls_box *b, int kind)
{
    if (b == NULL || kind < 0 || kind >= b->n)
        return NULL;
    pthread_mutex_lock(&b->mu);
    ls_cell *cl = b->slot[kind];
    pthread_mutex_unlock(&b->mu);
    return cl;
}

/* The handle in a slot, read under the box's lock (0 when empty). */
static uintptr_t box_handle(ls_box *b, int kind)
{
    if (b == NULL || kind < 0 || kind >= b->n)
        return 0;
    pthread_mutex_lock(&b->mu);
    uintptr_t h = b->slot[kind] != NULL ? b->slot[kind]->h : 0;
    pthread_mutex_unlock(&b->mu);
    return h;
}

static ls_cell *box_cell(ls_box *b, int kind)
{
    if (b == NULL || kind < 0 || kind >= b->n)
        return NULL;
    pthread_mutex_lock(&b->mu);
    ls_cell *cl = b->slot[kind];
    cell_ref(cl);
    pthread_mutex_unlock(&b->mu);
    return cl;
}

ls_cell *ls_ctx_cell(SSL_CTX *c, int kind) { return box_cell(ls_ctx_box(c), kind); }
ls_cell *ls_ssl_cell(SSL *s, int kind) { return box_cell(ssl_box(s), kind); }

int ls_ssl_box_slots(SSL *s)
{
    ls_box *b = ssl_box(s);
    return b != NULL ? b->n : -1;
}

int ls_ctx_box_slots(SSL_CTX *c)
{
    ls_box *b = ls_ctx_box(c);
    return b != NULL ? b->n : -1;
}

static int verify_tramp(int ok, X509_STORE_CTX *x);
static void info_tramp(const SSL *cs, int where, int ret);
static int servername_tramp(SSL *s, int *al, void *arg);
static int sess_new_tramp(SSL *s, SSL_SESSION *sess);
static void sess_remove_tramp(SSL_CTX *c, SSL_SESSION *sess);
static SSL_SESSION *sess_get_tramp(SSL *s, const unsigned char *id, int len, int *copy);
static int client_hello_tramp(SSL *s, int *al, void *arg);

/* Sets slot kind of the context's box to h (0 empties it) and installs or
 * removes libssl's callback of that kind (for LS_CB_VERIFY with mode, as
 * SSL_CTX_set_verify does), both under the box's lock, then releases the
 * cell it replaced. 0 (h released) when the kind is not one of a context
 * or memory runs out. */
int lsh_ctx_set_callback(SSL_CTX *c, int kind, uintptr_t h, int mode)
{
    ls_box *b = ls_ctx_box(c);
    ls_cell *cl = NULL;
    if (b == NULL || kind < 0 || kind >= LS_CB_KINDS || kind == LS_CB_USER_DATA) {
        if (h != 0)
            libsslGoRelease(h);
        return 0;
    }
    if (h != 0 && (cl = cell_new(h)) == NULL)
        return 0;
    int on = cl != NULL;
    pthread_mutex_lock(&b->mu);
    ls_cell *old = b->slot[kind];
    b->slot[kind] = cl;
    switch (kind) {
    case LS_CB_VERIFY:
        SSL_CTX_set_verify(c, mode, on ? verify_tramp : NULL);
        break;
    case LS_CB_INFO:
        SSL_CTX_set_info_callback(c, on ? info_tramp : NULL);
        break;
    case LS_CB_SERVERNAME:
        if (on)
            SSL_CTX_set_tlsext_servername_callback(c, servername_tramp);
        else
            SSL_CTX_set_tlsext_servername_callback(c, NULL);
        break;
    case LS_CB_SESS_NEW:
        SSL_CTX_sess_set_new_cb(c, on ? sess_new_tramp : NULL);
        break;
    case LS_CB_SESS_REMOVE:
        SSL_CTX_sess_set_remove_cb(c, on ? sess_remove_tramp : NULL);
        break;
    case LS_CB_SESS_GET:
        SSL_CTX_sess_set_get_cb(c, on ? sess_get_tramp : NULL);
        break;
    case LS_CB_CLIENT_HELLO:
        SSL_CTX_set_client_hello_cb(c, on ? client_hello_tramp : NULL, NULL);
        break;
    case LS_CB_TICKET_GEN:
    case LS_CB_TICKET_DEC:
    case LS_CB_STATUS:
        ls_features_install(c, b, kind);
        break;
    case LS_CB_PSK_CLIENT:
    case LS_CB_PSK_SERVER:
    case LS_CB_CLIENT_CERT:
    case LS_CB_PSK_USE_SESSION:
    case LS_CB_PSK_FIND_SESSION:
        ls_psk_install(c, kind, on);
        break;
    default:
        ls_ctx_install_hook(c, kind, on);
    }
    pthread_mutex_unlock(&b->mu);
    ls_cell_release(old);
    return 1;
}

/* Sets one of the SSL's slots: the verify callback (with mode, as
 * SSL_set_verify; h 0 sets the mode only and keeps the callback, as
 * SSL_set_verify(s, mode, NULL) does), the info callback, or user data.
 * Runs inside the SSL's guard (the generated wrapper enters it). */
int lsh_ssl_set_callback(SSL *s, int kind, uintptr_t h, int mode)
{
    if (kind < 0 || kind >= LS_CB_SSL_KINDS) {
        if (h != 0)
            libsslGoRelease(h);
        return 0;
    }
    if (kind == LS_CB_VERIFY && h == 0) {
        SSL_set_verify(s, mode, NULL);
        return 1;
    }
    ls_box *b = ssl_box(s);
    ls_cell *cl = NULL;
    if (h != 0) {
        if ((b = ssl_box_make(s)) == NULL) {
            libsslGoRelease(h);
            return 0;
        }
        if ((cl = cell_new(h)) == NULL)
            return 0;
    }
    ls_cell *old = NULL;
    if (b != NULL) {
        pthread_mutex_lock(&b->mu);
        old = b->slot[kind];
        b->slot[kind] = cl;
        pthread_mutex_unlock(&b->mu);
    }
    if (kind == LS_CB_VERIFY)
        SSL_set_verify(s, mode, verify_tramp);
    else if (kind == LS_CB_INFO)
        SSL_set_info_callback(s, cl != NULL ? info_tramp : NULL);
    else if (kind == LS_CB_PSK_USE_SESSION || kind == LS_CB_PSK_FIND_SESSION)
        ls_psk_ssl_install(s, kind, cl != NULL);
    ls_cell_release(old);
    return 1;
}

int lsh_ssl_has_info_cb(SSL *s) { return SSL_get_info_callback(s) != NULL; }

/* The handle in one of the SSL's slots (0 when empty), for a Go getter:
 * read inside the SSL's guard, as its setter writes it. */
uintptr_t lsh_ssl_get_callback(SSL *s, int kind) { return box_handle(ssl_box(s), kind); }

/* The handle in one of the context's slots (0 when empty). */
uintptr_t lsh_ctx_get_callback(SSL_CTX *c, int kind) { return box_handle(ls_ctx_box(c), kind); }

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
    ls_librec_note_ssl(c);
    return SSL_set_SSL_CTX(s, c);
}

/* SSL_new, then for the Go side what libssl does for the C side: SSL_new
 * copies the context's verify callback into the SSL (ssl_lib.c:
 * s->verify_callback = ctx->default_verify_callback), and its TLS 1.3 PSK
 * session callbacks (s->psk_use_session_cb, s->psk_find_session_cb), so
 * the SSL's slots of those kinds share the cells of its context's. (The session context is recorded
 * at the first SSL_set_SSL_CTX: lsh_ssl_set_ssl_ctx.) This cannot be an
 * ex_data new_func: from OpenSSL 3.2 on, SSL_new runs those before it sets
 * the SSL's context. */
SSL *lsh_ssl_new(SSL_CTX *c)
{
    SSL *s = SSL_new(c);
    if (s == NULL)
        return NULL;
    ls_librec_note_ssl(c);
    static const int copied[] = {LS_CB_VERIFY, LS_CB_PSK_USE_SESSION, LS_CB_PSK_FIND_SESSION};
    for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
        ls_cell *cl = ls_ctx_cell(c, copied[i]);
        if (cl == NULL)
            continue;
        ls_box *b = ssl_box_make(s);
        if (b == NULL) {
            ls_cell_release(cl);
            SSL_free(s);
            return NULL;
        }
        b->slot[copied[i]] = cl; /* the reference ls_ctx_cell took */
    }
    return s;
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
    box_idx[0] = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, NULL, NULL, box_dup, box_free);
    box_idx[1] = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, NULL, ctx_box_new, NULL, box_free);
    if (box_idx[0] < 0 || box_idx[1] < 0)
        return 0;
    sessctx_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, NULL, NULL, sessctx_dup, NULL);
    if (sessctx_idx < 0)
        return 0;
    ERR_clear_error();
    return 1;
}

/* ---- The trampolines: libssl's C callbacks. Each finds the Go callback
 * in a box and calls it holding a reference on its cell, so that a
 * concurrent set cannot delete the handle under it. Once a callback has
 * recovered a panic during the running C call, they return the callback's
 * failure value without calling Go (ls_call_has_panicked): the first panic
 * is the one raised, and no later one is dropped. ---- */

static int verify_tramp(int ok, X509_STORE_CTX *x)
{
    if (ls_call_has_panicked())
        return 0;
    SSL *s = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    /* Only the SSL's own slot: it was shared from the context at SSL_new,
     * or set by SSL_set_verify, as libssl does with the C callback. */
    ls_cell *cl = s != NULL ? ls_ssl_cell(s, LS_CB_VERIFY) : NULL;
    if (cl == NULL)
        return ok;
    int r = libsslGoVerify(cl->h, s, ok, x);
    ls_cell_release(cl);
    return r;
}

/* The info callback is looked up as libssl looks up its own: the SSL's,
 * else its current context's. */
static void info_tramp(const SSL *cs, int where, int ret)
{
    SSL *s = (SSL *)cs;
    if (ls_call_has_panicked())
        return;
    ls_cell *cl = ls_ssl_cell(s, LS_CB_INFO);
    if (cl == NULL)
        cl = ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_INFO);
    if (cl == NULL)
        return;
    libsslGoInfo(cl->h, s, where, ret);
    ls_cell_release(cl);
}

/* The servername callback: libssl calls s->ctx's, else s->session_ctx's
 * (statem/extensions.c final_server_name); so does this trampoline. */
static int servername_tramp(SSL *s, int *al, void *arg)
{
    (void)arg;
    if (ls_call_has_panicked()) {
        *al = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    ls_cell *cl = ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_SERVERNAME);
    if (cl == NULL)
        cl = ls_ctx_cell(session_ctx(s), LS_CB_SERVERNAME);
    if (cl == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    int r = libsslGoServername(cl->h, s, al);
    ls_cell_release(cl);
    return r;
}

/* The new-session callback runs on s->session_ctx. The Go side gets its
 * own reference (up-ref'd before it is wrapped), so this returns 0 and
 * libssl drops the reference it lent: the same count as a C callback that
 * keeps the session and returns 1. */
static int sess_new_tramp(SSL *s, SSL_SESSION *sess)
{
    if (ls_call_has_panicked())
        return 0;
    ls_cell *cl = ls_ctx_cell(session_ctx(s), LS_CB_SESS_NEW);
    if (cl != NULL) {
        libsslGoSessNew(cl->h, s, sess);
        ls_cell_release(cl);
    }
    return 0;
}

/* The remove callback of the context whose cache drops the session. */
static void sess_remove_tramp(SSL_CTX *c, SSL_SESSION *sess)
{
    if (ls_call_has_panicked())
        return;
    ls_cell *cl = ls_ctx_cell(c, LS_CB_SESS_REMOVE);
    if (cl != NULL) {
        libsslGoSessRemove(cl->h, c, sess);
        ls_cell_release(cl);
    }
}

/* The get-session callback runs on s->session_ctx (ssl_sess.c
 * lookup_sess_in_cache, 1.1.1 and 3.x alike), looked up at each call. The
 * Go side hands back a session whose reference libssl may keep: it up-refs
 * it itself (or passes its handle's reference) and sets *copy to 0, so that
 * libssl takes no further reference. See libsslGoSessGet. */
static SSL_SESSION *sess_get_tramp(SSL *s, const unsigned char *id, int len, int *copy)
{
    if (ls_call_has_panicked())
        return NULL;
    ls_cell *cl = ls_ctx_cell(session_ctx(s), LS_CB_SESS_GET);
    if (cl == NULL)
        return NULL;
    SSL_SESSION *r = libsslGoSessGet(cl->h, s, id, len, copy);
    ls_cell_release(cl);
    return r;
}

/* The ClientHello callback: libssl calls s->ctx's at each ClientHello
 * (statem_srvr.c tls_early_post_process_client_hello). */
static int client_hello_tramp(SSL *s, int *al, void *arg)
{
    (void)arg;
    if (ls_call_has_panicked()) {
        *al = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }
    ls_cell *cl = ls_ctx_cell(SSL_get_SSL_CTX(s), LS_CB_CLIENT_HELLO);
    if (cl == NULL)
        return SSL_CLIENT_HELLO_SUCCESS;
    int r = libsslGoClientHello(cl->h, s, al);
    ls_cell_release(cl);
    return r;
}

/* Whether the SSL's verify callback is the one set on c: the C callbacks
 * (SSL_get_verify_callback, SSL_CTX_get_verify_callback) are the same, and
 * so is the Go value behind them (the cell SSL_new shared, or none). */
int lsh_ssl_verify_cb_from(SSL *s, SSL_CTX *c)
{
    return SSL_get_verify_callback(s) == SSL_CTX_get_verify_callback(c)
           && box_slot(ssl_box(s), LS_CB_VERIFY) == box_slot(ls_ctx_box(c), LS_CB_VERIFY);
}

/* The SSL's session context (see session_ctx). */
SSL_CTX *lsh_ssl_session_ctx(SSL *s) { return session_ctx(s); }
