/*
 * shim_internal.h: what the C files of the boundary (shim_*.c) share among
 * themselves. Go includes shim.h only.
 */
#ifndef LIBSSL_GO_SHIM_INTERNAL_H
#define LIBSSL_GO_SHIM_INTERNAL_H

#include "shim.h"

#define IS_OSSL3 (OPENSSL_VERSION_NUMBER >= 0x30000000L)

/* The SSL_METHOD of an LS_M_* id; NULL for an unknown one (shim_ctx.c). */
const SSL_METHOD *ls_method_for(int id);
/* The names of a cipher stack joined by ':' into buf (shim_ctx.c). */
int ls_join_ciphers(STACK_OF(SSL_CIPHER) *sk, char *buf, int cap);
/* PEM text in memory (shim_x509.c). */
int ls_pem_loop_ended_cleanly(void);
X509 *ls_pem_read_chain(const char *pem, int len, STACK_OF(X509) **chain);
EVP_PKEY *ls_pem_read_key(const char *pem, int len);

/* The callback registry (shim_slots.c; shim.h has the kinds). A cell is one
 * Go cgo.Handle with the count of its holders: slots of boxes, and
 * trampolines running the callback. */
typedef struct {
    uintptr_t h;
    int refs;
} ls_cell;
/* The ticket keys an SSL_CTX box holds (shim_ctxhooks.c). */
#define LS_MAX_TICKET_KEYS 16
typedef struct {
    int n;
    lsh_ticket_key k[LS_MAX_TICKET_KEYS];
} ls_ticket_keys;
typedef struct {
    pthread_mutex_t mu;   /* guards slot swaps, cell lookups and the keys */
    int n;                /* slots: LS_CB_KINDS (SSL_CTX), LS_CB_SSL_KINDS (SSL) */
    ls_ticket_keys *keys; /* SSL_CTX only; NULL until SetTicketKeys */
    ls_cell *slot[];      /* by kind, the first n kinds */
} ls_box;
/* The box of a context (made by SSL_CTX_new through the index's new
 * function; NULL only when that allocation failed). */
ls_box *ls_ctx_box(SSL_CTX *c);
/* A reference on the cell in slot kind of the context's (the SSL's) box,
 * NULL when the slot is empty; give it back with ls_cell_release, which
 * deletes the handle when it was the last. */
ls_cell *ls_ctx_cell(SSL_CTX *c, int kind);
ls_cell *ls_ssl_cell(SSL *s, int kind);
void ls_cell_release(ls_cell *cl);
/* Installs (on) or removes libssl's callback of a context kind that
 * shim_ctxhooks.c serves (LS_CB_CERT_VERIFY, LS_CB_CERT, LS_CB_KEYLOG). */
void ls_ctx_install_hook(SSL_CTX *c, int kind, int on);
/* Installs or removes libssl's callback of a kind shim_features.c serves
 * (LS_CB_TICKET_GEN, LS_CB_TICKET_DEC, LS_CB_STATUS), under the box's lock. */
void ls_features_install(SSL_CTX *c, ls_box *b, int kind);
/* Installs (on) or removes libssl's callback of a kind shim_psk.c serves
 * (LS_CB_PSK_CLIENT, LS_CB_PSK_SERVER, LS_CB_CLIENT_CERT). */
void ls_psk_install(SSL_CTX *c, int kind, int on);
/* The same for an SSL's own TLS 1.3 PSK session callbacks
 * (LS_CB_PSK_USE_SESSION, LS_CB_PSK_FIND_SESSION: SSL_set_psk_*_callback). */
void ls_psk_ssl_install(SSL *s, int kind, int on);
/* The Go ticket key callback's verdict (shim_features.c): 1 to go on with
 * the context's ticket keys, else what the ticket key callback returns. */
int ls_ticket_key_hook(SSL *s, int enc);
/* Writes the DER of a stack's items (i2d: i2d_X509, i2d_X509_NAME through
 * a wrapper), each after its length as 4 big-endian bytes, into buf when
 * all fit in cap; returns the length needed, -1 when an item cannot be
 * encoded or the total exceeds INT_MAX (shim_ctxhooks.c). */
int ls_der_list(const OPENSSL_STACK *sk, int (*i2d)(const void *item, unsigned char **out), unsigned char *buf,
                int cap);
int ls_i2d_x509(const void *x, unsigned char **out);

/* Library contexts (shim_libctx.c): the counted record of an OSSL_LIB_CTX
 * that LibCtx handles, providers, SSL_CTXs and stored objects share, and
 * the ex_data slots on X509 and EVP_PKEY that hold a reference on it for
 * objects loaded from a store (shim_store.c). NULL is the default context. */
typedef struct ls_librec ls_librec;
void ls_librec_ref(ls_librec *r);
void ls_librec_release(ls_librec *r);
void *ls_librec_lc(ls_librec *r); /* its OSSL_LIB_CTX (NULL: the default) */
int ls_librec_attach_x509(X509 *x, ls_librec *r);
int ls_librec_attach_pkey(EVP_PKEY *k, ls_librec *r);
void ls_librec_note_ssl(SSL_CTX *c); /* an SSL made from, or moved to, c */
void ls_librec_note_shared(ls_librec *r); /* r's objects are used on any thread */

#endif
