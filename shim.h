/*
 * shim.h: the C boundary of libssl-go: the runtime the C files share with
 * Go. The files are shim_runtime.c (capture protocol, panic tokens),
 * shim_slots.c (destruction probe, guard records, the callback registry,
 * trampolines), one helper file per object (shim_ctx.c, shim_ssl.c,
 * shim_session.c, shim_bio.c, shim_x509.c, shim_io.c, shim_alpn.c,
 * shim_client_hello.c, shim_ctxhooks.c) and the files generated from
 * shim.def (zshim.h, zshim.c, zshim.go).
 *
 * shim.def declares every C function the package calls, once: its C
 * prototype, its failure predicate, whether it can reach a Go callback,
 * and the versions that have it. internal/cmd/mkshim turns each
 * declaration into the prototype of a hand-written lsh_ helper (zshim.h),
 * a C wrapper that clears the thread's error queue, makes the call, reads
 * SSL_get_error and errno, and drains the queue into an ls_errq before it
 * returns to Go (the capture protocol below), and the raw Go wrapper that
 * decides failure by the predicate and raises a callback's panic. Go never
 * reads the error queue in a second cgo call: a goroutine can move to
 * another OS thread between two calls, and the queue belongs to the thread.
 *
 * What is written by hand here: the capture protocol, the panic tokens,
 * the destruction probe and guard, and the callback registry's kinds. No lsh_ prototype: those are generated.
 */
#ifndef LIBSSL_GO_SHIM_H
#define LIBSSL_GO_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/opensslv.h>
#include <openssl/crypto.h>

/* SSL_OP_ALLOW_CLIENT_RENEGOTIATION is new in OpenSSL 3.0; a 1.1.1 server
 * accepts a client's renegotiation unless SSL_OP_NO_RENEGOTIATION is set. */
#ifndef SSL_OP_ALLOW_CLIENT_RENEGOTIATION
#define SSL_OP_ALLOW_CLIENT_RENEGOTIATION 0
#endif

#if OPENSSL_VERSION_NUMBER < 0x10101000L
#error "libssl-go needs OpenSSL 1.1.1 or newer"
#endif

/* One drained entry of the error queue, text fields copied out of libssl. */
#define LS_FUNC_LEN 64
#define LS_FILE_LEN 128
#define LS_DATA_LEN 256
#define LS_TEXT_LEN 1024
typedef struct {
    unsigned long code;
    int line;
    int lib;
    int reason;
    char func[LS_FUNC_LEN];
    char file[LS_FILE_LEN];
    char data[LS_DATA_LEN];
    /* The line ERR_print_errors would print, without its thread-id prefix. */
    char text[LS_TEXT_LEN];
} ls_errent;

/* The drained queue; malloc'd by the shim only when the queue was not empty. */
#define LS_MAX_ERRS 16
typedef struct {
    int n;       /* entries kept */
    int dropped; /* entries beyond LS_MAX_ERRS, drained and counted */
    ls_errent e[LS_MAX_ERRS];
} ls_errq;

/* What every fallible shim returns. */
typedef struct {
    void *ptr;       /* pointer result, where the call returns one */
    long ret;        /* integer result */
    int ssl_error;   /* SSL_get_error(s, ret) for SSL I/O calls, else 0 */
    int sys_errno;   /* errno right after the call */
    ls_errq *errq;   /* NULL when the queue was empty; free with ls_errq_free */
    int unsupported; /* 1: the linked OpenSSL lacks the function (shim.def since=) */
    int busy;        /* 1: another thread was inside a call on the same SSL (ls_guard) */
    int aux[2];      /* two more results of a pump helper (predicate iow), from ls_aux */
    uint64_t panic_token; /* nonzero: a Go callback recovered a panic under this call's token */
} ls_ret;

void ls_errq_free(ls_errq *q);

/* The capture protocol, for every shim file: ls_begin() clears the queue and
 * errno before the call; ls_finish_* read errno (and SSL_get_error for SSL
 * I/O) and drain the queue after it. */
void ls_begin(void);
ls_ret ls_finish_ptr(void *p);
ls_ret ls_finish_int(long v);
ls_ret ls_finish_io(SSL *s, int v);
/* ls_finish_io that also carries the helper's ls_aux (predicate iow). The
 * helpers set ls_aux last, so a callback's nested call cannot overwrite it;
 * results travel by value so that no Go pointer is passed for them. */
extern __thread int ls_aux[2];
ls_ret ls_finish_iow(SSL *s, int v);
/* The oldest entry on this thread's queue (0 when empty), left in place. */
unsigned long ls_err_peek(void);

/* Panic tokens. A Go callback must not unwind through C: it recovers a
 * panic and the Go wrapper of the C call that reached it raises it again.
 * Every generated wrapper of a call that can reach a Go callback (shim.def
 * hint cb) runs the call under a fresh token: ls_call_enter saves the
 * thread's current call and sets a new one, ls_call_leave restores the saved
 * one (a callback's own cb call nests) and returns the token if a callback
 * recovered a panic under it, else 0. Callbacks run on the thread of the C
 * call that reached them, so the thread-local current call is theirs. */
typedef struct {
    uint64_t token;
    int panicked;
} ls_call;
extern __thread ls_call ls_current_call;
extern uint64_t ls_last_token;
static inline void ls_call_enter(ls_call *saved)
{
    *saved = ls_current_call;
    ls_current_call.token = __atomic_add_fetch(&ls_last_token, 1, __ATOMIC_RELAXED);
    ls_current_call.panicked = 0;
}
static inline uint64_t ls_call_leave(const ls_call *saved)
{
    uint64_t t = ls_current_call.panicked ? ls_current_call.token : 0;
    ls_current_call = *saved;
    return t;
}
/* Called by a Go callback that recovered a panic: marks the current call
 * and returns its token, under which Go keeps the value (0: no cb wrapper
 * is running on this thread). */
uint64_t ls_call_panicked(void);

/* Versions and start-up. */
unsigned long ls_header_version(void);
unsigned long ls_runtime_version(void);
const char *ls_runtime_version_text(void);
int ls_init(void); /* registers ex_data indexes; 1 on success */

/* Destruction probe: objects whose creation and destruction the ex_data
 * new/free functions saw. kind: 0 SSL, 1 SSL_CTX, 2 SSL_SESSION. */
int64_t ls_probe_created(int kind);
int64_t ls_probe_destroyed(int kind);

/* The per-SSL guard. libssl does not allow two threads inside
 * calls on one SSL object at once; the probe's ex_data new function gives
 * each SSL a guard record, and every generated wrapper of a function that
 * takes an SSL (shim.def, unless hinted noguard) enters it before the call
 * and leaves it after, inside the same C call. The record holds the thread
 * inside (pthread_self) and its depth, so a Go callback that calls back into
 * the same SSL on the same thread enters again; another thread finds it
 * taken and the wrapper returns without calling libssl (ls_ret.busy, or the
 * busy field of the val/void wrappers), which Go turns into
 * ErrConcurrentUse. SSL objects made before ls_init, or whose record could
 * not be allocated, have none and are not guarded. */
typedef struct {
    uintptr_t owner;  /* pthread_self() of the thread inside, 0 when free */
    unsigned depth;   /* re-entries by the owner; only the owner touches it */
} ls_guard;
extern int ls_guard_idx;
/* The ls_ret of a call refused by the guard. */
ls_ret ls_busy(void);

static inline int ls_guard_enter(const SSL *s, ls_guard **gp)
{
#ifdef LS_NO_GUARD /* only to measure the guard's cost: CGO_CFLAGS=-DLS_NO_GUARD */
    (void)s;
    *gp = NULL;
    return 1;
#endif
    ls_guard *g = s != NULL ? (ls_guard *)SSL_get_ex_data((SSL *)s, ls_guard_idx) : NULL;
    *gp = g;
    if (g == NULL)
        return 1;
    uintptr_t self = (uintptr_t)pthread_self();
    uintptr_t cur = __atomic_load_n(&g->owner, __ATOMIC_RELAXED);
    if (cur == self) { /* only this thread stores self: it is inside already */
        g->depth++;
        return 1;
    }
    if (cur != 0 || !__atomic_compare_exchange_n(&g->owner, &cur, self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return 0;
    g->depth = 1;
    return 1;
}

static inline void ls_guard_leave(ls_guard *g)
{
    if (g != NULL && --g->depth == 0)
        __atomic_store_n(&g->owner, 0, __ATOMIC_RELEASE);
}

/* The callback registry: one box per SSL and per SSL_CTX (one ex_data
 * index each, shim_slots.c), with one slot per callback kind (a context's
 * box every kind, an SSL's the kinds an SSL has). A slot holds
 * a Go cgo.Handle in a reference-counted cell that several boxes may share:
 * SSL_new shares its context's verify cell with the SSL (libssl copies the
 * verify callback there), SSL_dup shares every cell of the original with
 * the copy (the box's dup function); the last holder of a cell deletes the
 * handle. Setting a slot (lsh_ctx_set_callback, lsh_ssl_set_callback) is
 * one C call: it swaps the cell under the box's lock, installs or removes
 * the libssl callback of that kind, and releases the old cell. */
/* The kinds an SSL has come first (LS_CB_SSL_KINDS of them): an SSL's box
 * holds those slots only, a context's box every kind (LS_CB_KINDS). */
enum { LS_CB_VERIFY = 0, LS_CB_INFO, LS_CB_USER_DATA, LS_CB_PSK_USE_SESSION, LS_CB_PSK_FIND_SESSION,
       LS_CB_SERVERNAME, LS_CB_SESS_NEW, LS_CB_SESS_REMOVE, LS_CB_SESS_GET, LS_CB_CLIENT_HELLO,
       LS_CB_CERT_VERIFY, LS_CB_CERT, LS_CB_KEYLOG, LS_CB_TICKET_GEN, LS_CB_TICKET_DEC, LS_CB_TICKET_KEY,
       LS_CB_STATUS, LS_CB_PSK_CLIENT, LS_CB_PSK_SERVER, LS_CB_CLIENT_CERT, LS_CB_KINDS };
enum { LS_CB_SSL_KINDS = LS_CB_PSK_FIND_SESSION + 1 };
/* How many times the SSL box's dup function has run (SSL_dup copies). */
int64_t ls_box_dup_calls(void);
/* The process's C heap in use (glibc mallinfo2: uordblks + hblkhd), for the
 * tests that bound the C memory the package's own state takes per object;
 * -1 where the C library has no mallinfo2. */
int64_t ls_c_heap_in_use(void);
/* The slots of an SSL's and of a context's callback box (-1: no box yet),
 * for the tests of the box's size. */
int ls_ssl_box_slots(SSL *s);
int ls_ctx_box_slots(SSL_CTX *c);
/* Whether a Go callback already recovered a panic in the running C call:
 * the trampolines then give libssl the callback's failure value without
 * calling Go, so that no second panic arises to be dropped. */
static inline int ls_call_has_panicked(void) { return ls_current_call.panicked; }

/* Methods: LS_M_* ids for the SSL_METHOD constructors; 0 for any other. */
enum { LS_M_TLS = 1, LS_M_TLS_CLIENT, LS_M_TLS_SERVER, LS_M_DTLS, LS_M_DTLS_CLIENT, LS_M_DTLS_SERVER,
       LS_M_TLS1_CLIENT, LS_M_TLS1_SERVER, LS_M_TLS1_1_CLIENT, LS_M_TLS1_1_SERVER,
       LS_M_TLS1_2_CLIENT, LS_M_TLS1_2_SERVER, LS_M_TLS1_3, LS_M_DTLS1_CLIENT,
       LS_M_DTLS1_SERVER, LS_M_DTLS1_2_CLIENT, LS_M_DTLS1_2_SERVER };
int ls_method_id(const SSL_METHOD *m);

/* The ls_ret of a call the linked OpenSSL does not have (since= in shim.def). */
ls_ret ls_unsupported(void);

/* Options new in OpenSSL 3.0: 0 (no effect) where the headers lack them. */
#ifndef SSL_OP_IGNORE_UNEXPECTED_EOF
#define SSL_OP_IGNORE_UNEXPECTED_EOF 0
#endif
#ifndef SSL_OP_CLEANSE_PLAINTEXT
#define SSL_OP_CLEANSE_PLAINTEXT 0
#endif
#ifndef SSL_OP_DISABLE_TLSEXT_CA_NAMES
#define SSL_OP_DISABLE_TLSEXT_CA_NAMES 0
#endif
#ifndef SSL_OP_NO_EXTENDED_MASTER_SECRET
#define SSL_OP_NO_EXTENDED_MASTER_SECRET 0
#endif

/* One session ticket key as SetTicketKeys passes it (ticketkey.go). */
typedef struct {
    unsigned char name[16];
    unsigned char aes[16];
    unsigned char hmac[32];
} lsh_ticket_key;
/* The SSL's session context (the context SSL_new was given). */
SSL_CTX *ls_ssl_session_ctx(SSL *s);

/* The lsh_ helpers and the wrappers generated from shim.def. The helpers
 * (macros, composites and version differences behind one C function each)
 * make no capture of their own: the generated wrapper (zshim.c) captures
 * the error queue around each. */
#include "zshim.h"

#endif
