/*
 * cref.c: the C side of the conformance suite.
 *
 * It performs the steps of several checks of package conformance directly
 * with libssl, without the Go binding, and prints what it observed as JSON:
 *
 *     {"C01": {"ret_null": "1", ...}, ...}
 *
 * using the same observation names and value formats as the Go checks, so
 * that the Go test (cref_test.go) can compare the two with go-cmp. It is
 * built during `go test` with the same CGO_CFLAGS/CGO_LDFLAGS as the Go
 * build, so it links the same libssl.
 *
 * usage: cref CA.pem LEAF-CHAIN.pem LEAF-KEY.pem
 *
 * Objects are counted like the Go destruction probe: ex_data new and free
 * functions on SSL, SSL_CTX and SSL_SESSION count creation and destruction.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

enum { K_SSL, K_CTX, K_SESS, K_N };
static long created[K_N], destroyed[K_N];
static long base[K_N];
static const char *ca_file, *chain_file, *key_file;

static void track_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ptr; (void)ad; (void)idx; (void)argp;
    if (parent != NULL)
        created[argl]++;
}

static void track_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ptr; (void)ad; (void)idx; (void)argp;
    if (parent != NULL)
        destroyed[argl]++;
}

static long live(int k) { return created[k] - destroyed[k] - base[k]; }

static void start_probe(void)
{
    for (int k = 0; k < K_N; k++)
        base[k] = created[k] - destroyed[k];
}

/* ---- JSON output -------------------------------------------------- */

static int first_check = 1, first_obs;

static void begin_check(const char *id)
{
    printf("%s\n  \"%s\": {", first_check ? "{" : ",", id);
    first_check = 0;
    first_obs = 1;
    start_probe();
}

static void end_check(void) { printf("}"); }

static void obs(const char *name, const char *fmt, ...)
{
    char v[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof(v), fmt, ap);
    va_end(ap);
    printf("%s\"%s\": \"%s\"", first_obs ? "" : ", ", name, v);
    first_obs = 0;
}

static void obsb(const char *name, int b) { obs(name, "%d", b ? 1 : 0); }
static void obsl(const char *name, long v) { obs(name, "%ld", v); }

static void die(const char *what)
{
    fprintf(stderr, "cref: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* ---- contexts and pairs ------------------------------------------- */

static SSL_CTX *server_ctx(int version, int no_ticket)
{
    SSL_CTX *c = SSL_CTX_new(TLS_server_method());
    if (c == NULL
        || SSL_CTX_use_certificate_chain_file(c, chain_file) != 1
        || SSL_CTX_use_PrivateKey_file(c, key_file, SSL_FILETYPE_PEM) != 1
        || SSL_CTX_check_private_key(c) != 1
        || SSL_CTX_set_min_proto_version(c, version) != 1
        || SSL_CTX_set_max_proto_version(c, version) != 1
        || SSL_CTX_set_session_id_context(c, (const unsigned char *)"sslconform", 10) != 1)
        die("server ctx");
    if (no_ticket)
        SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    return c;
}

static SSL_CTX *client_ctx(int version, int no_cache)
{
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    if (c == NULL
        || SSL_CTX_load_verify_locations(c, ca_file, NULL) != 1
        || SSL_CTX_set_min_proto_version(c, version) != 1
        || SSL_CTX_set_max_proto_version(c, version) != 1)
        die("client ctx");
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(c, no_cache ? SSL_SESS_CACHE_OFF : SSL_SESS_CACHE_CLIENT);
    return c;
}

typedef struct {
    SSL *c, *s;
} pair;

static pair new_pair(SSL_CTX *cctx, SSL_CTX *sctx)
{
    pair p;
    p.c = SSL_new(cctx);
    p.s = SSL_new(sctx);
    if (p.c == NULL || p.s == NULL)
        die("SSL_new");
    SSL_set_bio(p.c, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_bio(p.s, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_connect_state(p.c);
    SSL_set_accept_state(p.s);
    return p;
}

static void free_pair(pair *p)
{
    SSL_free(p->c);
    SSL_free(p->s);
    p->c = p->s = NULL;
}

/* Moves what each side wrote into the other side's read BIO. */
static long pump(pair *p)
{
    char buf[16384];
    long moved = 0;
    SSL *from[2] = {p->c, p->s}, *to[2] = {p->s, p->c};
    for (int i = 0; i < 2; i++) {
        BIO *w = SSL_get_wbio(from[i]), *r = SSL_get_rbio(to[i]);
        int n;
        while ((n = BIO_read(w, buf, sizeof(buf))) > 0) {
            if (BIO_write(r, buf, n) != n)
                die("BIO_write");
            moved += n;
        }
    }
    return moved;
}

static int blocked(SSL *s, int ret)
{
    int e = SSL_get_error(s, ret);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Runs both handshakes to the end; returns 1 on success. */
static int handshake(pair *p)
{
    int cdone = 0, sdone = 0;
    for (int i = 0; i < 100; i++) {
        int r;
        if (!cdone) {
            if ((r = SSL_do_handshake(p->c)) == 1)
                cdone = 1;
            else if (!blocked(p->c, r))
                return 0;
        }
        if (!sdone) {
            if ((r = SSL_do_handshake(p->s)) == 1)
                sdone = 1;
            else if (!blocked(p->s, r))
                return 0;
        }
        long moved = pump(p);
        if (cdone && sdone && moved == 0)
            return 1;
        if (moved == 0 && i > 0)
            return 0;
    }
    return 0;
}

static void must_handshake(pair *p)
{
    if (!handshake(p))
        die("handshake");
    ERR_clear_error();
}

/* The client processes what the server sent after the handshake (TLS 1.3
 * NewSessionTicket): an SSL_read that finds no application data. */
static void read_tickets(pair *p)
{
    char b;
    pump(p);
    int r = SSL_read(p->c, &b, 1);
    if (r > 0 || SSL_get_error(p->c, r) != SSL_ERROR_WANT_READ)
        die("read tickets");
    ERR_clear_error();
}

/* Both sides close cleanly. */
static void shutdown_pair(pair *p)
{
    char b;
    if (SSL_shutdown(p->c) < 0)
        die("client shutdown");
    pump(p);
    int r = SSL_read(p->s, &b, 1);
    if (r > 0 || SSL_get_error(p->s, r) != SSL_ERROR_ZERO_RETURN)
        die("server read of close_notify");
    if (SSL_shutdown(p->s) != 1)
        die("server shutdown");
    pump(p);
    if (SSL_shutdown(p->c) != 1)
        die("client shutdown completion");
    ERR_clear_error();
}

static pair connect_pair(SSL_CTX *cctx, SSL_CTX *sctx, int tickets)
{
    pair p = new_pair(cctx, sctx);
    must_handshake(&p);
    if (tickets)
        read_tickets(&p);
    return p;
}

static int resumes(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *sess)
{
    pair p = new_pair(cctx, sctx);
    if (SSL_set_session(p.c, sess) != 1)
        die("SSL_set_session");
    must_handshake(&p);
    int r = SSL_session_reused(p.c);
    free_pair(&p);
    return r;
}

static SSL_SESSION *isolated_session(int version)
{
    SSL_CTX *sctx = server_ctx(version, 0), *cctx = client_ctx(version, 1);
    pair p = connect_pair(cctx, sctx, version != TLS1_2_VERSION);
    SSL_SESSION *sess = SSL_get1_session(p.c);
    shutdown_pair(&p);
    free_pair(&p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    if (sess == NULL || !SSL_SESSION_is_resumable(sess))
        die("isolated session");
    return sess;
}

static const char *vname(int v) { return v == TLS1_2_VERSION ? "tls12_" : "tls13_"; }

static void obsv(int v, const char *name, int b)
{
    char k[128];
    snprintf(k, sizeof(k), "%s%s", vname(v), name);
    obsb(k, b);
}

/* ---- the checks ---------------------------------------------------- */

static void c01(void)
{
    begin_check("C01");
    ERR_clear_error();
    SSL *s = SSL_new(NULL);
    obsb("ret_null", s == NULL);
    unsigned long e = ERR_peek_last_error();
    obsl("lib", ERR_GET_LIB(e));
    obsl("reason", ERR_GET_REASON(e));
    obs("code", "0x%08lX", e);
    obsl("func_code", (long)((e >> 12) & 0xFFF));
    ERR_clear_error();
    SSL_free(s);
    end_check();
}

static void c02(void)
{
    begin_check("C02");
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *s = SSL_new(ctx);
    SSL_CTX_free(ctx);
    obsl("ctx_live_after_app_free", live(K_CTX));
    SSL_CTX *c = SSL_get_SSL_CTX(s);
    obsb("get_ssl_ctx_usable", c != NULL && SSL_CTX_get_ssl_method(c) == TLS_method());
    SSL_free(s);
    obsl("ctx_live_after_ssl_free", live(K_CTX));
    end_check();
}

static void c03(void)
{
    begin_check("C03");
    SSL_CTX *ctx1 = SSL_CTX_new(TLS_method()), *ctx2 = SSL_CTX_new(TLS_method());
    SSL *s = SSL_new(ctx1);
    if (SSL_set_SSL_CTX(s, ctx2) != ctx2)
        die("SSL_set_SSL_CTX");
    obsb("ctx_is_ctx2", SSL_get_SSL_CTX(s) == ctx2);
    SSL_CTX_free(ctx1);
    SSL_CTX_free(ctx2);
    obsl("ctx_live_after_app_frees", live(K_CTX));
    SSL_free(s);
    obsl("ctx_live_after_ssl_free", live(K_CTX));
    end_check();
}

static void c05(void)
{
    begin_check("C05");
    struct { const char *prefix; const SSL_METHOD *m; } ms[2] = {
        {"tls_", TLS_method()}, {"client_", TLS_client_method()}};
    for (int i = 0; i < 2; i++) {
        char k[64];
#define K(n) (snprintf(k, sizeof(k), "%s%s", ms[i].prefix, n), k)
        SSL_CTX *ctx = SSL_CTX_new(ms[i].m);
        SSL *s = SSL_new(ctx);
        obsb(K("in_before"), SSL_in_before(s));
        obsb(K("in_init"), SSL_in_init(s));
        obsb(K("init_finished"), SSL_is_init_finished(s));
        obsb(K("has_session"), SSL_get_session(s) != NULL);
        obsb(K("has_rbio"), SSL_get_rbio(s) != NULL);
        obsb(K("has_wbio"), SSL_get_wbio(s) != NULL);
        obsb(K("method_is_ctx_method"), SSL_get_ssl_method(s) == SSL_CTX_get_ssl_method(ctx)
                                         && SSL_get_ssl_method(s) == ms[i].m);
        obs(K("version"), "0x%x", SSL_version(s));
        obsb(K("is_server"), SSL_is_server(s));
#undef K
        SSL_free(s);
        SSL_CTX_free(ctx);
    }
    end_check();
}

static void c06(void)
{
    begin_check("C06");
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *s = SSL_new(ctx);
    obsb("up_ref_ok", SSL_up_ref(s) == 1);
    obsb("up_ref_same_object", 1); /* the same pointer, by construction */
    SSL_free(s);
    obsl("ssl_live_after_first_free", live(K_SSL));
    obs("usable_after_first_free", "0x%x", SSL_version(s));
    SSL_free(s);
    obsl("ssl_live_after_second_free", live(K_SSL));
    long before[K_N];
    for (int k = 0; k < K_N; k++)
        before[k] = live(k);
    SSL_free(NULL);
    SSL_CTX_free(NULL);
    SSL_SESSION_free(NULL);
    obsb("free_null_noop", before[K_SSL] == live(K_SSL) && before[K_CTX] == live(K_CTX)
                               && before[K_SESS] == live(K_SESS));
    SSL_CTX_free(ctx);
    end_check();
}

static void c07(void)
{
    begin_check("C07");
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *s = SSL_new(ctx);
    SSL *d = SSL_dup(s);
    if (d == NULL)
        die("SSL_dup");
    obsb("dup_distinct", d != s);
    obsb("dup_same_ctx", SSL_get_SSL_CTX(d) == ctx);
    obsl("ssl_live_after_dup", live(K_SSL));
    SSL_free(s);
    SSL_CTX_free(ctx);
    obsl("ctx_live_after_orig_and_app_free", live(K_CTX));
    SSL_free(d);
    obsl("ctx_live_after_dup_free", live(K_CTX));
    end_check();
}

static void c15(void)
{
    begin_check("C15");
    SSL_CTX *sctx = server_ctx(0, 0), *cctx = client_ctx(0, 0);
    pair p = connect_pair(cctx, sctx, 0);
    SSL *cd = SSL_dup(p.c), *sd = SSL_dup(p.s);
    obsb("client_dup_same", cd == p.c);
    obsb("server_dup_same", sd == p.s);
    obsl("ssl_live_after_dups", live(K_SSL));
    free_pair(&p);
    obsl("ssl_live_after_first_frees", live(K_SSL));
    SSL_free(cd);
    SSL_free(sd);
    obsl("ssl_live_after_second_frees", live(K_SSL));
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    end_check();
}

static void c16(void)
{
    begin_check("C16");
    SSL_CTX *sctx = server_ctx(0, 0), *cctx = client_ctx(0, 0);
    pair p = new_pair(cctx, sctx);
    int r = SSL_do_handshake(p.c);
    obsb("first_step_want_read", r <= 0 && SSL_get_error(p.c, r) == SSL_ERROR_WANT_READ);
    obsb("in_init", SSL_in_init(p.c));
    obsb("in_before", SSL_in_before(p.c));
    SSL *d = SSL_dup(p.c);
    obsb("dup_same", d == p.c);
    obsl("ssl_live", live(K_SSL));
    SSL_free(d);
    free_pair(&p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    end_check();
}

static void c22(void)
{
    begin_check("C22");
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION, 1), *cctx = client_ctx(TLS1_2_VERSION, 0);
    pair p = connect_pair(cctx, sctx, 0);
    obsl("cache_after_handshake", SSL_CTX_sess_number(sctx));
    SSL_SESSION *ss = SSL_get1_session(p.s), *cs = SSL_get1_session(p.c);
    if (SSL_clear(p.s) != 1)
        die("SSL_clear");
    obsl("cache_after_clear", SSL_CTX_sess_number(sctx));
    obsb("server_session_kept", SSL_get_session(p.s) == ss);
    obsb("server_session_null", SSL_get_session(p.s) == NULL);
    obsb("session_resumable", SSL_SESSION_is_resumable(ss));
    if (SSL_shutdown(p.c) < 0)
        die("client shutdown");
    free_pair(&p);
    obsb("client_session_resumable", SSL_SESSION_is_resumable(cs));
    obsb("reused", resumes(cctx, sctx, cs));
    SSL_SESSION_free(ss);
    SSL_SESSION_free(cs);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    end_check();
}

static void c25(void)
{
    begin_check("C25");
    int vs[2] = {TLS1_2_VERSION, TLS1_3_VERSION};
    for (int i = 0; i < 2; i++) {
        int v = vs[i];
        SSL_CTX *sctx = server_ctx(v, v == TLS1_2_VERSION), *cctx = client_ctx(v, 0);
        pair p = connect_pair(cctx, sctx, v == TLS1_3_VERSION);
        SSL_SESSION *sess = SSL_get1_session(p.c);
        obsv(v, "resumable_before", SSL_SESSION_is_resumable(sess));
        if (SSL_clear(p.c) != 1)
            die("SSL_clear");
        obsv(v, "session_null", SSL_get_session(p.c) == NULL);
        obsv(v, "resumable_after", SSL_SESSION_is_resumable(sess));
        free_pair(&p);
        obsv(v, "reused", resumes(cctx, sctx, sess));
        SSL_SESSION_free(sess);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
    end_check();
}

static void c33(void)
{
    begin_check("C33");
    SSL_SESSION *sess = isolated_session(TLS1_2_VERSION);
    obsl("session_live_start", live(K_SESS));
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *c = SSL_new(ctx);
    obsb("set_ret", SSL_set_session(c, sess) == 1);
    SSL_SESSION *g = SSL_get1_session(c);
    obsb("get1_same_object", g == sess);
    SSL_SESSION_free(sess);
    obsl("session_live_after_app_free", live(K_SESS));
    SSL_free(c);
    obsl("session_live_after_ssl_free", live(K_SESS));
    SSL_SESSION_free(g);
    obsl("session_live_after_last_free", live(K_SESS));
    SSL_CTX_free(ctx);
    end_check();
}

static void c34(void)
{
    begin_check("C34");
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *f = SSL_new(ctx);
    obsb("fresh_set_null_ret", SSL_set_session(f, NULL) == 1);
    obsb("fresh_session_null", SSL_get_session(f) == NULL);
    SSL_SESSION *sess = isolated_session(TLS1_2_VERSION);
    if (SSL_set_session(f, sess) != 1)
        die("SSL_set_session");
    SSL_SESSION_free(sess);
    obsl("session_live_held_by_ssl", live(K_SESS));
    obsb("set_null_ret", SSL_set_session(f, NULL) == 1);
    obsb("session_null", SSL_get_session(f) == NULL);
    obsl("session_live_after_set_null", live(K_SESS));
    SSL_free(f);
    SSL_CTX_free(ctx);
    end_check();
}

static void c40(void)
{
    begin_check("C40");
    int vs[2] = {TLS1_2_VERSION, TLS1_3_VERSION};
    for (int i = 0; i < 2; i++) {
        int v = vs[i];
        SSL_CTX *sctx = server_ctx(v, 0), *cctx = client_ctx(v, 0);
        pair p = connect_pair(cctx, sctx, 0);
        SSL_SESSION *sess = SSL_get1_session(p.c);
        obsv(v, "resumable_after_handshake", SSL_SESSION_is_resumable(sess));
        read_tickets(&p);
        obsv(v, "same_object_after_read", SSL_get_session(p.c) == sess);
        obsv(v, "resumable_after_read", SSL_SESSION_is_resumable(SSL_get_session(p.c)));
        SSL_SESSION_free(sess);
        free_pair(&p);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
    end_check();
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cref CA.pem LEAF-CHAIN.pem LEAF-KEY.pem\n");
        return 2;
    }
    ca_file = argv[1];
    chain_file = argv[2];
    key_file = argv[3];
    if (OPENSSL_init_ssl(0, NULL) != 1)
        die("OPENSSL_init_ssl");
    if (SSL_get_ex_new_index(K_SSL, NULL, track_new, NULL, track_free) < 0
        || SSL_CTX_get_ex_new_index(K_CTX, NULL, track_new, NULL, track_free) < 0
        || SSL_SESSION_get_ex_new_index(K_SESS, NULL, track_new, NULL, track_free) < 0)
        die("ex_data index");
    fprintf(stderr, "cref: header %s, runtime %s\n", OPENSSL_VERSION_TEXT, OpenSSL_version(OPENSSL_VERSION));

    c01();
    c02();
    c03();
    c05();
    c06();
    c07();
    c15();
    c16();
    c22();
    c25();
    c33();
    c34();
    c40();
    printf("\n}\n");

    start_probe();
    for (int k = 0; k < K_N; k++)
        if (created[k] - destroyed[k] != 0) {
            fprintf(stderr, "cref: %ld objects of kind %d still alive\n", created[k] - destroyed[k], k);
            return 1;
        }
    return 0;
}
