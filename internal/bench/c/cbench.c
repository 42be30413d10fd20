/*
 * cbench: the C baseline for the openssl/ package's benchmarks. It does with
 * libssl directly what openssl/bench_test.go does through the binding and with
 * crypto/tls, so that the three can be put side by side:
 *
 *   full     N TLS 1.3 full handshakes, each on a new connection: handshake,
 *            one byte from server to client (the client reads its tickets),
 *            client close_notify, server reads it, sends its own, closes.
 *   resumed  the same, each handshake offering the session of the previous
 *            one.
 *            Both start with one untimed handshake (it warms the fresh
 *            process, as earlier runs warm the Go benchmark's process, and
 *            in resumed mode it fills the "cache").
 *   bulk     one connection; N times 64 MiB from client to server in
 *            16 KiB SSL_write calls (handshake untimed).
 *
 * Transports: "loopback" (a new 127.0.0.1 listener per connection, as the Go
 * side's net.Listen per dial, TCP_NODELAY as Go sets it) and "pipe" (an
 * AF_UNIX socketpair, the C analogue of net.Pipe).
 *
 * Same material as the Go side: TLS 1.3 only, TLS_AES_128_GCM_SHA256,
 * libssl's default groups (X25519 first), the ECDSA P-256 chain from
 * internal/testcerts, client verification of the chain and of "localhost".
 * The client is the main thread, the server a second thread; sockets are
 * blocking, with SSL_set_fd (the natural C program: no memory BIOs).
 *
 * usage: cbench full|resumed|bulk loopback|pipe N ca.pem chain.pem key.pem
 * stdout: "elapsed_ns=<ns for the N operations> n=<N> resumed=<count>"
 * stderr: "cbench: header <text>, runtime <text>"
 *
 * Built by the benchmark run itself (openssl/cbench_test.go) with CC, CGO_CFLAGS and
 * CGO_LDFLAGS, so it links the libssl the Go package links.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define PROG "cbench"
#include "cprog.h"

#define TOTAL (64 << 20)
#define CHUNK (16 << 10)
#define IO_TIMEOUT_S 60 /* no operation may block longer than this */

enum mode { FULL, RESUMED, BULK };

static void bound(int fd)
{
    struct timeval tv = {IO_TIMEOUT_S, 0};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        die("setsockopt timeout");
}

static void nodelay(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        die("setsockopt TCP_NODELAY");
}

/* pair makes a connected client/server pair of sockets. */
static void pair(int loopback, int *cfd, int *sfd)
{
    int fds[2];
    if (!loopback) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
            die("socketpair");
        *cfd = fds[0];
        *sfd = fds[1];
    } else {
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        int l = socket(AF_INET, SOCK_STREAM, 0);
        if (l < 0)
            die("socket");
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 8) != 0 ||
            getsockname(l, (struct sockaddr *)&a, &alen) != 0)
            die("listen");
        *cfd = socket(AF_INET, SOCK_STREAM, 0);
        if (*cfd < 0 || connect(*cfd, (struct sockaddr *)&a, sizeof a) != 0)
            die("connect");
        *sfd = accept(l, NULL, NULL);
        if (*sfd < 0)
            die("accept");
        close(l);
        nodelay(*cfd);
        nodelay(*sfd);
    }
    bound(*cfd);
    bound(*sfd);
}

static void xwrite(int fd, const void *p, size_t n)
{
    if (write(fd, p, n) != (ssize_t)n)
        die("pipe write");
}

static void xread(int fd, void *p, size_t n)
{
    if (read(fd, p, n) != (ssize_t)n)
        die("pipe read");
}

struct server {
    SSL_CTX *ctx;
    enum mode mode;
    long n;      /* connections (handshake modes) or transfers (bulk) */
    int in, out; /* pipes: sockets in, acknowledgements out */
};

static SSL *accept_one(SSL_CTX *ctx, int fd)
{
    int r;
    SSL *s = SSL_new(ctx);
    if (s == NULL || SSL_set_fd(s, fd) != 1)
        die("server SSL_new");
    if ((r = SSL_accept(s)) != 1)
        ssl_die("SSL_accept", s, r);
    if ((r = SSL_write(s, "\1", 1)) != 1)
        ssl_die("server SSL_write", s, r);
    return s;
}

static void *serve(void *arg)
{
    struct server *sv = arg;
    static char buf[CHUNK];
    int fd, r;
    long i;
    SSL *s;

    if (sv->mode != BULK) {
        for (i = 0; i < sv->n; i++) {
            xread(sv->in, &fd, sizeof fd);
            s = accept_one(sv->ctx, fd);
            finish_server(s, fd, buf, sizeof buf);
            xwrite(sv->out, "k", 1);
        }
        return NULL;
    }
    xread(sv->in, &fd, sizeof fd);
    s = accept_one(sv->ctx, fd);
    xwrite(sv->out, "k", 1);
    for (i = 0; i < sv->n; i++) {
        long got = 0;
        while (got < TOTAL) {
            if ((r = SSL_read(s, buf, sizeof buf)) <= 0)
                ssl_die("server SSL_read", s, r);
            got += r;
        }
        xwrite(sv->out, "k", 1);
    }
    SSL_free(s);
    close(fd);
    return NULL;
}

static SSL *connect_one(SSL_CTX *ctx, int fd, SSL_SESSION *sess)
{
    int r;
    char one;
    SSL *c = SSL_new(ctx);
    if (c == NULL || SSL_set_fd(c, fd) != 1 || SSL_set_tlsext_host_name(c, "localhost") != 1 ||
        X509_VERIFY_PARAM_set1_host(SSL_get0_param(c), "localhost", 0) != 1)
        die("client SSL_new");
    SSL_set_verify(c, SSL_VERIFY_PEER, NULL);
    if (sess != NULL && SSL_set_session(c, sess) != 1)
        die("SSL_set_session");
    if ((r = SSL_connect(c)) != 1)
        ssl_die("SSL_connect", c, r);
    if ((r = SSL_read(c, &one, 1)) != 1)
        ssl_die("client SSL_read", c, r);
    return c;
}

int main(int argc, char **argv)
{
    enum mode mode;
    int loopback, cfd, sfd, pin[2], pout[2];
    long n, i, reused = 0;
    char k;
    SSL_CTX *sctx, *cctx;
    SSL_SESSION *sess = NULL;
    SSL *c;
    pthread_t th;
    struct server sv;
    int64_t start, elapsed;

    if (argc != 7) {
        fprintf(stderr, "usage: cbench full|resumed|bulk loopback|pipe N ca.pem chain.pem key.pem\n");
        return 2;
    }
    if (strcmp(argv[1], "full") == 0)
        mode = FULL;
    else if (strcmp(argv[1], "resumed") == 0)
        mode = RESUMED;
    else if (strcmp(argv[1], "bulk") == 0)
        mode = BULK;
    else
        return 2;
    loopback = strcmp(argv[2], "loopback") == 0;
    if (!loopback && strcmp(argv[2], "pipe") != 0)
        return 2;
    n = strtol(argv[3], NULL, 10);
    if (n < 1)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "cbench: header %s, runtime %s\n", OPENSSL_VERSION_TEXT, OpenSSL_version(OPENSSL_VERSION));

    sctx = new_ctx_version(TLS1_3_VERSION);
    if (SSL_CTX_use_certificate_chain_file(sctx, argv[5]) != 1 ||
        SSL_CTX_use_PrivateKey_file(sctx, argv[6], SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(sctx) != 1)
        die("server certificate");
    cctx = new_ctx_version(TLS1_3_VERSION);
    if (SSL_CTX_set_ciphersuites(cctx, "TLS_AES_128_GCM_SHA256") != 1 ||
        SSL_CTX_load_verify_locations(cctx, argv[4], NULL) != 1)
        die("client context");

    if (pipe(pin) != 0 || pipe(pout) != 0)
        die("pipe");
    sv.ctx = sctx;
    sv.mode = mode;
    sv.n = mode == BULK ? n : n + 1;
    sv.in = pin[0];
    sv.out = pout[1];
    if (pthread_create(&th, NULL, serve, &sv) != 0)
        die("pthread_create");

    if (mode == BULK) {
        static char buf[CHUNK];
        pair(loopback, &cfd, &sfd);
        xwrite(pin[1], &sfd, sizeof sfd);
        c = connect_one(cctx, cfd, NULL);
        xread(pout[0], &k, 1);
        start = now_ns();
        for (i = 0; i < n; i++) {
            long sent;
            int r;
            for (sent = 0; sent < TOTAL; sent += CHUNK)
                if ((r = SSL_write(c, buf, CHUNK)) != CHUNK)
                    ssl_die("client SSL_write", c, r);
            xread(pout[0], &k, 1);
        }
        elapsed = now_ns() - start;
        SSL_free(c);
        close(cfd);
    } else {
        start = 0;
        for (i = -1; i < n; i++) {
            int r;
            if (i == 0)
                start = now_ns();
            pair(loopback, &cfd, &sfd);
            xwrite(pin[1], &sfd, sizeof sfd);
            c = connect_one(cctx, cfd, sess);
            if (i >= 0 && SSL_session_reused(c))
                reused++;
            if (mode == RESUMED)
                keep_session(c, &sess, NULL);
            if ((r = SSL_shutdown(c)) < 0)
                ssl_die("client SSL_shutdown", c, r);
            SSL_free(c);
            close(cfd);
            xread(pout[0], &k, 1);
        }
        elapsed = now_ns() - start;
        SSL_SESSION_free(sess);
    }
    if (pthread_join(th, NULL) != 0)
        die("pthread_join");
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    printf("elapsed_ns=%lld n=%ld resumed=%ld\n", (long long)elapsed, n, reused);
    return 0;
}
