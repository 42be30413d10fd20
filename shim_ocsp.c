/*
 * shim_ocsp.c: checking an OCSP response for a certificate, and
 * certificate revocation lists in a context's verify store, declared in
 * shim.def under "OCSP stapling (ocsp.go)" and "Certificate revocation
 * lists (crl.go)". All the checking is libcrypto's: d2i_OCSP_RESPONSE,
 * OCSP_response_status, OCSP_response_get1_basic, OCSP_basic_verify,
 * OCSP_cert_to_id, OCSP_resp_find_status and OCSP_check_validity. No
 * capture here: the generated wrappers capture around each helper.
 */
#include "shim_internal.h"

#include <limits.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#ifndef OPENSSL_NO_OCSP
#include <openssl/ocsp.h>
#endif

/* Why a check failed: the LS_OCSP_* causes of ocsp_check.go. */
enum {
    LS_OCSP_MALFORMED = 1,
    LS_OCSP_NOT_SUCCESSFUL = 2,
    LS_OCSP_NO_BASIC = 3,
    LS_OCSP_SIGNATURE = 4,
    LS_OCSP_NOT_FOR_CERT = 5,
    LS_OCSP_VALIDITY = 6,
    LS_OCSP_INTERNAL = 7,
};

#ifndef OPENSSL_NO_OCSP
/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* A GeneralizedTime as Unix seconds into *out; 0 (and *out 0) when t is
 * NULL, 1 on success, -1 when it cannot be read (ASN1_TIME_to_tm). */
static int gtime_unix(const ASN1_GENERALIZEDTIME *t, int64_t *out)
{
    *out = 0;
    if (t == NULL)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return -1;
    *out = days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
           (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 1;
}

/* The check itself; out[0] the cause (0: found), out[1] the certificate's
 * status, out[2] the revocation reason, out[3] the response status, out[4]
 * which of t[0] (revocation time), t[1] (thisUpdate), t[2] (nextUpdate)
 * are set, as bits 1, 2, 4. Returns 1 when the response holds a status for
 * leaf that passed every check. */
static int ocsp_check(const unsigned char *p, int len, X509 *leaf, X509 *issuer, STACK_OF(X509) *certs,
                      X509_STORE *store, long skew, int *out, int64_t *t)
{
    const unsigned char *q = p;
    OCSP_RESPONSE *resp = NULL;
    OCSP_BASICRESP *bs = NULL;
    OCSP_CERTID *id = NULL;
    STACK_OF(X509) *signers = NULL; /* borrowed certificates */
    int ok = 0;

    out[0] = LS_OCSP_MALFORMED;
    if (p == NULL || len <= 0)
        goto done;
    resp = d2i_OCSP_RESPONSE(NULL, &q, len);
    if (resp == NULL || q != p + len)
        goto done;
    out[3] = OCSP_response_status(resp);
    out[0] = LS_OCSP_NOT_SUCCESSFUL;
    if (out[3] != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        goto done;
    out[0] = LS_OCSP_NO_BASIC;
    bs = OCSP_response_get1_basic(resp);
    if (bs == NULL)
        goto done;
    /* The issuer is the usual signer, and OCSP_basic_verify looks for the
     * signer only among the response's certificates and certs. */
    out[0] = LS_OCSP_INTERNAL;
    signers = certs != NULL ? sk_X509_dup(certs) : sk_X509_new_null();
    if (signers == NULL || !sk_X509_push(signers, issuer))
        goto done;
    out[0] = LS_OCSP_SIGNATURE;
    if (OCSP_basic_verify(bs, signers, store, 0) <= 0)
        goto done;
    out[0] = LS_OCSP_INTERNAL;
    id = OCSP_cert_to_id(NULL, leaf, issuer);
    if (id == NULL)
        goto done;
    int status = -1, reason = -1;
    ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
    out[0] = LS_OCSP_NOT_FOR_CERT;
    if (OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd) != 1)
        goto done;
    out[1] = status;
    out[2] = reason;
    out[4] = 0;
    if (gtime_unix(rev, &t[0]) > 0)
        out[4] |= 1;
    if (gtime_unix(thisupd, &t[1]) > 0)
        out[4] |= 2;
    if (gtime_unix(nextupd, &t[2]) > 0)
        out[4] |= 4;
    out[0] = LS_OCSP_VALIDITY;
    if (OCSP_check_validity(thisupd, nextupd, skew, -1) != 1)
        goto done;
    out[0] = 0;
    ok = 1;
done:
    sk_X509_free(signers);
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    return ok;
}
#endif

/* Checks the DER OCSP response p for leaf issued by issuer, the signer
 * verified against c's certificate store with certs[0..n) as untrusted
 * certificates (the issuer is one too). See ocsp_check for out and t. */
int lsh_ocsp_check(const unsigned char *p, int len, X509 *leaf, X509 *issuer, X509 **certs, int n, SSL_CTX *c,
                   long skew, int *out, int64_t *t)
{
#ifdef OPENSSL_NO_OCSP
    (void)p; (void)len; (void)leaf; (void)issuer; (void)certs; (void)n; (void)c; (void)skew; (void)t;
    out[0] = LS_OCSP_INTERNAL;
    return 0;
#else
    out[0] = LS_OCSP_INTERNAL;
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (sk == NULL)
        return 0;
    for (int i = 0; i < n; i++) {
        if (!sk_X509_push(sk, certs[i])) { /* borrowed: the caller keeps its references */
            sk_X509_free(sk);
            return 0;
        }
    }
    int ok = ocsp_check(p, len, leaf, issuer, sk, SSL_CTX_get_cert_store(c), skew, out, t);
    sk_X509_free(sk);
    return ok;
#endif
}

/* Checks the response a client connection received for its peer's leaf:
 * the issuer is the next certificate of the verified chain (of the chain
 * the peer sent when none was verified; the leaf itself when it is alone),
 * the signer is verified against the store of the SSL's context with that
 * chain as untrusted certificates. out[0] is LS_OCSP_MALFORMED when no
 * response arrived. */
int lsh_ssl_ocsp_check(SSL *s, long skew, int *out, int64_t *t)
{
#ifdef OPENSSL_NO_OCSP
    (void)s; (void)skew; (void)t;
    out[0] = LS_OCSP_INTERNAL;
    return 0;
#else
    const unsigned char *p = NULL;
    long len = SSL_get_tlsext_status_ocsp_resp(s, &p);
    out[0] = LS_OCSP_MALFORMED;
    if (p == NULL || len <= 0 || len > INT_MAX)
        return 0;
    out[0] = LS_OCSP_INTERNAL;
    STACK_OF(X509) *chain = SSL_get0_verified_chain(s);
    if (chain == NULL || sk_X509_num(chain) == 0)
        chain = SSL_get_peer_cert_chain(s);
    if (chain == NULL || sk_X509_num(chain) == 0)
        return 0;
    X509 *leaf = sk_X509_value(chain, 0);
    X509 *issuer = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : leaf;
    return ocsp_check(p, (int)len, leaf, issuer, chain, SSL_CTX_get_cert_store(SSL_get_SSL_CTX(s)), skew, out, t);
#endif
}

/* SSL_get_tlsext_status_type and SSL_CTX_get_tlsext_status_type (-1: none
 * set). */
int lsh_ssl_get_status_type(SSL *s) { return (int)SSL_get_tlsext_status_type(s); }
int lsh_ctx_get_status_type(SSL_CTX *c) { return (int)SSL_CTX_get_tlsext_status_type(c); }

/* ---- Certificate revocation lists ---- */

/* Adds the CRLs of p to c's certificate store (X509_STORE_add_crl, which
 * takes its own reference): every CRL of PEM text
 * (PEM_read_bio_X509_CRL), or one whole DER CRL (d2i_X509_CRL). Returns
 * how many were added, 0 on failure. */
int lsh_ctx_add_crls(SSL_CTX *c, const char *p, int len)
{
    X509_STORE *st = SSL_CTX_get_cert_store(c);
    if (p == NULL || len <= 0 || st == NULL)
        return 0;
    if ((unsigned char)p[0] == 0x30) { /* a DER SEQUENCE */
        const unsigned char *q = (const unsigned char *)p;
        X509_CRL *crl = d2i_X509_CRL(NULL, &q, len);
        if (crl == NULL)
            return 0;
        int ok = q == (const unsigned char *)p + len && X509_STORE_add_crl(st, crl) == 1;
        X509_CRL_free(crl);
        return ok;
    }
    BIO *b = BIO_new_mem_buf(p, len);
    if (b == NULL)
        return 0;
    int n = 0, ok = 1;
    X509_CRL *crl;
    while (ok && (crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
        ok = X509_STORE_add_crl(st, crl) == 1;
        X509_CRL_free(crl);
        n++;
    }
    BIO_free(b);
    if (!ok || !ls_pem_loop_ended_cleanly())
        return 0;
    return n;
}

void lsh_ctx_set_verify_param_flags(SSL_CTX *c, unsigned long f) { X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(c), f); }
unsigned long lsh_ctx_get_verify_param_flags(SSL_CTX *c) { return X509_VERIFY_PARAM_get_flags(SSL_CTX_get0_param(c)); }
