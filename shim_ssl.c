/*
 * shim_ssl.c: helpers for SSL (ssl_new.go, ssl_options.go, ssl_verify.go,
 * ssl_cert.go, ssl_state.go, groups.go, export.go): methods, modes,
 * versions, ciphers, names, certificates, CA lists, the peer's chain, the
 * negotiated group, keying material and Finished messages.
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/objects.h>
#include <openssl/ec.h>

int lsh_ssl_get1_ctx(SSL *s, SSL_CTX **out)
{
    SSL_CTX *c = SSL_get_SSL_CTX(s);
    *out = NULL;
    if (c != NULL && !SSL_CTX_up_ref(c))
        return 0;
    *out = c;
    return 1;
}

int lsh_ssl_set_method(SSL *s, int method)
{
    const SSL_METHOD *m = ls_method_for(method);
    return m != NULL ? SSL_set_ssl_method(s, m) : 0;
}

long lsh_ssl_set_mode(SSL *s, long m) { return SSL_set_mode(s, m); }
long lsh_ssl_clear_mode(SSL *s, long m) { return SSL_clear_mode(s, m); }
long lsh_ssl_get_mode(SSL *s) { return SSL_get_mode(s); }
int lsh_ssl_set_min_proto(SSL *s, int v) { return (int)SSL_set_min_proto_version(s, v); }
int lsh_ssl_set_max_proto(SSL *s, int v) { return (int)SSL_set_max_proto_version(s, v); }
int lsh_ssl_get_min_proto(SSL *s) { return (int)SSL_get_min_proto_version(s); }
int lsh_ssl_get_max_proto(SSL *s) { return (int)SSL_get_max_proto_version(s); }
int lsh_ssl_cipher_names(SSL *s, char *buf, int cap) { return ls_join_ciphers(SSL_get_ciphers(s), buf, cap); }

const char *lsh_ssl_current_cipher(SSL *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s);
    return c ? SSL_CIPHER_get_name(c) : NULL;
}

int lsh_ssl_current_cipher_id(SSL *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s);
    return c ? (int)SSL_CIPHER_get_protocol_id(c) : 0;
}

int lsh_ssl_set_host_name(SSL *s, const char *name) { return (int)SSL_set_tlsext_host_name(s, name); }

int lsh_ssl_set1_host(SSL *s, const char *name)
{
#if OPENSSL_VERSION_NUMBER >= 0x40000000L
    /* SSL_set1_host is deprecated since 4.0; its replacement is the
     * verify parameter's own host list. */
    return X509_VERIFY_PARAM_set1_host(SSL_get0_param(s), name, 0);
#else
    return SSL_set1_host(s, name);
#endif
}

int lsh_ssl_set1_ip_asc(SSL *s, const char *ip) { return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), ip); }
long lsh_ssl_set_max_cert_list(SSL *s, long n) { return SSL_set_max_cert_list(s, n); }
long lsh_ssl_get_max_cert_list(SSL *s) { return SSL_get_max_cert_list(s); }

int lsh_ssl_has_verify_cb(SSL *s) { return SSL_get_verify_callback(s) != NULL; }
unsigned long lsh_ssl_get_verify_param_flags(SSL *s) { return X509_VERIFY_PARAM_get_flags(SSL_get0_param(s)); }
void lsh_ssl_set_verify_param_flags(SSL *s, unsigned long f) { X509_VERIFY_PARAM_set_flags(SSL_get0_param(s), f); }
void lsh_ssl_clear_verify_param_flags(SSL *s, unsigned long f) { X509_VERIFY_PARAM_clear_flags(SSL_get0_param(s), f); }

int lsh_ssl_use_cert_pem(SSL *s, const char *pem, int len)
{
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = ls_pem_read_chain(pem, len, &chain);
    int ok = leaf != NULL && SSL_use_certificate(s, leaf) == 1;
    if (ok && sk_X509_num(chain) > 0)
        ok = SSL_set1_chain(s, chain) == 1;
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return ok;
}

int lsh_ssl_use_key_pem(SSL *s, const char *pem, int len)
{
    EVP_PKEY *k = ls_pem_read_key(pem, len);
    int ok = k != NULL && SSL_use_PrivateKey(s, k) == 1;
    EVP_PKEY_free(k);
    return ok;
}

int lsh_ssl_add_ca_name_pem(SSL *s, const char *pem, int len)
{
    BIO *b = BIO_new_mem_buf(pem, len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    int ok = x != NULL && SSL_add1_to_CA_list(s, x) == 1;
    X509_free(x);
    BIO_free(b);
    return ok;
}

int lsh_ssl_ca_list_count(SSL *s)
{
    const STACK_OF(X509_NAME) *sk = SSL_get0_CA_list(s);
    return sk ? sk_X509_NAME_num(sk) : 0;
}

const void *lsh_ssl_ca_list_ptr(SSL *s) { return SSL_get0_CA_list(s); }

int lsh_ssl_ca_name(SSL *s, int i, char *buf, int cap)
{
    const STACK_OF(X509_NAME) *sk = SSL_get0_CA_list(s);
    X509_NAME *n = sk && i >= 0 && i < sk_X509_NAME_num(sk) ? sk_X509_NAME_value(sk, i) : NULL;
    int ok = 0;
    if (n != NULL && cap > 0) {
        BIO *b = BIO_new(BIO_s_mem());
        if (b != NULL && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
            int l = BIO_read(b, buf, cap - 1);
            buf[l > 0 ? l : 0] = '\0';
            ok = 1;
        }
        BIO_free(b);
    }
    return ok;
}

int lsh_ssl_get1_certificate(SSL *s, X509 **out)
{
    X509 *x = SSL_get_certificate(s);
    *out = NULL;
    if (x != NULL && !X509_up_ref(x))
        return 0;
    *out = x;
    return 1;
}

int lsh_ssl_get1_privatekey(SSL *s, EVP_PKEY **out)
{
    EVP_PKEY *k = SSL_get_privatekey(s);
    *out = NULL;
    if (k != NULL && !EVP_PKEY_up_ref(k))
        return 0;
    *out = k;
    return 1;
}

X509 *lsh_ssl_get1_peer_certificate(SSL *s)
{
#if IS_OSSL3
    return SSL_get1_peer_certificate(s);
#else
    return SSL_get_peer_certificate(s);
#endif
}

int lsh_ssl_peer_chain_len(SSL *s)
{
    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(s);
    return sk ? sk_X509_num(sk) : 0;
}

/* SSL_get_peer_cert_chain as a DER list (ls_der_list); 0 without a chain. */
int lsh_ssl_peer_chain_der(SSL *s, unsigned char *buf, int cap)
{
    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(s);
    return sk != NULL ? ls_der_list((const OPENSSL_STACK *)sk, ls_i2d_x509, buf, cap) : 0;
}

/* The method's LS_M_* id. After a handshake libssl installs a method of the
 * negotiated version (statem_lib.c ssl_choose_client_version and
 * ssl_choose_server_version): TLSv1_2_client_method() and the like, and for
 * TLS 1.3 a method of no public constructor that client and server share.
 * The version-specific constructors are deprecated (and absent from builds
 * without deprecated APIs), so those methods are recognised as "not one of
 * the version-flexible ones" and named by the SSL's version and role. */
int lsh_ssl_method_id(SSL *s)
{
    const SSL_METHOD *m = SSL_get_ssl_method(s);
    int id = ls_method_id(m);
    if (id != 0 || m == NULL)
        return id;
    int server = SSL_is_server(s);
    if (SSL_is_dtls(s)) {
        switch (SSL_version(s)) {
        case DTLS1_VERSION: return server ? LS_M_DTLS1_SERVER : LS_M_DTLS1_CLIENT;
        case DTLS1_2_VERSION: return server ? LS_M_DTLS1_2_SERVER : LS_M_DTLS1_2_CLIENT;
        }
        return 0;
    }
    switch (SSL_version(s)) {
    case TLS1_VERSION: return server ? LS_M_TLS1_SERVER : LS_M_TLS1_CLIENT;
    case TLS1_1_VERSION: return server ? LS_M_TLS1_1_SERVER : LS_M_TLS1_1_CLIENT;
    case TLS1_2_VERSION: return server ? LS_M_TLS1_2_SERVER : LS_M_TLS1_2_CLIENT;
    case TLS1_3_VERSION: return LS_M_TLS1_3;
    }
    return 0;
}

/* Whether two SSLs run the same SSL_METHOD object (the pointers
 * SSL_get_ssl_method returns are equal). */
int lsh_ssl_same_method(SSL *s, SSL *o)
{
    return SSL_get_ssl_method(s) == SSL_get_ssl_method(o);
}

/* The negotiated group, keying material, Finished messages (groups.go, export.go). */

int lsh_ctx_set1_groups_list(SSL_CTX *c, const char *list) { return (int)SSL_CTX_set1_groups_list(c, list); }

/* The group of the handshake's key exchange: the name of the ephemeral key
 * (the peer's on a client, this side's on a server), as OpenSSL names
 * curves (OBJ_nid2sn: "prime256v1", "X25519"); 0 and "" when the handshake
 * had no key exchange (a TLS 1.2 resumption). */
int lsh_ssl_group_name(SSL *s, char *buf, int cap)
{
    EVP_PKEY *k = NULL;
    if (cap <= 0)
        return 0;
    buf[0] = '\0';
    if (SSL_is_server(s)) {
        if (!SSL_get_tmp_key(s, &k))
            k = NULL;
    } else if (!SSL_get_peer_tmp_key(s, &k)) {
        k = NULL;
    }
    int had_key = k != NULL;
    int nid = had_key ? EVP_PKEY_id(k) : NID_undef;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    if (nid == EVP_PKEY_EC) {
        char name[80];
        size_t len = 0;
        nid = EVP_PKEY_get_group_name(k, name, sizeof(name), &len) ? OBJ_sn2nid(name) : NID_undef;
        if (nid == NID_undef)
            nid = OBJ_ln2nid(name);
    } else if (nid == EVP_PKEY_DH) {
        /* A finite-field group: its name where the parameters are a named
         * group ("ffdhe2048", "modp_2048"), else the key type. */
        char name[80];
        size_t len = 0;
        int g = EVP_PKEY_get_group_name(k, name, sizeof(name), &len) ? OBJ_sn2nid(name) : NID_undef;
        if (g != NID_undef)
            nid = g;
    }
#else
    if (nid == EVP_PKEY_EC) {
        const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(k);
        nid = ec != NULL ? EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)) : NID_undef;
    }
#endif
    EVP_PKEY_free(k);
    const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    /* A key with no NID of its own, or on TLS 1.3 (which always exchanges
     * keys) no key to read: the ML-KEM hybrids that 3.5's default groups put
     * first, provider groups. Then the group libssl negotiated, by its TLS
     * name. Not for a TLS 1.2 resumption, which has no key exchange (there
     * SSL_get_negotiated_group still answers the group of an earlier one).
     * Not before a session exists either: 3.0's SSL_get_negotiated_group
     * dereferences it (a fresh SSL crashed there). */
    if (sn == NULL && (had_key || SSL_version(s) == TLS1_3_VERSION) && SSL_get_session(s) != NULL) {
        nid = (int)SSL_get_negotiated_group(s);
        sn = nid != 0 ? SSL_group_to_name(s, nid) : NULL;
    }
#else
    (void)had_key;
#endif
    if (sn == NULL)
        return 0;
    strncpy(buf, sn, (size_t)cap - 1);
    buf[cap - 1] = '\0';
    return nid;
}

int lsh_ssl_export_keying_material(SSL *s, unsigned char *out, int olen, const char *label, int llen,
                                   const unsigned char *context, int clen, int use_context)
{
    return SSL_export_keying_material(s, out, (size_t)olen, label, (size_t)llen, context, (size_t)clen, use_context);
}

int lsh_ssl_finished(SSL *s, int peer, unsigned char *buf, int cap)
{
    size_t n = peer ? SSL_get_peer_finished(s, buf, (size_t)cap) : SSL_get_finished(s, buf, (size_t)cap);
    return (int)n;
}

/* The cipher the handshake chose and has not yet switched to
 * (SSL_get_pending_cipher): during a TLS 1.2 certificate verification the
 * current cipher is still the null one. */
int lsh_ssl_pending_cipher_id(SSL *s)
{
    const SSL_CIPHER *c = SSL_get_pending_cipher(s);
    return c ? (int)SSL_CIPHER_get_protocol_id(c) : 0;
}

/* Whether the handshake used the extended master secret (RFC 7627):
 * SSL_get_extms_support, 1 yes, 0 no, -1 before a handshake. */
int lsh_ssl_extms(SSL *s) { return (int)SSL_get_extms_support(s); }

/* The renegotiations the connection ran (SSL_total_renegotiations). */
long lsh_ssl_total_renegotiations(SSL *s) { return SSL_total_renegotiations(s); }
