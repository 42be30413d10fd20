/*
 * shim_alpn.h: ALPN (RFC 7301) and the few other SSL-level calls the
 * connection layer (openssl/) needs: the peer chain as DER, the IP address a
 * certificate must match, the cipher's protocol id and verify result texts.
 *
 * Same rules as shim.h: every fallible call is one ls_* function that clears
 * the thread's error queue, makes the call and drains the queue before it
 * returns. C keeps no Go pointer: the server's protocol list is copied into
 * C memory owned by the SSL_CTX (an ex_data slot whose free_func frees it).
 */
#ifndef LIBSSL_GO_SHIM_ALPN_H
#define LIBSSL_GO_SHIM_ALPN_H

#include "shim.h"

/* Client: the wire-format list (length-prefixed names) offered in the
 * ClientHello (SSL_CTX_set_alpn_protos, SSL_set_alpn_protos). ls_ret.ret is
 * libssl's result: 0 on success (sic). */
ls_ret ls_alpn_ctx_set_protos(SSL_CTX *c, const unsigned char *p, int len);
ls_ret ls_alpn_ssl_set_protos(SSL *s, const unsigned char *p, int len);

/* Server: copies the wire-format list into the context's ALPN slot and
 * installs the C select callback (SSL_CTX_set_alpn_select_cb). len 0 removes
 * the list and the callback. fatal: 1 sends no_application_protocol when
 * there is no overlap, 0 ignores the client's extension.
 * ls_ret.ret is 1 on success. */
ls_ret ls_alpn_ctx_set_select(SSL_CTX *c, const unsigned char *p, int len, int fatal);
/* The list the context holds, copied into buf; returns its length
 * (which may exceed cap), -1 when none is set. */
int ls_alpn_ctx_get_select(SSL_CTX *c, unsigned char *buf, int cap);

/* SSL_get0_alpn_selected, copied into buf; returns the length (0: none). */
int ls_alpn_selected(SSL *s, unsigned char *buf, int cap);

/* SSL_get_peer_cert_chain as DER, each certificate prefixed by its length
 * as 4 big-endian bytes; returns the length needed (may exceed cap; nothing
 * is written then), 0 without a chain, -1 when a certificate cannot be
 * encoded. */
int ls_alpn_peer_chain_der(SSL *s, unsigned char *buf, int cap);

/* X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), ip); ret 1 on success. */
ls_ret ls_alpn_ssl_set1_ip_asc(SSL *s, const char *ip);

/* SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(s)); 0 without one. */
int ls_alpn_current_cipher_id(SSL *s);

/* X509_verify_cert_error_string(v): a static string. */
const char *ls_alpn_verify_string(long v);

#endif
