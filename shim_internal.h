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

#endif
