/*
 * inherit.c: what libssl itself does with the callbacks that ride on an
 * SSL_CTX or an SSL when the SSL is made (SSL_new), copied (SSL_dup) or moved
 * to another context (SSL_set_SSL_CTX), and when the context's callback
 * changes afterwards. The Go test conformance/inherit_test.go performs the
 * same steps through the Go API and compares with go-cmp.
 *
 * Every case runs one real TLS handshake over memory BIOs and prints which
 * callbacks ran and whether the handshake succeeded, as JSON:
 *
 *     {"verify_ctx_changed": {"ran": "cb1", "handshake": "ok"}, ...}
 *
 * The client trusts nothing, so the chain fails verification and libssl's
 * own verdict (preverify_ok) is 0 at depth 0: the handshake succeeds only if
 * a verify callback runs and accepts (both cb1 and cb2 accept). "ran" lists
 * the callbacks that ran, in the order of their first call; "none" if none.
 *
 * It is built during `go test` with the run's CC, CGO_CFLAGS and CGO_LDFLAGS,
 * so it links the libssl the Go package links.
 *
 * Later cases print other fields: "same" (ident_*: is the SSL's verify
 * callback the context's), "reused" (sessget_*), the method names
 * (method_*), session resumability around SSL_CTX_free (ctxfree_*).
 *
 * usage: inherit LEAF-CHAIN.pem LEAF-KEY.pem
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>

/* The version-specific method constructors (method_* cases) are deprecated. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static const char *chain_file, *key_file;

static void die(const char *what)
{
    fprintf(stderr, "inherit: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* ---- what ran ------------------------------------------------------ */

static char ran[256];

static void note(const char *name)
{
    char *p = ran;
    size_t n = strlen(name);
    /* Already noted? */
    while (*p != '\0') {
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return;
        p = strchr(p, ',');
        if (p == NULL)
            break;
        p++;
    }
    if (ran[0] != '\0')
        strcat(ran, ",");
    strcat(ran, name);
}

static int verify_cb1(int ok, X509_STORE_CTX *x)
{
    (void)ok; (void)x;
    note("cb1");
    return 1;
}

static int verify_cb2(int ok, X509_STORE_CTX *x)
{
    (void)ok; (void)x;
    note("cb2");
    return 1;
}

static void info1(const SSL *s, int where, int ret)
{
    (void)s; (void)where; (void)ret;
    note("info1");
}

static void info2(const SSL *s, int where, int ret)
{
    (void)s; (void)where; (void)ret;
    note("info2");
}

/* ALPN selection callbacks: select_a chooses "a", select_b chooses "b"
 * (each only if the client offered it). */
static int select_proto(const unsigned char **out, unsigned char *outlen,
                        const unsigned char *in, unsigned int inlen, char want)
{
    unsigned int i = 0;
    while (i < inlen) {
        unsigned int n = in[i];
        if (i + 1 + n > inlen)
            break;
        if (n == 1 && in[i + 1] == (unsigned char)want) {
            *out = in + i + 1;
            *outlen = 1;
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + n;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static int select_a(SSL *s, const unsigned char **out, unsigned char *outlen,
                    const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)s; (void)arg;
    return select_proto(out, outlen, in, inlen, 'a');
}

static int select_b(SSL *s, const unsigned char **out, unsigned char *outlen,
                    const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)s; (void)arg;
    return select_proto(out, outlen, in, inlen, 'b');
}

/* ---- contexts and the handshake ------------------------------------ */

static SSL_CTX *server_ctx(void)
{
    SSL_CTX *c = SSL_CTX_new(TLS_server_method());
    if (c == NULL
        || SSL_CTX_use_certificate_chain_file(c, chain_file) != 1
        || SSL_CTX_use_PrivateKey_file(c, key_file, SSL_FILETYPE_PEM) != 1)
        die("server ctx");
    return c;
}

/* A client context that trusts nothing. */
static SSL_CTX *client_ctx(void)
{
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    if (c == NULL)
        die("client ctx");
    return c;
}

static void pump(SSL *from, SSL *to)
{
    char buf[16384];
    int n;
    while ((n = BIO_read(SSL_get_wbio(from), buf, sizeof(buf))) > 0)
        if (BIO_write(SSL_get_rbio(to), buf, n) != n)
            die("BIO_write");
}

static int blocked(SSL *s, int r)
{
    int e = SSL_get_error(s, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/*
 * Connects client c and server s (each given fresh memory BIOs here) and
 * returns 1 if both handshakes complete. Both SSLs are kept.
 */
static int connect_pair(SSL *c, SSL *s)
{
    int cdone = 0, sdone = 0, ok = 0;
    SSL_set_bio(c, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_bio(s, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    for (int i = 0; i < 100; i++) {
        int r;
        if (!cdone) {
            if ((r = SSL_do_handshake(c)) == 1)
                cdone = 1;
            else if (!blocked(c, r))
                break;
        }
        pump(c, s);
        if (!sdone) {
            if ((r = SSL_do_handshake(s)) == 1)
                sdone = 1;
            else if (!blocked(s, r))
                break;
        }
        pump(s, c);
        if (cdone && sdone) {
            ok = 1;
            break;
        }
    }
    ERR_clear_error();
    return ok;
}

/* connect_pair, then both SSLs are freed. */
static int handshake(SSL *c, SSL *s)
{
    int ok = connect_pair(c, s);
    SSL_free(c);
    SSL_free(s);
    return ok;
}

/* Shuts both sides down cleanly (so that their sessions stay resumable)
 * and frees them. */
static void close_pair(SSL *c, SSL *s)
{
    SSL_shutdown(c);
    pump(c, s);
    SSL_shutdown(s);
    pump(s, c);
    SSL_shutdown(c);
    ERR_clear_error();
    SSL_free(c);
    SSL_free(s);
}

/* ---- JSON ------------------------------------------------------------ */

static int first_case = 1;

static void begin(void)
{
    ran[0] = '\0';
}

static void report(const char *id, int ok, const char *alpn)
{
    printf("%s\n  \"%s\": {\"ran\": \"%s\", \"handshake\": \"%s\"",
           first_case ? "{" : ",", id, ran[0] != '\0' ? ran : "none", ok ? "ok" : "fail");
    if (alpn != NULL)
        printf(", \"alpn\": \"%s\"", alpn);
    printf("}");
    first_case = 0;
}

/* ---- the cases --------------------------------------------------------- */

/*
 * verify_*: the client's verify callback. cctx is the client context the
 * SSL is made from; every case ends with one handshake of the client c
 * against a fresh server.
 */
static void verify_case(const char *id, int which)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx(), *cctx2 = NULL;
    SSL *c = NULL, *d = NULL;

    begin();
    switch (which) {
    case 0: /* made after cb1; then the context gets cb2 */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb2);
        break;
    case 1: /* made after cb1; then the context's callback is removed */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
        break;
    case 2: /* made after cb1; then moved to a context with cb2 */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        cctx2 = client_ctx();
        SSL_CTX_set_verify(cctx2, SSL_VERIFY_PEER, verify_cb2);
        if (SSL_set_SSL_CTX(c, cctx2) != cctx2)
            die("SSL_set_SSL_CTX");
        break;
    case 3: /* the context's callback changes before SSL_new */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb2);
        c = SSL_new(cctx);
        break;
    case 4: /* the SSL's own cb2, then SSL_set_verify with NULL */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        SSL_set_verify(c, SSL_VERIFY_PEER, verify_cb2);
        SSL_set_verify(c, SSL_VERIFY_PEER, NULL);
        break;
    case 5: /* SSL_dup of an SSL with its own cb2 */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        d = SSL_new(cctx);
        SSL_set_verify(d, SSL_VERIFY_PEER, verify_cb2);
        c = SSL_dup(d);
        break;
    case 6: /* SSL_dup of an SSL made after cb1, the context now has cb2 */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        d = SSL_new(cctx);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb2);
        c = SSL_dup(d);
        break;
    case 7: /* made with no verify mode; then the context gets PEER and cb2 */
        c = SSL_new(cctx);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb2);
        break;
    case 8: /* control: SSL_VERIFY_PEER and no callback fails the handshake */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
        c = SSL_new(cctx);
        break;
    }
    if (c == NULL)
        die("SSL_new/SSL_dup");
    SSL_free(d);
    report(id, handshake(c, SSL_new(sctx)), NULL);
    SSL_CTX_free(cctx);
    SSL_CTX_free(cctx2);
    SSL_CTX_free(sctx);
}

/* info_*: the client's info callback. */
static void info_case(const char *id, int which)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx(), *cctx2 = NULL;
    SSL *c = NULL, *d = NULL;

    begin();
    switch (which) {
    case 0: /* made after info1 on the context; then the context gets info2 */
        SSL_CTX_set_info_callback(cctx, info1);
        c = SSL_new(cctx);
        SSL_CTX_set_info_callback(cctx, info2);
        break;
    case 1: /* made after info1; then moved to a context with info2 */
        SSL_CTX_set_info_callback(cctx, info1);
        c = SSL_new(cctx);
        cctx2 = client_ctx();
        SSL_CTX_set_info_callback(cctx2, info2);
        if (SSL_set_SSL_CTX(c, cctx2) != cctx2)
            die("SSL_set_SSL_CTX");
        break;
    case 2: /* the SSL's own info2 and the context's info1 */
        SSL_CTX_set_info_callback(cctx, info1);
        c = SSL_new(cctx);
        SSL_set_info_callback(c, info2);
        break;
    case 3: /* SSL_dup of an SSL with its own info1 */
        d = SSL_new(cctx);
        SSL_set_info_callback(d, info1);
        c = SSL_dup(d);
        break;
    case 4: /* the SSL's own info1, then moved to a context with info2 */
        c = SSL_new(cctx);
        SSL_set_info_callback(c, info1);
        cctx2 = client_ctx();
        SSL_CTX_set_info_callback(cctx2, info2);
        if (SSL_set_SSL_CTX(c, cctx2) != cctx2)
            die("SSL_set_SSL_CTX");
        break;
    case 5: /* SSL_dup of an SSL made after info1, the context now has info2 */
        SSL_CTX_set_info_callback(cctx, info1);
        d = SSL_new(cctx);
        c = SSL_dup(d);
        SSL_CTX_set_info_callback(cctx, info2);
        break;
    }
    if (c == NULL)
        die("SSL_new/SSL_dup");
    SSL_free(d);
    /* The client needs no verification here. */
    report(id, handshake(c, SSL_new(sctx)), NULL);
    SSL_CTX_free(cctx);
    SSL_CTX_free(cctx2);
    SSL_CTX_free(sctx);
}

/* alpn_*: the server's ALPN selection callback; the client offers a and b. */
static void alpn_case(const char *id, int which)
{
    static const unsigned char offer[] = {1, 'a', 1, 'b'};
    SSL_CTX *sctx = server_ctx(), *sctx2 = NULL, *cctx = client_ctx();
    SSL *s = NULL, *c = SSL_new(cctx);
    const unsigned char *sel = NULL;
    unsigned int n = 0;
    char alpn[8] = "";

    begin();
    if (c == NULL || SSL_set_alpn_protos(c, offer, sizeof(offer)) != 0)
        die("client");
    switch (which) {
    case 0: /* made after select_a; then the context gets select_b */
        SSL_CTX_set_alpn_select_cb(sctx, select_a, NULL);
        s = SSL_new(sctx);
        SSL_CTX_set_alpn_select_cb(sctx, select_b, NULL);
        break;
    case 1: /* made after select_a; then moved to a context with select_b */
        SSL_CTX_set_alpn_select_cb(sctx, select_a, NULL);
        s = SSL_new(sctx);
        sctx2 = server_ctx();
        SSL_CTX_set_alpn_select_cb(sctx2, select_b, NULL);
        if (SSL_set_SSL_CTX(s, sctx2) != sctx2)
            die("SSL_set_SSL_CTX");
        break;
    case 2: /* SSL_dup of a server made after select_a, then select_b */
    {
        SSL *o;
        SSL_CTX_set_alpn_select_cb(sctx, select_a, NULL);
        o = SSL_new(sctx);
        s = SSL_dup(o);
        SSL_free(o);
        SSL_CTX_set_alpn_select_cb(sctx, select_b, NULL);
        break;
    }
    }
    if (s == NULL)
        die("SSL_new/SSL_dup");
    /* Keep the server to read what it selected. */
    SSL_up_ref(s);
    int ok = handshake(c, s);
    SSL_get0_alpn_selected(s, &sel, &n);
    if (n > 0 && n < sizeof(alpn)) {
        memcpy(alpn, sel, n);
        alpn[n] = '\0';
    }
    SSL_free(s);
    report(id, ok, n > 0 ? alpn : "none");
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    SSL_CTX_free(sctx2);
}

/*
 * user_*: a value the program attaches to the SSL (SSL_set_ex_data). SSL_dup
 * copies the SSL's ex_data (CRYPTO_dup_ex_data); SSL_set_SSL_CTX leaves it.
 * "userdata" is the value found on the resulting SSL, or "none".
 */
static void user_case(const char *id, int which)
{
    static char v1[] = "v1";
    SSL_CTX *cctx = client_ctx(), *cctx2 = NULL;
    SSL *c = NULL, *d = SSL_new(cctx);
    int idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    const char *got;

    if (d == NULL || idx < 0 || !SSL_set_ex_data(d, idx, v1))
        die("ex_data");
    switch (which) {
    case 0: /* SSL_dup of an SSL carrying the value */
        c = SSL_dup(d);
        SSL_free(d);
        break;
    case 1: /* moved to another context */
        c = d;
        cctx2 = client_ctx();
        if (SSL_set_SSL_CTX(c, cctx2) != cctx2)
            die("SSL_set_SSL_CTX");
        break;
    }
    if (c == NULL)
        die("SSL_dup");
    got = SSL_get_ex_data(c, idx);
    printf("%s\n  \"%s\": {\"userdata\": \"%s\"}", first_case ? "{" : ",", id,
           got != NULL ? got : "none");
    first_case = 0;
    SSL_free(c);
    SSL_CTX_free(cctx);
    SSL_CTX_free(cctx2);
}

/* ---- cases of the second round ---------------------------------------- */

static void report_raw(const char *id, const char *fields)
{
    printf("%s\n  \"%s\": {%s}", first_case ? "{" : ",", id, fields);
    first_case = 0;
}

/*
 * ident_*: is the SSL's verify callback the one set on a context
 * (SSL_get_verify_callback(s) == SSL_CTX_get_verify_callback(ctx))?
 * "same" is yes or no.
 */
static void ident_case(const char *id, int which)
{
    SSL_CTX *cctx = client_ctx(), *cctx2 = client_ctx(), *against = cctx;
    SSL *c = NULL, *d = NULL;

    switch (which) {
    case 0: /* made after cb1 */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        break;
    case 1: /* then the context gets cb2 */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb2);
        break;
    case 2: /* the SSL gets its own cb2 */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        SSL_set_verify(c, SSL_VERIFY_PEER, verify_cb2);
        break;
    case 3: /* moved to a context with cb2, compared with that context */
    case 4: /* ... compared with the context it was made from */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        SSL_CTX_set_verify(cctx2, SSL_VERIFY_PEER, verify_cb2);
        if (SSL_set_SSL_CTX(c, cctx2) != cctx2)
            die("SSL_set_SSL_CTX");
        against = which == 3 ? cctx2 : cctx;
        break;
    case 5: /* SSL_dup of an SSL made after cb1 */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        d = SSL_new(cctx);
        c = SSL_dup(d);
        break;
    case 6: /* no callback anywhere */
        c = SSL_new(cctx);
        break;
    case 7: /* made after cb1, then the context's is removed */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
        break;
    case 8: /* made after cb1, then SSL_set_verify(s, mode, NULL) */
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb1);
        c = SSL_new(cctx);
        SSL_set_verify(c, SSL_VERIFY_PEER, NULL);
        break;
    }
    if (c == NULL)
        die("SSL_new/SSL_dup");
    report_raw(id, SSL_get_verify_callback(c) == SSL_CTX_get_verify_callback(against)
                       ? "\"same\": \"yes\"" : "\"same\": \"no\"");
    SSL_free(c);
    SSL_free(d);
    SSL_CTX_free(cctx);
    SSL_CTX_free(cctx2);
}

/*
 * sessget_*: the server's session lookup callback
 * (SSL_CTX_sess_set_get_cb). A first TLS 1.2 handshake without tickets makes
 * a session that only an external cache holds (SSL_SESS_CACHE_SERVER |
 * NO_INTERNAL); the client then offers it to a server SSL set up by the
 * case. get1 and get2 both return the stored session (copy left at 1);
 * "reused" says whether the server resumed.
 */
static SSL_SESSION *stored_sess;
static int give_ref; /* the case sets *copy to 0 and hands over a reference */

static SSL_SESSION *lookup(SSL *s, const unsigned char *id, int len, int *copy)
{
    unsigned int n = 0;
    const unsigned char *sid = SSL_SESSION_get_id(stored_sess, &n);
    (void)s;
    if (stored_sess == NULL || (unsigned int)len != n || memcmp(id, sid, n) != 0)
        return NULL;
    if (give_ref) {
        SSL_SESSION_up_ref(stored_sess);
        *copy = 0;
    }
    return stored_sess;
}

static SSL_SESSION *get1(SSL *s, const unsigned char *id, int len, int *copy)
{
    note("get1");
    return lookup(s, id, len, copy);
}

static SSL_SESSION *get2(SSL *s, const unsigned char *id, int len, int *copy)
{
    note("get2");
    return lookup(s, id, len, copy);
}

static SSL_CTX *ext_cache_server(void)
{
    SSL_CTX *c = server_ctx();
    SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    if (!SSL_CTX_set_session_id_context(c, (const unsigned char *)"inherit", 7))
        die("sid ctx");
    return c;
}

static void sessget_case(const char *id, int which)
{
    SSL_CTX *sctx = ext_cache_server(), *sctx2 = NULL, *cctx = client_ctx();
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx), *o = NULL;
    SSL_SESSION *csess;
    char fields[400];
    int ok, reused;

    if (!connect_pair(c, s))
        die("first handshake");
    csess = SSL_get1_session(c);
    stored_sess = SSL_get1_session(s);
    close_pair(c, s);
    give_ref = 0;
    begin();
    switch (which) {
    case 0: /* made after get1; then the context gets get2 */
        SSL_CTX_sess_set_get_cb(sctx, get1);
        s = SSL_new(sctx);
        SSL_CTX_sess_set_get_cb(sctx, get2);
        break;
    case 1: /* made after get1; then moved to a context with get2 */
        SSL_CTX_sess_set_get_cb(sctx, get1);
        s = SSL_new(sctx);
        sctx2 = ext_cache_server();
        SSL_CTX_sess_set_get_cb(sctx2, get2);
        if (SSL_set_SSL_CTX(s, sctx2) != sctx2)
            die("SSL_set_SSL_CTX");
        break;
    case 2: /* SSL_dup of a server made after get1, then get2 */
        SSL_CTX_sess_set_get_cb(sctx, get1);
        o = SSL_new(sctx);
        s = SSL_dup(o);
        SSL_free(o);
        SSL_CTX_sess_set_get_cb(sctx, get2);
        break;
    case 3: /* get1 hands over a reference of its own (*copy = 0) */
        SSL_CTX_sess_set_get_cb(sctx, get1);
        s = SSL_new(sctx);
        give_ref = 1;
        break;
    }
    c = SSL_new(cctx);
    if (s == NULL || c == NULL || !SSL_set_session(c, csess))
        die("second round");
    ok = connect_pair(c, s);
    reused = SSL_session_reused(s);
    close_pair(c, s);
    snprintf(fields, sizeof(fields), "\"ran\": \"%s\", \"handshake\": \"%s\", \"reused\": \"%s\"",
             ran[0] != '\0' ? ran : "none", ok ? "ok" : "fail", reused ? "yes" : "no");
    report_raw(id, fields);
    SSL_SESSION_free(csess);
    SSL_SESSION_free(stored_sess);
    stored_sess = NULL;
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    SSL_CTX_free(sctx2);
}

/* hello_*: the server's ClientHello callback. */
static int hello1(SSL *s, int *al, void *arg)
{
    (void)s; (void)al; (void)arg;
    note("hello1");
    return SSL_CLIENT_HELLO_SUCCESS;
}

static int hello2(SSL *s, int *al, void *arg)
{
    (void)s; (void)al; (void)arg;
    note("hello2");
    return SSL_CLIENT_HELLO_SUCCESS;
}

static void hello_case(const char *id, int which)
{
    SSL_CTX *sctx = server_ctx(), *sctx2 = NULL, *cctx = client_ctx();
    SSL *s = NULL, *o = NULL;

    begin();
    switch (which) {
    case 0: /* made after hello1; then the context gets hello2 */
        SSL_CTX_set_client_hello_cb(sctx, hello1, NULL);
        s = SSL_new(sctx);
        SSL_CTX_set_client_hello_cb(sctx, hello2, NULL);
        break;
    case 1: /* made after hello1; then moved to a context with hello2 */
        SSL_CTX_set_client_hello_cb(sctx, hello1, NULL);
        s = SSL_new(sctx);
        sctx2 = server_ctx();
        SSL_CTX_set_client_hello_cb(sctx2, hello2, NULL);
        if (SSL_set_SSL_CTX(s, sctx2) != sctx2)
            die("SSL_set_SSL_CTX");
        break;
    case 2: /* SSL_dup of a server made after hello1, then hello2 */
        SSL_CTX_set_client_hello_cb(sctx, hello1, NULL);
        o = SSL_new(sctx);
        s = SSL_dup(o);
        SSL_free(o);
        SSL_CTX_set_client_hello_cb(sctx, hello2, NULL);
        break;
    }
    if (s == NULL)
        die("SSL_new/SSL_dup");
    report(id, handshake(SSL_new(cctx), s), NULL);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    SSL_CTX_free(sctx2);
}

/*
 * method_*: SSL_get_ssl_method after a handshake at the given version, and
 * after SSL_clear. A method no public constructor returns is "internal", or
 * "internal(shared)" when client and server hold the same one.
 */
static const char *method_name(const SSL_METHOD *m, const SSL_METHOD *other)
{
    static const struct {
        const SSL_METHOD *(*f)(void);
        const char *name;
    } known[] = {
        {TLS_method, "TLS_method"}, {TLS_client_method, "TLS_client_method"},
        {TLS_server_method, "TLS_server_method"},
#if OPENSSL_VERSION_NUMBER < 0x40000000L
        /* OpenSSL 4.0 no longer declares the version-specific constructors. */
        {TLSv1_2_method, "TLSv1_2_method"}, {TLSv1_2_client_method, "TLSv1_2_client_method"},
        {TLSv1_2_server_method, "TLSv1_2_server_method"},
#endif
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i].f() == m)
            return known[i].name;
    return m == other ? "internal(shared)" : "internal";
}

static void method_case(const char *id, int version)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    char fields[256];

    SSL_CTX_set_max_proto_version(cctx, version);
    if (c == NULL || s == NULL || !SSL_set_max_proto_version(c, version) || !connect_pair(c, s))
        die("method handshake");
    snprintf(fields, sizeof(fields), "\"client\": \"%s\", \"server\": \"%s\"",
             method_name(SSL_get_ssl_method(c), SSL_get_ssl_method(s)),
             method_name(SSL_get_ssl_method(s), SSL_get_ssl_method(c)));
    if (!SSL_clear(c))
        die("SSL_clear");
    snprintf(fields + strlen(fields), sizeof(fields) - strlen(fields), ", \"client_after_clear\": \"%s\"",
             method_name(SSL_get_ssl_method(c), NULL));
    report_raw(id, fields);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

/*
 * ctxfree_*: a client context caching its sessions (SSL_SESS_CACHE_CLIENT)
 * is freed while the program holds one of its sessions (from a connection
 * closed cleanly). "before" and "after" are SSL_SESSION_is_resumable of the
 * held session before and after SSL_CTX_free; "resumed" whether a client
 * of another context resumes with it.
 */
static void ctxfree_case(const char *id, int version)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx(), *cctx2 = client_ctx();
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    SSL_SESSION *sess;
    char fields[200];
    int before, after, resumed;
    char b;

    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    if (!SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"inherit", 7)
        || c == NULL || s == NULL || !SSL_set_max_proto_version(c, version)
        || !connect_pair(c, s))
        die("ctxfree handshake");
    /* A TLS 1.3 client gets its session with the tickets: read them. */
    pump(s, c);
    if (SSL_read(c, &b, 1) > 0)
        die("unexpected data");
    ERR_clear_error();
    sess = SSL_get1_session(c);
    close_pair(c, s);
    before = SSL_SESSION_is_resumable(sess);
    SSL_CTX_free(cctx);
    after = SSL_SESSION_is_resumable(sess);
    c = SSL_new(cctx2);
    s = SSL_new(sctx);
    if (c == NULL || s == NULL || !SSL_set_session(c, sess))
        die("ctxfree second round");
    connect_pair(c, s);
    resumed = SSL_session_reused(c);
    close_pair(c, s);
    snprintf(fields, sizeof(fields), "\"before\": \"%s\", \"after\": \"%s\", \"resumed\": \"%s\"",
             before ? "yes" : "no", after ? "yes" : "no", resumed ? "yes" : "no");
    report_raw(id, fields);
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx2);
    SSL_CTX_free(sctx);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: inherit LEAF-CHAIN.pem LEAF-KEY.pem\n");
        return 2;
    }
    chain_file = argv[1];
    key_file = argv[2];
    fprintf(stderr, "inherit: header %s, runtime %s\n", OPENSSL_VERSION_TEXT,
            OpenSSL_version(OPENSSL_VERSION));

    verify_case("verify_ctx_changed", 0);
    verify_case("verify_ctx_cleared", 1);
    verify_case("verify_set_ssl_ctx", 2);
    verify_case("verify_ctx_changed_before_new", 3);
    verify_case("verify_ssl_set_null", 4);
    verify_case("verify_dup_own", 5);
    verify_case("verify_dup_inherited", 6);
    verify_case("verify_mode_set_after_new", 7);
    verify_case("verify_no_callback", 8);
    info_case("info_ctx_changed", 0);
    info_case("info_set_ssl_ctx", 1);
    info_case("info_ssl_over_ctx", 2);
    info_case("info_dup_own", 3);
    info_case("info_own_set_ssl_ctx", 4);
    info_case("info_dup_ctx_changed", 5);
    alpn_case("alpn_ctx_changed", 0);
    alpn_case("alpn_set_ssl_ctx", 1);
    alpn_case("alpn_dup_ctx_changed", 2);
    user_case("user_dup", 0);
    user_case("user_set_ssl_ctx", 1);
    ident_case("ident_new", 0);
    ident_case("ident_ctx_changed", 1);
    ident_case("ident_ssl_set", 2);
    ident_case("ident_set_ssl_ctx_new_ctx", 3);
    ident_case("ident_set_ssl_ctx_old_ctx", 4);
    ident_case("ident_dup", 5);
    ident_case("ident_none", 6);
    ident_case("ident_ctx_cleared", 7);
    ident_case("ident_ssl_set_null", 8);
    sessget_case("sessget_ctx_changed", 0);
    sessget_case("sessget_set_ssl_ctx", 1);
    sessget_case("sessget_dup", 2);
    sessget_case("sessget_copy0", 3);
    hello_case("hello_ctx_changed", 0);
    hello_case("hello_set_ssl_ctx", 1);
    hello_case("hello_dup", 2);
    method_case("method_tls12", TLS1_2_VERSION);
    method_case("method_tls13", TLS1_3_VERSION);
    ctxfree_case("ctxfree_tls12", TLS1_2_VERSION);
    ctxfree_case("ctxfree_tls13", TLS1_3_VERSION);
    printf("\n}\n");
    return 0;
}
