/*
 * shim_groups.c: key exchange groups and finite-field DH parameters, the
 * SSL_ctrl/SSL_CTX_ctrl macros (SSL_set1_groups_list, SSL_set1_groups,
 * SSL_get_shared_group, SSL_set_dh_auto, SSL_get_tmp_key) that the
 * generated wrappers cannot call by name, and the set0 calls with the
 * reference they take made explicit (groups.go, dh.go). No capture here:
 * the generated wrappers capture around each helper.
 */
#include "shim_internal.h"

#include <string.h>

#include <openssl/pem.h>

int lsh_ssl_set1_groups_list(SSL *s, const char *list) { return (int)SSL_set1_groups_list(s, list); }

int lsh_ctx_set1_groups(SSL_CTX *c, const int *nids, int n) { return (int)SSL_CTX_set1_groups(c, nids, (size_t)n); }

int lsh_ssl_set1_groups(SSL *s, const int *nids, int n) { return (int)SSL_set1_groups(s, nids, (size_t)n); }

/* SSL_get_shared_group: the n-th shared group's NID (n >= 0), or with
 * n == -1 the number of shared groups; 0 when there is none. On a client
 * it always answers 0 (libssl computes shared groups on servers only). */
int lsh_ssl_get_shared_group(SSL *s, int n) { return (int)SSL_get_shared_group(s, n); }

/* SSL_group_to_name into buf: 1 when it has a name, 0 when not, -1 before
 * 3.0 (which lacks the call). */
int lsh_ssl_group_to_name(SSL *s, int id, char *buf, int cap)
{
    if (cap <= 0)
        return 0;
    buf[0] = '\0';
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    const char *n = SSL_group_to_name(s, id);
    if (n == NULL)
        return 0;
    strncpy(buf, n, (size_t)cap - 1);
    buf[cap - 1] = '\0';
    return 1;
#else
    (void)s;
    (void)id;
    return -1;
#endif
}

/* SSL_set_dh_auto: 1 on success. */
int lsh_ssl_set_dh_auto(SSL *s, int on) { return (int)SSL_set_dh_auto(s, on); }

/* Sets the DH parameters of k on a context, the caller keeping its own
 * reference: from 3.0 SSL_CTX_set0_tmp_dh_pkey takes a reference of its
 * own, up-ref'd here and dropped again when the call fails; before 3.0
 * SSL_CTX_set_tmp_dh copies the DH. 1 on success. */
int lsh_ctx_set_tmp_dh_pkey(SSL_CTX *c, EVP_PKEY *k)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    if (!EVP_PKEY_up_ref(k))
        return 0;
    if (!SSL_CTX_set0_tmp_dh_pkey(c, k)) {
        EVP_PKEY_free(k);
        return 0;
    }
    return 1;
#else
    DH *dh = EVP_PKEY_get0_DH(k);
    return dh != NULL ? (int)SSL_CTX_set_tmp_dh(c, dh) : 0;
#endif
}

/* The same on one connection (SSL_set0_tmp_dh_pkey, SSL_set_tmp_dh). */
int lsh_ssl_set_tmp_dh_pkey(SSL *s, EVP_PKEY *k)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    if (!EVP_PKEY_up_ref(k))
        return 0;
    if (!SSL_set0_tmp_dh_pkey(s, k)) {
        EVP_PKEY_free(k);
        return 0;
    }
    return 1;
#else
    DH *dh = EVP_PKEY_get0_DH(k);
    return dh != NULL ? (int)SSL_set_tmp_dh(s, dh) : 0;
#endif
}

/* Key parameters from PEM (PEM_read_bio_Parameters: "-----BEGIN DH
 * PARAMETERS-----", "-----BEGIN EC PARAMETERS-----"): a new EVP_PKEY
 * holding only the parameters, or NULL with the decoder's errors queued.
 * The caller checks the type (lsh_pkey_base_id). */
EVP_PKEY *lsh_params_from_pem(const char *pem, int len)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    if (b == NULL)
        return NULL;
    EVP_PKEY *k = PEM_read_bio_Parameters(b, NULL);
    BIO_free(b);
    return k;
}

/* EVP_PKEY_base_id: EVP_PKEY_DH (28) for DH parameters. */
int lsh_pkey_base_id(EVP_PKEY *k) { return EVP_PKEY_base_id(k); }

/* The size in bits of a key (EVP_PKEY_bits). */
int lsh_pkey_bits(EVP_PKEY *k) { return EVP_PKEY_bits(k); }

/* The size in bits of this side's temporary (key exchange) key
 * (SSL_get_tmp_key, whose reference is released here); -1 when there is
 * none. */
int lsh_ssl_tmp_key_bits(SSL *s)
{
    EVP_PKEY *k = NULL;
    if (!SSL_get_tmp_key(s, &k) || k == NULL)
        return -1;
    int bits = EVP_PKEY_bits(k);
    EVP_PKEY_free(k);
    return bits;
}
