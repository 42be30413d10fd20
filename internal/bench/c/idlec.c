/*
 * idlec: the C baseline of internal/bench/cmd/idlemem. It holds N idle, handshaken
 * TLS 1.3 connections over loopback TCP, made with libssl directly, and
 * reports the C heap (glibc mallinfo2) each end holds per connection.
 *
 * The two ends live in two processes, as in the Go measurement (N
 * connections are 2N descriptors, and each end's heap is its own): the
 * server process forks the client. Each connection: TCP connect/accept,
 * SSL_connect/SSL_accept, the client writes 64 bytes and reads the server's
 * 64-byte reply (reading the TLS 1.3 session tickets before it), then the
 * connection is kept open and untouched. Each end makes its connections
 * with THREADS threads (the Go side with goroutines), which end before it
 * measures. When all N are done each process
 * measures its heap; the client then waits for the server to finish before
 * it exits, so that every connection is open while either end measures.
 *
 * Same material as the Go side: TLS 1.3 only, TLS_AES_128_GCM_SHA256,
 * libssl's default groups (X25519 first), the ECDSA P-256 chain of
 * internal/testcerts, client verification of the chain and of "localhost",
 * no client session cache (tickets are read and dropped). Sockets are
 * blocking, with SSL_set_fd (the natural C program: no memory BIOs).
 *
 * With "release" after the files, both contexts set SSL_MODE_RELEASE_BUFFERS:
 * libssl then frees an SSL's record buffers whenever they are empty, which
 * shows what those buffers are of an idle connection's memory.
 *
 * usage: idlec N ca.pem chain.pem key.pem [release]
 * stdout, one line per end:
 *   "side=<client|server> n=<N> cheap_base=<B> cheap=<B> rss_base=<B> rss=<B>"
 * stderr: "idlec: runtime <OpenSSL_version text>"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MSG 64
#define IO_TIMEOUT_S 60 /* no operation may block longer than this */
#define THREADS 4       /* connections made at once, per end */

static void die(const char *what)
{
    fprintf(stderr, "idlec: %s (errno %d: %s)\n", what, errno, strerror(errno));
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void ssl_die(const char *what, SSL *s, int ret)
{
    fprintf(stderr, "idlec: %s: ret %d, SSL_get_error %d\n", what, ret, SSL_get_error(s, ret));
    die(what);
}

/* cheap is the C heap in use: small blocks plus mmapped large ones. */
static size_t cheap(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static long rss(void)
{
    long pages = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%*d %ld", &pages) != 1)
        die("statm");
    fclose(f);
    return pages * sysconf(_SC_PAGESIZE);
}

static void sockopts(int fd)
{
    int one = 1;
    struct timeval tv = {IO_TIMEOUT_S, 0};
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        die("setsockopt");
}

static void read_exactly(SSL *s, char *buf, int n, const char *what)
{
    int got = 0, r;
    while (got < n) {
        if ((r = SSL_read(s, buf + got, n - got)) <= 0)
            ssl_die(what, s, r);
        got += r;
    }
}

static SSL_CTX *make_ctx(int server, const char *ca, const char *chain, const char *key,
                         int release)
{
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != 1)
        die("SSL_CTX_new");
    if (release)
        SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (server) {
        if (SSL_CTX_use_certificate_chain_file(ctx, chain) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
            die("server certificate");
    } else {
        if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
            die("client roots");
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    return ctx;
}

static void report(const char *side, long n, size_t cheap_base, long rss_base)
{
    printf("side=%s n=%ld cheap_base=%zu cheap=%zu rss_base=%ld rss=%ld\n", side, n, cheap_base,
           cheap(), rss_base, rss());
    fflush(stdout);
}

/* What the workers share: each makes or accepts connections [from, to). */
static SSL_CTX *sctx, *cctx;
static struct sockaddr_in addr;
static int listener;
static SSL **conns;

struct work {
    int server;
    long from, to;
    pthread_t t;
};

static SSL *connect_one(void)
{
    char buf[MSG];
    int r, fd = socket(AF_INET, SOCK_STREAM, 0);
    SSL *c;
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        die("connect");
    sockopts(fd);
    c = SSL_new(cctx);
    if (c == NULL || SSL_set_fd(c, fd) != 1 || SSL_set_tlsext_host_name(c, "localhost") != 1 ||
        X509_VERIFY_PARAM_set1_host(SSL_get0_param(c), "localhost", 0) != 1)
        die("client SSL_new");
    if ((r = SSL_connect(c)) != 1)
        ssl_die("SSL_connect", c, r);
    memset(buf, 'c', sizeof buf);
    if ((r = SSL_write(c, buf, MSG)) != MSG)
        ssl_die("client SSL_write", c, r);
    read_exactly(c, buf, MSG, "client SSL_read");
    return c;
}

static SSL *accept_one(void)
{
    char buf[MSG];
    int r, fd = accept(listener, NULL, NULL);
    SSL *s;
    if (fd < 0)
        die("accept");
    sockopts(fd);
    s = SSL_new(sctx);
    if (s == NULL || SSL_set_fd(s, fd) != 1)
        die("server SSL_new");
    if ((r = SSL_accept(s)) != 1)
        ssl_die("SSL_accept", s, r);
    read_exactly(s, buf, MSG, "server SSL_read");
    memset(buf, 's', sizeof buf);
    if ((r = SSL_write(s, buf, MSG)) != MSG)
        ssl_die("server SSL_write", s, r);
    return s;
}

static void *worker(void *arg)
{
    struct work *w = arg;
    long i;
    for (i = w->from; i < w->to; i++)
        conns[i] = w->server ? accept_one() : connect_one();
    return NULL;
}

/* run makes this end's n connections with THREADS threads (as the Go side
 * runs its connections concurrently) and waits for them. */
static void run(int server, long n)
{
    struct work w[THREADS];
    int i;
    for (i = 0; i < THREADS; i++) {
        w[i].server = server;
        w[i].from = n * i / THREADS;
        w[i].to = n * (i + 1) / THREADS;
        if (pthread_create(&w[i].t, NULL, worker, &w[i]) != 0)
            die("pthread_create");
    }
    for (i = 0; i < THREADS; i++)
        if (pthread_join(w[i].t, NULL) != 0)
            die("pthread_join");
}

int main(int argc, char **argv)
{
    socklen_t alen = sizeof addr;
    int sync[2], r, release;
    long n;
    pid_t pid;
    size_t cheap_base;
    long rss_base;
    char one;

    if (argc < 5 || argc > 6 || (n = atol(argv[1])) <= 0 ||
        (argc == 6 && strcmp(argv[5], "release") != 0)) {
        fprintf(stderr, "usage: idlec N ca.pem chain.pem key.pem [release]\n");
        return 2;
    }
    release = argc == 6;
    fprintf(stderr, "idlec: runtime %s\n", OpenSSL_version(OPENSSL_VERSION));
    conns = calloc(n, sizeof *conns);
    sctx = make_ctx(1, argv[2], argv[3], argv[4], release);
    cctx = make_ctx(0, argv[2], argv[3], argv[4], release);
    if (conns == NULL)
        die("calloc");

    listener = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 4096) != 0 || getsockname(listener, (struct sockaddr *)&addr, &alen) != 0)
        die("listen");
    if (pipe(sync) != 0)
        die("pipe");
    cheap_base = cheap();
    rss_base = rss();
    fflush(stdout);
    if ((pid = fork()) < 0)
        die("fork");

    if (pid == 0) { /* the client */
        close(listener);
        close(sync[1]);
        run(0, n);
        report("client", n, cheap_base, rss_base);
        /* Stay until the server has measured (it closes its end of the pipe). */
        (void)read(sync[0], &one, 1);
        _exit(0);
    }

    close(sync[0]);
    run(1, n);
    report("server", n, cheap_base, rss_base);
    close(sync[1]);
    if (waitpid(pid, &r, 0) != pid || !WIFEXITED(r) || WEXITSTATUS(r) != 0)
        die("client process failed");
    return 0;
}
