/*
 * shim_client_hello.c: the ClientHello accessors a ClientHello callback
 * uses (callbacks.go).
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
