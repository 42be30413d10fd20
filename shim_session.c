/*
 * shim_session.c: helpers for SSL_SESSION (ssl_session.go): DER, ids,
 * time and timeout.
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int64_t lsh_sess_get_time(SSL_SESSION *s)
{
#if OPENSSL_VERSION_NUMBER >= 0x30300000L
    return (int64_t)SSL_SESSION_get_time_ex(s); /* SSL_SESSION_get_time: deprecated since 3.4, not Y2038-safe */
#else
    return (int64_t)SSL_SESSION_get_time(s);
#endif
}

int lsh_sess_set_time(SSL_SESSION *s, int64_t t)
{
#if OPENSSL_VERSION_NUMBER >= 0x30300000L
    return SSL_SESSION_set_time_ex(s, (time_t)t) != 0; /* set_time: deprecated since 3.4 */
#else
    return SSL_SESSION_set_time(s, (long)t) != 0;
#endif
}

int lsh_sess_set_timeout(SSL_SESSION *s, long t) { return SSL_SESSION_set_timeout(s, t) != 0; }
