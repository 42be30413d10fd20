/*
 * setsslctx.c: what SSL_set_SSL_CTX, called from the servername callback
 * (the way a server picks a whole configuration by SNI), carries over to the
 * connection and what it leaves as it was. conformance/setsslctx_test.go
 * performs the same steps through the Go API and compares with go-cmp.
 *
 * Two server contexts differ in everything observed:
 *   ctx1: certificate A (chain file), verify none, no options added, ALPN
 *         callback choosing "a", session id context "one";
 *   ctx2: certificate B ("other.example"), verify peer|fail-if-no-cert with
 *         a callback that accepts, SSL_OP_NO_TICKET, ALPN callback choosing
 *         "b", session id context "two", max protocol TLS 1.2.
 * The SSL is made from ctx1; its servername callback moves it to ctx2. The
 * client (trusting nothing, verify none, with a certificate to send if asked)
 * offers "a" and "b" and SNI "other.example". One case per client maximum
 * version (tls12, tls13). Printed as JSON:
 *
 *   {"tls13": {"handshake": "ok", "cert": "other.example", ...}, ...}
 *
 * usage: setsslctx CHAIN-A.pem KEY-A.pem CERT-B.pem KEY-B.pem
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static const char *files[4];
static SSL_CTX *ctx2;
static char in_cb[256];

static void fail(const char *what)
{
    fprintf(stderr, "setsslctx: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static int pick(const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                unsigned int inlen, unsigned char want)
{
    for (unsigned int i = 0; i + 1 < inlen; i += 1 + in[i]) {
        if (in[i] == 1 && in[i + 1] == want) {
            *out = in + i + 1;
            *outlen = 1;
            return SSL_TLSEXT_ERR_OK;
        }
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static int alpn_a(SSL *s, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                  unsigned int inlen, void *arg)
{
    (void)s; (void)arg;
    return pick(out, outlen, in, inlen, 'a');
}

static int alpn_b(SSL *s, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                  unsigned int inlen, void *arg)
{
    (void)s; (void)arg;
    return pick(out, outlen, in, inlen, 'b');
}

static int accept_all(int ok, X509_STORE_CTX *x)
{
    (void)ok; (void)x;
    return 1;
}

/* Moves the SSL to ctx2 and records what the SSL has right after. */
static int servername(SSL *s, int *al, void *arg)
{
    (void)al; (void)arg;
    if (SSL_set_SSL_CTX(s, ctx2) != ctx2)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    snprintf(in_cb, sizeof(in_cb), "verify_mode=%d no_ticket=%d max_proto=0x%x",
             SSL_get_verify_mode(s), (SSL_get_options(s) & SSL_OP_NO_TICKET) != 0,
             (unsigned)SSL_get_max_proto_version(s));
    return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *server_ctx(const char *cert, const char *key, const char *sid)
{
    SSL_CTX *c = SSL_CTX_new(TLS_method());
    if (c == NULL || SSL_CTX_use_certificate_chain_file(c, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_set_session_id_context(c, (const unsigned char *)sid, (unsigned)strlen(sid)) != 1)
        fail("server context");
    return c;
}

static void pump(SSL *from, SSL *to)
{
    char buf[16384];
    int n;
    while ((n = BIO_read(SSL_get_wbio(from), buf, sizeof(buf))) > 0)
        BIO_write(SSL_get_rbio(to), buf, n);
}

static int step(SSL *s, int *done)
{
    if (*done)
        return 1;
    int r = SSL_do_handshake(s);
    if (r == 1) {
        *done = 1;
        return 1;
    }
    int e = SSL_get_error(s, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

static int handshake(SSL *c, SSL *s)
{
    int cd = 0, sd = 0;
    SSL_set_bio(c, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_bio(s, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    for (int i = 0; i < 100 && !(cd && sd); i++) {
        if (!step(c, &cd))
            return 0;
        pump(c, s);
        if (!step(s, &sd))
            return 0;
        pump(s, c);
    }
    return cd && sd;
}

static void run(const char *id, int client_max, int first)
{
    static const unsigned char offer[] = {1, 'a', 1, 'b'};
    SSL_CTX *ctx1 = server_ctx(files[0], files[1], "one");
    ctx2 = server_ctx(files[2], files[3], "two");
    SSL_CTX_set_alpn_select_cb(ctx1, alpn_a, NULL);
    SSL_CTX_set_alpn_select_cb(ctx2, alpn_b, NULL);
    SSL_CTX_set_verify(ctx2, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_all);
    SSL_CTX_set_options(ctx2, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(ctx2, TLS1_2_VERSION);
    SSL_CTX_set_tlsext_servername_callback(ctx1, servername);

    SSL_CTX *cctx = SSL_CTX_new(TLS_method());
    if (cctx == NULL || SSL_CTX_use_certificate_chain_file(cctx, files[0]) != 1 ||
        SSL_CTX_use_PrivateKey_file(cctx, files[1], SSL_FILETYPE_PEM) != 1)
        fail("client context");
    SSL_CTX_set_max_proto_version(cctx, client_max);
    SSL *c = SSL_new(cctx), *s = SSL_new(ctx1);
    if (c == NULL || s == NULL || SSL_set_tlsext_host_name(c, "other.example") != 1 ||
        SSL_set_alpn_protos(c, offer, sizeof(offer)) != 0)
        fail("SSL_new");
    in_cb[0] = '\0';
    int ok = handshake(c, s);

    char cn[128] = "";
    X509 *peer = SSL_get_peer_certificate(c);
    if (peer != NULL) {
        /* The subject's CN (X509_NAME_get_text_by_NID is deprecated in 4.0). */
        const X509_NAME *subj = X509_get_subject_name(peer);
        int at = X509_NAME_get_index_by_NID((X509_NAME *)subj, NID_commonName, -1);
        const ASN1_STRING *d = at >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, at)) : NULL;
        if (d != NULL) {
            int n = ASN1_STRING_length(d) < (int)sizeof(cn) - 1 ? ASN1_STRING_length(d) : (int)sizeof(cn) - 1;
            memcpy(cn, ASN1_STRING_get0_data(d), (size_t)n);
            cn[n] = '\0';
        }
    }
    X509_free(peer);
    const unsigned char *alpn = NULL;
    unsigned int alen = 0;
    SSL_get0_alpn_selected(s, &alpn, &alen);
    X509 *cpeer = SSL_get_peer_certificate(s);
    unsigned int sidlen = 0;
    const unsigned char *sid = NULL;
    SSL_SESSION *sess = SSL_get_session(s);
    if (sess != NULL)
        sid = SSL_SESSION_get0_id_context(sess, &sidlen);

    printf("%s\n  \"%s\": {\"handshake\": \"%s\", \"cert\": \"%s\", \"alpn\": \"%.*s\", "
           "\"client_cert\": \"%s\", \"version\": \"%#x\", \"sid_ctx\": \"%.*s\", "
           "\"in_callback\": \"%s\", \"ctx_is_ctx2\": \"%s\"}",
           first ? "{" : ",", id, ok ? "ok" : "fail", cn, (int)alen, alpn ? (const char *)alpn : "",
           cpeer != NULL ? "sent" : "none", (unsigned)SSL_version(s), (int)sidlen,
           sid ? (const char *)sid : "", in_cb, SSL_get_SSL_CTX(s) == ctx2 ? "yes" : "no");
    X509_free(cpeer);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(ctx1);
    SSL_CTX_free(ctx2);
    ERR_clear_error();
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: setsslctx CHAIN-A.pem KEY-A.pem CERT-B.pem KEY-B.pem\n");
        return 2;
    }
    for (int i = 0; i < 4; i++)
        files[i] = argv[i + 1];
    run("tls12", TLS1_2_VERSION, 1);
    run("tls13", TLS1_3_VERSION, 0);
    printf("\n}\n");
    return 0;
}
