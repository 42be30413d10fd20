/*
 * shim.h: the only C in libssl-go besides shim.c.
 *
 * Every libssl call that can fail goes through one ls_* function here that
 * clears the thread's error queue, makes the call, reads SSL_get_error and
 * errno, and drains the queue into an ls_errq before it returns to Go. Go
 * never reads the error queue in a second cgo call: a goroutine can move to
 * another OS thread between two calls, and the queue belongs to the thread.
 *
 * Other helpers wrap libssl macros (cgo cannot call macros), paper over the
 * differences between 1.1.1 and 3.x, and implement the destruction probe and
 * the ex_data slots that carry cgo.Handle values.
 */
#ifndef LIBSSL_GO_SHIM_H
#define LIBSSL_GO_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/opensslv.h>
#include <openssl/crypto.h>

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
} ls_ret;

void ls_errq_free(ls_errq *q);

/* The capture protocol, for every shim file: ls_begin() clears the queue and
 * errno before the call; ls_finish_* read errno (and SSL_get_error for SSL
 * I/O) and drain the queue after it. */
void ls_begin(void);
ls_ret ls_finish_ptr(void *p);
ls_ret ls_finish_int(long v);
ls_ret ls_finish_io(SSL *s, int v);
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

/* ex_data slots carrying a Go cgo.Handle for callbacks, shared by SSL_dup
 * through a reference-counted box; the last holder's free releases it. */
enum { LS_CB_VERIFY = 1, LS_CB_INFO = 2 };
/* Return 0 (having released h) when the box cannot be allocated. */
int ls_ssl_set_gohandle(SSL *s, uintptr_t h, int flags);
int ls_ctx_set_gohandle(SSL_CTX *c, uintptr_t h, int flags);
uintptr_t ls_ssl_get_gohandle(SSL *s);
/* How many times the Go-handle slot's dup_func has run (SSL_dup copies). */
int64_t ls_gobox_dup_calls(void);
uintptr_t ls_ctx_get_gohandle(SSL_CTX *c);

/* Methods. */
enum { LS_M_TLS = 1, LS_M_TLS_CLIENT, LS_M_TLS_SERVER, LS_M_DTLS, LS_M_DTLS_CLIENT, LS_M_DTLS_SERVER };
int ls_method_id(const SSL_METHOD *m);

/* SSL_CTX. */
ls_ret ls_ctx_new(int method);
int ls_ctx_up_ref(SSL_CTX *c);
void ls_ctx_free(SSL_CTX *c);
uint64_t ls_ctx_set_options(SSL_CTX *c, uint64_t op);
uint64_t ls_ctx_clear_options(SSL_CTX *c, uint64_t op);
uint64_t ls_ctx_get_options(SSL_CTX *c);
long ls_ctx_set_mode(SSL_CTX *c, long m);
long ls_ctx_clear_mode(SSL_CTX *c, long m);
long ls_ctx_get_mode(SSL_CTX *c);
void ls_ctx_set_verify(SSL_CTX *c, int mode, int with_cb);
ls_ret ls_ctx_set_proto(SSL_CTX *c, int which, int version); /* which: 0 min, 1 max */
int ls_ctx_get_proto(SSL_CTX *c, int which);
ls_ret ls_ctx_set_cipher_list(SSL_CTX *c, const char *s);
ls_ret ls_ctx_set_ciphersuites(SSL_CTX *c, const char *s);
ls_ret ls_ctx_use_cert_chain_pem(SSL_CTX *c, const char *pem, int len);
ls_ret ls_ctx_use_key_pem(SSL_CTX *c, const char *pem, int len);
ls_ret ls_ctx_use_cert_chain_file(SSL_CTX *c, const char *path);
ls_ret ls_ctx_use_key_file(SSL_CTX *c, const char *path);
ls_ret ls_ctx_check_private_key(SSL_CTX *c);
ls_ret ls_ctx_load_verify_locations(SSL_CTX *c, const char *file, const char *dir);
ls_ret ls_ctx_set_default_verify_paths(SSL_CTX *c);
ls_ret ls_ctx_add_ca_pem(SSL_CTX *c, const char *pem, int len);
ls_ret ls_ctx_set_sid_ctx(SSL_CTX *c, const unsigned char *p, int len);
long ls_ctx_set_cache_mode(SSL_CTX *c, long m);
long ls_ctx_get_cache_mode(SSL_CTX *c);
long ls_ctx_set_cache_size(SSL_CTX *c, long n);
long ls_ctx_get_cache_size(SSL_CTX *c);
long ls_ctx_sess_stat(SSL_CTX *c, int which);
ls_ret ls_ctx_set_num_tickets(SSL_CTX *c, size_t n);
ls_ret ls_ctx_add_session(SSL_CTX *c, SSL_SESSION *s);
int ls_ctx_remove_session(SSL_CTX *c, SSL_SESSION *s);
void ls_ctx_flush_sessions(SSL_CTX *c, long t);

/* SSL lifecycle: the five mirrored functions and SSL_free. */
ls_ret ls_ssl_new(SSL_CTX *c);
ls_ret ls_ssl_dup(SSL *s);
ls_ret ls_ssl_up_ref(SSL *s);
ls_ret ls_ssl_clear(SSL *s);
ls_ret ls_ssl_set_session(SSL *s, SSL_SESSION *sess);
void ls_ssl_free(SSL *s);
ls_ret ls_ssl_set_method(SSL *s, int method);
void ls_free_null(void); /* SSL_free, SSL_CTX_free, SSL_SESSION_free of NULL */

/* SSL settings and state. */
uint64_t ls_ssl_set_options(SSL *s, uint64_t op);
uint64_t ls_ssl_clear_options(SSL *s, uint64_t op);
uint64_t ls_ssl_get_options(SSL *s);
long ls_ssl_set_mode(SSL *s, long m);
long ls_ssl_clear_mode(SSL *s, long m);
long ls_ssl_get_mode(SSL *s);
void ls_ssl_set_verify(SSL *s, int mode, int with_cb);
int ls_ssl_has_verify_cb(SSL *s);
int ls_ctx_has_verify_cb(SSL_CTX *c);
void ls_ssl_set_info_cb(SSL *s, int on);
int ls_ssl_has_info_cb(SSL *s);
ls_ret ls_ssl_set_proto(SSL *s, int which, int version);
int ls_ssl_get_proto(SSL *s, int which);
ls_ret ls_ssl_set_cipher_list(SSL *s, const char *str);
ls_ret ls_ssl_set_ciphersuites(SSL *s, const char *str);
/* Cipher names, ':'-joined into buf; returns the length needed (may exceed cap). */
int ls_ssl_cipher_names(SSL *s, char *buf, int cap);
int ls_ctx_cipher_names(SSL_CTX *c, char *buf, int cap);
const char *ls_ssl_current_cipher(SSL *s);
ls_ret ls_ssl_set_host_name(SSL *s, const char *name);
const char *ls_ssl_get_servername(SSL *s);
ls_ret ls_ssl_set1_host(SSL *s, const char *name);
ls_ret ls_ssl_set_sid_ctx(SSL *s, const unsigned char *p, int len);
unsigned long ls_ssl_get_verify_param_flags(SSL *s);
void ls_ssl_set_verify_param_flags(SSL *s, unsigned long f);
void ls_ssl_clear_verify_param_flags(SSL *s, unsigned long f);
ls_ret ls_ssl_set_num_tickets(SSL *s, size_t n);
ls_ret ls_ssl_use_cert_pem(SSL *s, const char *pem, int len);
ls_ret ls_ssl_use_key_pem(SSL *s, const char *pem, int len);
ls_ret ls_ssl_add_ca_name_pem(SSL *s, const char *pem, int len);
int ls_ssl_ca_list_count(SSL *s);
const void *ls_ssl_ca_list_ptr(SSL *s);
ls_ret ls_ssl_ca_name(SSL *s, int i, char *buf, int cap);
ls_ret ls_ssl_set_ssl_ctx(SSL *s, SSL_CTX *c);
SSL_CTX *ls_ssl_get1_ctx(SSL *s);
const SSL_METHOD *ls_ssl_get_method(SSL *s);
const SSL_METHOD *ls_ctx_get_method(SSL_CTX *c);
X509 *ls_ssl_get1_certificate(SSL *s);
EVP_PKEY *ls_ssl_get1_privatekey(SSL *s);
X509 *ls_ssl_get1_peer_certificate(SSL *s);
int ls_ssl_peer_chain_len(SSL *s);
SSL_SESSION *ls_ssl_get1_session(SSL *s);
SSL_SESSION *ls_ssl_get0_session(SSL *s);
BIO *ls_ssl_get1_rbio(SSL *s);
BIO *ls_ssl_get1_wbio(SSL *s);
void ls_ssl_set0_bios(SSL *s, BIO *r, BIO *w);
int ls_ssl_has_rbio(SSL *s);
int ls_ssl_has_wbio(SSL *s);
ls_ret ls_ssl_renegotiate(SSL *s);
int ls_ssl_renegotiate_pending(SSL *s);
long ls_ssl_set_max_cert_list(SSL *s, long n);
long ls_ssl_get_max_cert_list(SSL *s);

/* SSL-level I/O; ls_ret.ret is the libssl return, ssl_error its SSL_get_error.
 * Buffers are unsigned char *, never void *: cgo checks an unsafe.Pointer
 * argument by scanning the whole Go object it points into, so a byte array
 * that is a field of a struct holding pointers (net/http's 1-byte read
 * buffer) would panic, though the bytes themselves hold no pointers and are
 * legal to pass. A pointer to bytes is checked as what it is. */
ls_ret ls_ssl_do_handshake(SSL *s);
ls_ret ls_ssl_read(SSL *s, unsigned char *buf, int len);
ls_ret ls_ssl_peek(SSL *s, unsigned char *buf, int len);
ls_ret ls_ssl_write(SSL *s, const unsigned char *buf, int len);
ls_ret ls_ssl_shutdown(SSL *s);

/* Memory BIOs. */
ls_ret ls_bio_new_mem(void);
int ls_bio_up_ref(BIO *b);
void ls_bio_free(BIO *b);
ls_ret ls_bio_write(BIO *b, const unsigned char *p, int len);
ls_ret ls_bio_read(BIO *b, unsigned char *p, int len);
size_t ls_bio_pending(BIO *b);
void ls_bio_set_mem_eof_return(BIO *b, int v);
int ls_bio_is_mem(BIO *b);

/* SSL_SESSION. */
int ls_sess_up_ref(SSL_SESSION *s);
void ls_sess_free(SSL_SESSION *s);
/* i2d into buf when cap is enough; returns the DER length, or <= 0 on failure. */
int ls_sess_i2d_len(SSL_SESSION *s);
int ls_sess_i2d(SSL_SESSION *s, unsigned char *buf, int cap);
ls_ret ls_sess_d2i(const unsigned char *p, long len);
int ls_sess_get_id(SSL_SESSION *s, unsigned char *buf, int cap);
int ls_sess_get_sid_ctx(SSL_SESSION *s, unsigned char *buf, int cap);
ls_ret ls_sess_set_sid_ctx(SSL_SESSION *s, const unsigned char *p, int len);

/* X509 and EVP_PKEY (borrowed pointers are up-ref'd by the getters above). */
int ls_x509_up_ref(X509 *x);
void ls_x509_free(X509 *x);
int ls_x509_i2d(X509 *x, unsigned char *buf, int cap);
ls_ret ls_x509_from_pem(const char *pem, int len);
int ls_x509_cmp(X509 *a, X509 *b);
int ls_pkey_up_ref(EVP_PKEY *k);
void ls_pkey_free(EVP_PKEY *k);

#endif
