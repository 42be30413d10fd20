/*
 * shim_bio.c: helpers for BIO (bio.go): memory BIOs and an SSL's BIOs.
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

BIO *lsh_bio_new_mem(void) { return BIO_new(BIO_s_mem()); }

/* BIO_read, with BIO_should_retry in *retry (1: empty, may be retried). */
int lsh_bio_read(BIO *b, unsigned char *p, int len, int *retry)
{
    int r = BIO_read(b, p, len);
    *retry = r <= 0 && BIO_should_retry(b);
    return r;
}

void lsh_bio_set_mem_eof_return(BIO *b, int v) { (void)BIO_set_mem_eof_return(b, v); }
int lsh_bio_is_mem(BIO *b) { return BIO_method_type(b) == BIO_TYPE_MEM; }

int lsh_ssl_get1_rbio(SSL *s, BIO **out)
{
    BIO *b = SSL_get_rbio(s);
    *out = NULL;
    if (b != NULL && !BIO_up_ref(b))
        return 0;
    *out = b;
    return 1;
}

int lsh_ssl_get1_wbio(SSL *s, BIO **out)
{
    BIO *b = SSL_get_wbio(s);
    *out = NULL;
    if (b != NULL && !BIO_up_ref(b))
        return 0;
    *out = b;
    return 1;
}

void lsh_ssl_set0_bios(SSL *s, BIO *rbio, BIO *wbio)
{
    /* set0 takes exactly one reference each and frees the previous BIO,
     * unlike SSL_set_bio's special cases; the caller up-ref'd both. */
    SSL_set0_rbio(s, rbio);
    SSL_set0_wbio(s, wbio);
}

int lsh_ssl_has_rbio(SSL *s) { return SSL_get_rbio(s) != NULL; }
int lsh_ssl_has_wbio(SSL *s) { return SSL_get_wbio(s) != NULL; }
