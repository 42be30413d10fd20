/*
 * shim_io.c: SSL I/O beyond one libssl call (io.go): early data with int
 * lengths, and the pump of a Conn over memory BIOs, one C call per step.
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SSL_write_early_data and SSL_read_early_data with int lengths: the Go side
 * never passes more than 1 GiB. */
int lsh_ssl_write_early_data(SSL *s, const unsigned char *buf, int num, int *written)
{
    size_t w = 0;
    int r = SSL_write_early_data(s, buf, (size_t)num, &w);
    *written = (int)w;
    return r;
}

static int wbio_pending(SSL *s)
{
    BIO *w = SSL_get_wbio(s);
    size_t n = w != NULL ? BIO_ctrl_pending(w) : 0;
    return n > INT_MAX ? INT_MAX : (int)n;
}

int lsh_feed_read(SSL *s, const unsigned char *in, int inlen, int eof, unsigned char *buf, int num)
{
    BIO *r = SSL_get_rbio(s);
    ls_aux[0] = ls_aux[1] = 0;
    if (inlen > 0 && r == NULL)
        return -2; /* aux[0] 0: not fed, no read BIO */
    if (inlen > 0 && BIO_write(r, in, inlen) != inlen)
        return -1; /* aux[0] 0: not fed; what BIO_write queued tells why */
    if (eof && r != NULL)
        (void)BIO_set_mem_eof_return(r, 0);
    int n = SSL_read(s, buf, num);
    ls_aux[0] = 1;
    ls_aux[1] = wbio_pending(s);
    return n;
}

int lsh_write_drain(SSL *s, const unsigned char *buf, int num, unsigned char *out, int cap)
{
    int n = num > 0 ? SSL_write(s, buf, num) : 1;
    ls_aux[0] = ls_aux[1] = 0;
    if (n <= 0)
        return n; /* SSL_get_error must see the BIOs as SSL_write left them */
    BIO *w = SSL_get_wbio(s);
    int d = 0;
    if (w != NULL && cap > 0) {
        d = BIO_read(w, out, cap);
        if (d < 0)
            d = 0;
    }
    int p = wbio_pending(s);
    ls_aux[0] = d;
    ls_aux[1] = p;
    return n;
}

int lsh_ssl_read_early_data(SSL *s, unsigned char *buf, int num, int *readbytes)
{
    size_t n = 0;
    int r = SSL_read_early_data(s, buf, (size_t)num, &n);
    *readbytes = (int)n;
    return r;
}
