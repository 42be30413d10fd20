/*
 * shim_sigalgs.c: signature algorithm lists and the signature algorithms a
 * handshake used, the SSL_ctrl/SSL_CTX_ctrl macros among them
 * (SSL_CTX_set1_sigalgs_list, SSL_get_signature_nid,
 * SSL_get0_peer_signature_name ...) that the generated wrappers cannot call
 * by name (sigalgs.go). No capture here: the generated wrappers capture
 * around each helper.
 */
#include "shim_internal.h"

#include <string.h>

int lsh_ctx_set1_sigalgs_list(SSL_CTX *c, const char *list) { return (int)SSL_CTX_set1_sigalgs_list(c, list); }

int lsh_ssl_set1_sigalgs_list(SSL *s, const char *list) { return (int)SSL_set1_sigalgs_list(s, list); }

int lsh_ctx_set1_client_sigalgs_list(SSL_CTX *c, const char *list)
{
    return (int)SSL_CTX_set1_client_sigalgs_list(c, list);
}

int lsh_ssl_set1_client_sigalgs_list(SSL *s, const char *list)
{
    return (int)SSL_set1_client_sigalgs_list(s, list);
}

/* SSL_CTX_set1_sigalgs: list holds n NIDs, pairs of digest and key type. */
int lsh_ctx_set1_sigalgs(SSL_CTX *c, const int *list, int n) { return (int)SSL_CTX_set1_sigalgs(c, list, (long)n); }

int lsh_ssl_set1_sigalgs(SSL *s, const int *list, int n) { return (int)SSL_set1_sigalgs(s, list, (long)n); }

/* This side's signature in the handshake: the digest's NID
 * (SSL_get_signature_nid) into out[0] and the signature algorithm's
 * (SSL_get_signature_type_nid) into out[1], -1 for each libssl does not
 * know. Always 1. */
int lsh_ssl_signature_nids(SSL *s, int *out)
{
    int nid = NID_undef;
    out[0] = SSL_get_signature_nid(s, &nid) ? nid : -1;
    nid = NID_undef;
    out[1] = SSL_get_signature_type_nid(s, &nid) ? nid : -1;
    return 1;
}

/* The TLS name of the signature scheme this side (peer == 0) or the peer
 * (peer != 0) signed the handshake with (SSL_get0_signature_name,
 * SSL_get0_peer_signature_name, OpenSSL 3.5): 1, with buf "" when there
 * was none. */
int lsh_ssl_signature_name(SSL *s, int peer, char *buf, int cap)
{
    const char *n = NULL;
    if (cap <= 0)
        return 0;
    buf[0] = '\0';
#if OPENSSL_VERSION_NUMBER >= 0x30500000L
    if (!(peer ? SSL_get0_peer_signature_name(s, &n) : SSL_get0_signature_name(s, &n)))
        n = NULL;
#else
    (void)s;
    (void)peer;
#endif
    if (n != NULL) {
        strncpy(buf, n, (size_t)cap - 1);
        buf[cap - 1] = '\0';
    }
    return 1;
}

/* The idx-th signature algorithm the peer offered (shared == 0,
 * SSL_get_sigalgs) or both sides share (SSL_get_shared_sigalgs): out[0]
 * the key type's NID, out[1] the digest's, out[2] the combined NID,
 * out[3] the TLS code point (rhash << 8 | rsig). Returns the number of
 * algorithms in the list (0 when none or idx is past the end, when out is
 * left alone). */
int lsh_ssl_sigalg(SSL *s, int shared, int idx, int *out)
{
    int sign = 0, hash = 0, signhash = 0;
    unsigned char rsig = 0, rhash = 0;
    int n = shared ? SSL_get_shared_sigalgs(s, idx, &sign, &hash, &signhash, &rsig, &rhash)
                   : SSL_get_sigalgs(s, idx, &sign, &hash, &signhash, &rsig, &rhash);
    if (n > 0 && idx >= 0 && idx < n) {
        out[0] = sign;
        out[1] = hash;
        out[2] = signhash;
        out[3] = ((int)rhash << 8) | rsig;
    }
    return n;
}
