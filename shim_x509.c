/*
 * shim_x509.c: helpers for X509 (x509.go) and the PEM reading the
 * certificate helpers of shim_ctx.c and shim_ssl.c share.
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The queue entry a PEM reader leaves at the end of its input. */
static int pem_end_of_input(unsigned long e)
{
    return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/* After a loop of PEM reads: 1 when the only thing queued is the
 * end-of-input entry (which is then cleared), 0 when a real error is queued
 * (a corrupt certificate after good ones) and stays for the capture. */
int ls_pem_loop_ended_cleanly(void)
{
    unsigned long first = ERR_peek_error();
    if (first == 0)
        return 1;
    if (pem_end_of_input(first) && ERR_peek_last_error() == first) {
        ERR_clear_error();
        return 1;
    }
    return 0;
}

/* Reads a leaf and its chain from PEM text in memory; NULL with the queue
 * holding the reason when the leaf or any chain certificate is unreadable. */
X509 *ls_pem_read_chain(const char *pem, int len, STACK_OF(X509) **chain)
{
    *chain = NULL;
    BIO *b = BIO_new_mem_buf(pem, len);
    if (b == NULL)
        return NULL;
    X509 *leaf = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL);
    if (leaf == NULL) {
        BIO_free(b);
        return NULL;
    }
    *chain = sk_X509_new_null();
    X509 *ca;
    while (*chain != NULL && (ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(*chain, ca)) {
            X509_free(ca);
            break;
        }
    }
    BIO_free(b);
    if (*chain == NULL || !ls_pem_loop_ended_cleanly()) {
        X509_free(leaf);
        sk_X509_pop_free(*chain, X509_free);
        *chain = NULL;
        return NULL;
    }
    return leaf;
}

EVP_PKEY *ls_pem_read_key(const char *pem, int len)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    if (b == NULL)
        return NULL;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    return k;
}

int lsh_store_ctx_get1_current_cert(X509_STORE_CTX *x, X509 **out)
{
    X509 *c = X509_STORE_CTX_get_current_cert(x);
    *out = NULL;
    if (c != NULL && !X509_up_ref(c))
        return 0;
    *out = c;
    return 1;
}

int lsh_x509_i2d(X509 *x, unsigned char *buf, int cap)
{
    int n = i2d_X509(x, NULL);
    if (buf == NULL || n <= 0 || n > cap)
        return n;
    unsigned char *p = buf;
    return i2d_X509(x, &p);
}

X509 *lsh_x509_from_pem(const char *pem, int len)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}
