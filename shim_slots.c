/*
 * shim_slots.c: the destruction probe and the per-SSL guard records, the
 * ex_data slots that carry Go cgo.Handle values, the session context, the
 * start-up that registers them (ls_init), and the trampolines through which
 * libssl's C callbacks reach the Go ones (callbacks.go), with the helpers
 * that install them.
 */
#include "shim_internal.h"

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

void lsh_ctx_set_verify(SSL_CTX *c, int mode, int with_cb)
{
    SSL_CTX_set_verify(c, mode, with_cb ? verify_tramp : NULL);
}

void lsh_ssl_set_verify(SSL *s, int mode, int with_cb)
{
    SSL_set_verify(s, mode, with_cb ? verify_tramp : NULL);
}

void lsh_ssl_set_info_cb(SSL *s, int on) { SSL_set_info_callback(s, on ? info_tramp : NULL); }
int lsh_ssl_has_info_cb(SSL *s) { return SSL_get_info_callback(s) != NULL; }

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

/* Whether the SSL's verify callback is the one set on c: the C callbacks
 * (SSL_get_verify_callback, SSL_CTX_get_verify_callback) are the same, and
 * so is the Go value behind them (the box SSL_new shared, or none). */
int lsh_ssl_verify_cb_from(SSL *s, SSL_CTX *c)
{
    return SSL_get_verify_callback(s) == SSL_CTX_get_verify_callback(c)
           && SSL_get_ex_data(s, gocb_idx[LS_SLOT_VERIFY][0]) == SSL_CTX_get_ex_data(c, gocb_idx[LS_SLOT_VERIFY][1]);
}

/* The SSL's session context (see session_ctx). */
SSL_CTX *lsh_ssl_session_ctx(SSL *s) { return session_ctx(s); }
