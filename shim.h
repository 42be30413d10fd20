/*
 * shim.h: the C boundary of libssl-go, with shim.c, shim_alpn.c and the
 * files generated from shim.def (zshim.h, zshim.c, zshim.go).
 *
 * shim.def declares every C function the package calls, once: its failure
 * predicate, whether it can reach a Go callback, and the versions that have
 * it. internal/cmd/mkshim turns each declaration into a C wrapper that
 * clears the thread's error queue, makes the call, reads SSL_get_error and
 * errno, and drains the queue into an ls_errq before it returns to Go (the
 * capture protocol below), and into the raw Go wrapper that decides failure
 * by the predicate. Go never reads the error queue in a second cgo call: a
 * goroutine can move to another OS thread between two calls, and the queue
 * belongs to the thread.
 *
 * What is written by hand here: the capture protocol, the lsh_* helpers
 * (macros, composites and version differences, each one C function that
 * shim.def declares and the generated wrapper captures around), the
 * destruction probe, and the ex_data slots that carry cgo.Handle values.
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

/* Versions and start-up. */
unsigned long ls_header_version(void);
unsigned long ls_runtime_version(void);
const char *ls_runtime_version_text(void);
int ls_init(void); /* registers ex_data indexes; 1 on success */

/* Destruction probe: objects whose creation and destruction the ex_data
 * new/free functions saw. kind: 0 SSL, 1 SSL_CTX, 2 SSL_SESSION. */
int64_t ls_probe_created(int kind);
int64_t ls_probe_destroyed(int kind);

/* The per-SSL guard (issue 16). libssl does not allow two threads inside
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

/* ex_data slots carrying a Go cgo.Handle, in a reference-counted box that
 * SSL_dup shares; the last holder's free releases the handle. Two slots on
 * SSL and SSL_CTX each: LS_SLOT_VERIFY holds the verify callback and
 * follows libssl's rule for it (SSL_new copies the context's into the SSL;
 * later changes to the context, and SSL_set_SSL_CTX, leave the SSL's as it
 * was); LS_SLOT_MISC holds the info callback (which libssl looks up on the
 * SSL, then on its current context, at each call) and user data. */
enum { LS_CB_VERIFY = 1, LS_CB_INFO = 2, LS_CB_SERVERNAME = 4, LS_CB_SESS_NEW = 8, LS_CB_SESS_REMOVE = 16 };
enum { LS_SLOT_MISC = 0, LS_SLOT_VERIFY = 1 };
/* Return 0 (having released h) when the box cannot be allocated. */
int ls_ssl_set_gohandle(SSL *s, int slot, uintptr_t h, int flags);
int ls_ctx_set_gohandle(SSL_CTX *c, int slot, uintptr_t h, int flags);
/* ls_ssl_set_gohandle returns -1 (having released h), ls_ssl_get_gohandle
 * sets *busy, when the SSL's guard is taken by another thread. */
uintptr_t ls_ssl_get_gohandle(SSL *s, int slot, int *busy);
/* How many times the misc slot's dup_func has run (SSL_dup copies). */
int64_t ls_gobox_dup_calls(void);
uintptr_t ls_ctx_get_gohandle(SSL_CTX *c, int slot);

/* Methods: LS_M_* ids for the SSL_METHOD constructors; 0 for any other. */
enum { LS_M_TLS = 1, LS_M_TLS_CLIENT, LS_M_TLS_SERVER, LS_M_DTLS, LS_M_DTLS_CLIENT, LS_M_DTLS_SERVER };
int ls_method_id(const SSL_METHOD *m);

/* The ls_ret of a call the linked OpenSSL does not have (since= in shim.def). */
ls_ret ls_unsupported(void);

/* Helpers: macros, composites and version differences behind one C function
 * each. They make no capture of their own: shim.def declares each, and its
 * generated wrapper (zshim.c) captures the error queue around it. */
SSL_CTX *lsh_ctx_new(int method);
SSL *lsh_ssl_new(SSL_CTX *c);
long lsh_ctx_set_mode(SSL_CTX *c, long m);
long lsh_ctx_clear_mode(SSL_CTX *c, long m);
long lsh_ctx_get_mode(SSL_CTX *c);
int lsh_ctx_set_min_proto(SSL_CTX *c, int v);
int lsh_ctx_set_max_proto(SSL_CTX *c, int v);
int lsh_ctx_get_min_proto(SSL_CTX *c);
int lsh_ctx_get_max_proto(SSL_CTX *c);
int lsh_ctx_cipher_names(SSL_CTX *c, char *buf, int cap);
void lsh_ctx_set_verify(SSL_CTX *c, int mode, int with_cb);
int lsh_ctx_has_verify_cb(SSL_CTX *c);
int lsh_ctx_add_ca_pem(SSL_CTX *c, const char *pem, int len);
int lsh_ctx_use_cert_chain_pem(SSL_CTX *c, const char *pem, int len);
int lsh_ctx_use_key_pem(SSL_CTX *c, const char *pem, int len);
int lsh_ssl_use_cert_pem(SSL *s, const char *pem, int len);
int lsh_ssl_use_key_pem(SSL *s, const char *pem, int len);
int lsh_ssl_add_ca_name_pem(SSL *s, const char *pem, int len);
int lsh_ssl_ca_list_count(SSL *s);
const void *lsh_ssl_ca_list_ptr(SSL *s);
int lsh_ssl_ca_name(SSL *s, int i, char *buf, int cap);
int lsh_ssl_get1_certificate(SSL *s, X509 **out);
int lsh_ssl_get1_privatekey(SSL *s, EVP_PKEY **out);
X509 *lsh_ssl_get1_peer_certificate(SSL *s);
int lsh_ssl_peer_chain_len(SSL *s);
int lsh_ssl_peer_chain_der(SSL *s, unsigned char *buf, int cap);
long lsh_ctx_set_cache_mode(SSL_CTX *c, long m);
long lsh_ctx_get_cache_mode(SSL_CTX *c);
long lsh_ctx_set_cache_size(SSL_CTX *c, long n);
long lsh_ctx_get_cache_size(SSL_CTX *c);
long lsh_ctx_sess_stat(SSL_CTX *c, int which);
void lsh_ctx_flush_sessions(SSL_CTX *c, long t);
int lsh_ssl_get1_ctx(SSL *s, SSL_CTX **out);
int lsh_ssl_set_method(SSL *s, int method);
long lsh_ssl_set_mode(SSL *s, long m);
long lsh_ssl_clear_mode(SSL *s, long m);
long lsh_ssl_get_mode(SSL *s);
int lsh_ssl_set_min_proto(SSL *s, int v);
int lsh_ssl_set_max_proto(SSL *s, int v);
int lsh_ssl_get_min_proto(SSL *s);
int lsh_ssl_get_max_proto(SSL *s);
int lsh_ssl_cipher_names(SSL *s, char *buf, int cap);
const char *lsh_ssl_current_cipher(SSL *s);
int lsh_ssl_current_cipher_id(SSL *s);
int lsh_ssl_set_host_name(SSL *s, const char *name);
int lsh_ssl_set1_host(SSL *s, const char *name);
int lsh_ssl_set1_ip_asc(SSL *s, const char *ip);
long lsh_ssl_set_max_cert_list(SSL *s, long n);
long lsh_ssl_get_max_cert_list(SSL *s);
void lsh_ssl_set_verify(SSL *s, int mode, int with_cb);
int lsh_ssl_has_verify_cb(SSL *s);
unsigned long lsh_ssl_get_verify_param_flags(SSL *s);
void lsh_ssl_set_verify_param_flags(SSL *s, unsigned long f);
void lsh_ssl_clear_verify_param_flags(SSL *s, unsigned long f);
int lsh_store_ctx_get1_current_cert(X509_STORE_CTX *x, X509 **out);
void lsh_ssl_set_info_cb(SSL *s, int on);
int lsh_ssl_has_info_cb(SSL *s);
BIO *lsh_bio_new_mem(void);
int lsh_bio_read(BIO *b, unsigned char *p, int len, int *retry);
void lsh_bio_set_mem_eof_return(BIO *b, int v);
int lsh_bio_is_mem(BIO *b);
int lsh_ssl_get1_rbio(SSL *s, BIO **out);
int lsh_ssl_get1_wbio(SSL *s, BIO **out);
void lsh_ssl_set0_bios(SSL *s, BIO *r, BIO *w);
int lsh_ssl_has_rbio(SSL *s);
int lsh_ssl_has_wbio(SSL *s);
int lsh_sess_i2d(SSL_SESSION *s, unsigned char *buf, int cap);
SSL_SESSION *lsh_sess_d2i(const unsigned char *p, long len, long *used);
int lsh_sess_get_id(SSL_SESSION *s, unsigned char *buf, int cap);
int lsh_sess_get_sid_ctx(SSL_SESSION *s, unsigned char *buf, int cap);
int lsh_x509_i2d(X509 *x, unsigned char *buf, int cap);
X509 *lsh_x509_from_pem(const char *pem, int len);
int64_t lsh_sess_get_time(SSL_SESSION *s);
int lsh_sess_set_time(SSL_SESSION *s, int64_t t);
int lsh_sess_set_timeout(SSL_SESSION *s, long t);
int lsh_ssl_write_early_data(SSL *s, const unsigned char *buf, int num, int *written);
/* The pump of a Conn over memory BIOs, one C call per step (issue 15).
 * lsh_feed_read appends in to the SSL's read BIO, marks its end when eof is
 * set, then SSL_reads into buf; ls_aux[0] is 1 once the input is in the BIO
 * (0: BIO_write failed and SSL_read was not called), ls_aux[1] the bytes
 * waiting in the write BIO. lsh_write_drain SSL_writes buf (when num > 0)
 * and, if that succeeded, BIO_reads the SSL's write BIO into out; ls_aux[0]
 * is the bytes drained, ls_aux[1] the bytes left in the write BIO. */
int lsh_feed_read(SSL *s, const unsigned char *in, int inlen, int eof, unsigned char *buf, int num);
int lsh_write_drain(SSL *s, const unsigned char *buf, int num, unsigned char *out, int cap);
int lsh_ssl_read_early_data(SSL *s, unsigned char *buf, int num, int *readbytes);
void lsh_ctx_set_read_ahead(SSL_CTX *c, int yes);
int lsh_ctx_get_read_ahead(SSL_CTX *c);
int lsh_ctx_add_extra_chain_cert(SSL_CTX *c, X509 *x);
void lsh_ctx_set_servername_cb(SSL_CTX *c, int on);
void lsh_ctx_set_sess_cbs(SSL_CTX *c, int new_on, int remove_on);
void lsh_ctx_set_info_cb(SSL_CTX *c, int on);
/* ALPN (shim_alpn.c). */
int lsh_ctx_set_alpn_select(SSL_CTX *c, const unsigned char *p, int len, int fatal);
int lsh_ctx_get_alpn_select(SSL_CTX *c, unsigned char *buf, int cap);
int lsh_ssl_alpn_selected(SSL *s, unsigned char *buf, int cap);

/* Issue 13 (shim_i13.c): the certificate-verify, certificate and key-log
 * callbacks, whose Go handles live in one SSL_CTX ex_data slot; session
 * ticket keys kept in C memory owned by the SSL_CTX; groups, keying
 * material, Finished messages. */
enum { LS_I13_CERT_VERIFY = 0, LS_I13_CERT = 1, LS_I13_KEYLOG = 2 };
typedef struct {
    unsigned char name[16];
    unsigned char aes[16];
    unsigned char hmac[32];
} lsh_ticket_key;
/* The SSL's session context (the context SSL_new was given; shim.c). */
SSL_CTX *ls_ssl_session_ctx(SSL *s);
int lsh_i13_set_handle(SSL_CTX *c, int which, uintptr_t h);
int lsh_xstore_verify(X509_STORE_CTX *x);
int lsh_xstore_get_error(X509_STORE_CTX *x);
void lsh_xstore_set_error(X509_STORE_CTX *x, int e);
int lsh_xstore_certs_der(X509_STORE_CTX *x, int which, unsigned char *buf, int cap);
int lsh_ssl_peer_ca_names_der(SSL *s, unsigned char *buf, int cap);
int lsh_ctx_set_ticket_keys(SSL_CTX *c, const unsigned char *keys, int n);
int lsh_ctx_ticket_key_count(SSL_CTX *c);
int lsh_ctx_set1_groups_list(SSL_CTX *c, const char *list);
int lsh_ssl_group_name(SSL *s, char *buf, int cap);
int lsh_ssl_export_keying_material(SSL *s, unsigned char *out, int olen, const char *label, int llen,
                                   const unsigned char *context, int clen, int use_context);
int lsh_ssl_finished(SSL *s, int peer, unsigned char *buf, int cap);
int lsh_ssl_pending_cipher_id(SSL *s);

/* The wrappers generated from shim.def. */
#include "zshim.h"

/* ---- issue 12 (session 3): session lookup, ClientHello, identity, state ---- */
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
enum { LS_CB_SESS_GET = 32, LS_CB_CLIENT_HELLO = 64 };
enum { LS_M_TLS1_CLIENT = 7, LS_M_TLS1_SERVER, LS_M_TLS1_1_CLIENT, LS_M_TLS1_1_SERVER,
       LS_M_TLS1_2_CLIENT, LS_M_TLS1_2_SERVER, LS_M_TLS1_3, LS_M_DTLS1_CLIENT,
       LS_M_DTLS1_SERVER, LS_M_DTLS1_2_CLIENT, LS_M_DTLS1_2_SERVER };
void lsh_ctx_set_sess_get_cb(SSL_CTX *c, int on);
void lsh_ctx_set_client_hello_cb(SSL_CTX *c, int on);
int lsh_client_hello_ciphers(SSL *s, unsigned char *buf, int cap);
int lsh_client_hello_compression(SSL *s, unsigned char *buf, int cap);
int lsh_client_hello_ext(SSL *s, int type, unsigned char *buf, int cap);
int lsh_client_hello_exts(SSL *s, int *buf, int cap);
int lsh_client_hello_isv2(SSL *s);
int lsh_ssl_verify_cb_from(SSL *s, SSL_CTX *c);
int lsh_ssl_method_id(SSL *s);
SSL_CTX *lsh_ssl_session_ctx(SSL *s);

int lsh_ssl_same_method(SSL *s, SSL *o);

#endif
