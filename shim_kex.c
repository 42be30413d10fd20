/*
 * shim_kex.c: key exchange and certificate settings that are macros over
 * SSL_CTX_ctrl/SSL_ctrl (so the generated wrappers cannot call them by
 * name), declared in shim.def under "Key exchange and certificate
 * compression": automatic DH parameters and the raw negotiated group. No
 * capture here: the generated wrappers capture around each helper.
 */
#include "shim_internal.h"

/* SSL_CTX_set_dh_auto: 1 on success. */
int lsh_ctx_set_dh_auto(SSL_CTX *c, int on)
{
    return (int)SSL_CTX_set_dh_auto(c, on);
}

/* SSL_get_negotiated_group as libssl answers it: a NID, or
 * TLSEXT_nid_unknown | the TLS group id for a group without one; 0 when
 * there is none. -1 on a build before 3.0, which lacks the call. */
int lsh_ssl_negotiated_group_id(SSL *s)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    /* 3.0's SSL_get_negotiated_group dereferences the session: an SSL
     * before its first handshake has none, and there is no group. */
    if (SSL_get_session(s) == NULL)
        return 0;
    return (int)SSL_get_negotiated_group(s);
#else
    (void)s;
    return -1;
#endif
}
