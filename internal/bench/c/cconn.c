/*
 * cconn: the C baseline of BenchmarkConn (openssl/benchconn_test.go). It does
 * with libssl directly, over loopback TCP, with P concurrent connections,
 * what the Go benchmark does through the binding and with crypto/tls:
 *
 *   hs13full, hs13resumed, hs12full, hs12resumed
 *            N handshakes (TLS 1.3 or 1.2, full or resumed) spread over P
 *            workers. A worker is a listener, a client thread and a server
 *            thread; per connection: the client connects, both handshake,
 *            the server writes one byte and notes whether the handshake
 *            resumed, the client reads the byte (a TLS 1.3 client takes its
 *            tickets in), sends close_notify and closes; the server reads
 *            to close_notify,
 *            answers it and closes. Each worker first runs one untimed
 *            handshake (warm-up; fills the session store for resumed).
 *            Resumption: one store for the process (a mutex and the newest
 *            resumable session), the analogue of the Go client's session
 *            cache; every resumed handshake must resume.
 *   bulk     P connections, set up and handshaken untimed; each carries N *
 *            (64 MiB / P) bytes EACH WAY AT ONCE (full duplex): both ends
 *            write in 16 KiB SSL_write calls while reading. One thread per
 *            end drives a non-blocking socket with poll(2), SSL_write and
 *            SSL_read (an SSL may not be used by two threads at once: this
 *            is the C way to go full duplex; the Go analogue is one
 *            goroutine reading and one writing per end). Every byte read is
 *            checked against the stream's pattern (byte k of a direction is
 *            k mod 251) with memcmp, and each direction must deliver
 *            exactly its count.
 *
 * Threads: 2P (one per connection end), the analogue of the Go benchmark's
 * goroutines (2P for handshakes, 4P for bulk).
 *
 * Same material as the Go side: TLS_AES_128_GCM_SHA256 (1.3) or
 * ECDHE-ECDSA-AES128-GCM-SHA256 (1.2), X25519 (libssl's default first
 * group), the ECDSA P-256 chain from internal/testcerts, client verification
 * of the chain and of "localhost", TCP_NODELAY as Go sets it.
 *
 * Timed region: from the moment every thread has finished its set-up (a
 * barrier) to the join of the last one; its CPU time (user and system,
 * every thread, getrusage) is reported beside the wall time, with its system
 * part and the voluntary context switches (a thread blocking in poll or a
 * lock) on their own. Under callgrind the same region is
 * bracketed by CALLGRIND_ZERO_STATS and CALLGRIND_DUMP_STATS, so the dump
 * holds the instructions of the N operations on every thread.
 *
 * usage: cconn MODE P N ca.pem chain.pem key.pem
 * stdout: "elapsed_ns=<ns> n=<N> resumed=<count> cpu_ns=<user+system ns>
 *          sys_ns=<system ns> vcsw=<voluntary context switches>"
 * stderr: "cconn: header <text>, runtime <text>"
 *
 * Built by the benchmark run itself (openssl/cbench_test.go's buildC) with CC,
 * CGO_CFLAGS and CGO_LDFLAGS, so it links the libssl the Go package links.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define PROG "cconn"
#include "cprog.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif

static long bulk_total = 64L << 20; /* CCONN_BULK_MIB overrides (instruction runs) */
#define CHUNK (16 << 10)
#define PERIOD 251
#define IO_TIMEOUT_S 120 /* no operation may block longer than this */

enum mode { HS, BULK };

static enum mode mode;
static int resume, version;
static SSL_CTX *sctx, *cctx;
static unsigned char pat[CHUNK + PERIOD];
static pthread_barrier_t ready, go;

static pthread_mutex_t store_mu = PTHREAD_MUTEX_INITIALIZER;
static SSL_SESSION *store; /* the newest resumable session */
static long resumed_total;

static void sockopts(int fd)
{
    int one = 1;
    struct timeval tv = {IO_TIMEOUT_S, 0};
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        die("setsockopt");
}

static int listen_loopback(struct sockaddr_in *a)
{
    socklen_t alen = sizeof *a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0)
        die("socket");
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr *)a, sizeof *a) != 0 || listen(l, 128) != 0 ||
        getsockname(l, (struct sockaddr *)a, &alen) != 0)
        die("listen");
    return l;
}

static int dial(const struct sockaddr_in *a)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)a, sizeof *a) != 0)
        die("connect");
    sockopts(fd);
    return fd;
}

static int accept_fd(int l)
{
    int fd = accept(l, NULL, NULL);
    if (fd < 0)
        die("accept");
    sockopts(fd);
    return fd;
}

static SSL *client_ssl(int fd)
{
    SSL *c = SSL_new(cctx);
    if (c == NULL || SSL_set_fd(c, fd) != 1 || SSL_set_tlsext_host_name(c, "localhost") != 1 ||
        X509_VERIFY_PARAM_set1_host(SSL_get0_param(c), "localhost", 0) != 1)
        die("client SSL_new");
    SSL_set_verify(c, SSL_VERIFY_PEER, NULL);
    return c;
}

static SSL *server_ssl(int fd)
{
    SSL *s = SSL_new(sctx);
    if (s == NULL || SSL_set_fd(s, fd) != 1)
        die("server SSL_new");
    return s;
}

/* One handshake connection, client side. */
static void client_hs(const struct sockaddr_in *a)
{
    int r, fd = dial(a);
    char one;
    SSL *c = client_ssl(fd);
    if (resume) {
        pthread_mutex_lock(&store_mu);
        if (store != NULL && SSL_set_session(c, store) != 1)
            die("SSL_set_session");
        pthread_mutex_unlock(&store_mu);
    }
    if ((r = SSL_connect(c)) != 1)
        ssl_die("SSL_connect", c, r);
    if ((r = SSL_read(c, &one, 1)) != 1)
        ssl_die("client SSL_read", c, r);
    if (resume)
        keep_session(c, &store, &store_mu);
    if ((r = SSL_shutdown(c)) < 0)
        ssl_die("client SSL_shutdown", c, r);
    SSL_free(c);
    close(fd);
}

/* One handshake connection, server side. Returns whether it resumed (the
 * server's view, as the Go side asks its server Conn: a libssl-go client
 * Conn's state parses the peer's chain on first use). */
static int server_hs(int l)
{
    static __thread char buf[CHUNK];
    int r, fd = accept_fd(l), reused;
    SSL *s = server_ssl(fd);
    if ((r = SSL_accept(s)) != 1)
        ssl_die("SSL_accept", s, r);
    if ((r = SSL_write(s, "\1", 1)) != 1)
        ssl_die("server SSL_write", s, r);
    reused = SSL_session_reused(s);
    finish_server(s, fd, buf, sizeof buf);
    return reused;
}

struct end {
    int server;
    long count;                 /* handshakes (HS) */
    long bytes;                 /* bytes each way (BULK) */
    int l;                      /* the worker's listener (HS) */
    struct sockaddr_in a;       /* its address (HS) */
    int fd;                     /* the connection (BULK) */
    long resumed;
};

/* exchange sends e->bytes and receives as many, at once, on a non-blocking
 * socket. */
static void exchange(SSL *s, int fd, long bytes)
{
    static __thread unsigned char buf[CHUNK];
    long sent = 0, got = 0;
    int r, want_r = 0, want_w = 0;
    while (sent < bytes || got < bytes) {
        int progress = 0;
        want_r = want_w = 0;
        if (sent < bytes) {
            int n = bytes - sent < CHUNK ? (int)(bytes - sent) : CHUNK;
            r = SSL_write(s, pat + sent % PERIOD, n);
            if (r > 0) {
                if (r != n)
                    ssl_die("SSL_write: short", s, r);
                sent += r;
                progress = 1;
            } else {
                int e = SSL_get_error(s, r);
                if (e == SSL_ERROR_WANT_WRITE)
                    want_w = 1;
                else if (e == SSL_ERROR_WANT_READ)
                    want_r = 1;
                else
                    ssl_die("SSL_write", s, r);
            }
        }
        if (got < bytes) {
            r = SSL_read(s, buf, sizeof buf);
            if (r > 0) {
                if (got + r > bytes || memcmp(buf, pat + got % PERIOD, (size_t)r) != 0)
                    die("bulk: the bytes read are not the bytes written");
                got += r;
                progress = 1;
            } else {
                int e = SSL_get_error(s, r);
                if (e == SSL_ERROR_WANT_READ)
                    want_r = 1;
                else if (e == SSL_ERROR_WANT_WRITE)
                    want_w = 1;
                else
                    ssl_die("SSL_read", s, r);
            }
        }
        if (!progress) {
            struct pollfd p = {fd, (short)((want_r ? POLLIN : 0) | (want_w ? POLLOUT : 0)), 0};
            int pr = poll(&p, 1, IO_TIMEOUT_S * 1000);
            if (pr == 0) {
                errno = ETIMEDOUT;
                die("bulk: poll timed out");
            }
            if (pr < 0 && errno != EINTR)
                die("poll");
        }
    }
}

static void *run_end(void *arg)
{
    struct end *e = arg;
    long i;
    if (mode == HS) {
        /* warm-up, then wait for the start */
        if (e->server)
            (void)server_hs(e->l);
        else
            client_hs(&e->a);
        pthread_barrier_wait(&ready);
        pthread_barrier_wait(&go);
        for (i = 0; i < e->count; i++) {
            if (e->server)
                e->resumed += server_hs(e->l);
            else
                client_hs(&e->a);
        }
        return NULL;
    }
    SSL *s = e->server ? server_ssl(e->fd) : client_ssl(e->fd);
    int r = e->server ? SSL_accept(s) : SSL_connect(s);
    if (r != 1)
        ssl_die(e->server ? "SSL_accept" : "SSL_connect", s, r);
    if (fcntl(e->fd, F_SETFL, fcntl(e->fd, F_GETFL) | O_NONBLOCK) != 0)
        die("O_NONBLOCK");
    pthread_barrier_wait(&ready);
    pthread_barrier_wait(&go);
    exchange(s, e->fd, e->bytes);
    pthread_barrier_wait(&ready); /* the peer may still read what we sent */
    SSL_free(s);
    close(e->fd);
    return NULL;
}

/* cpu_use is the process's CPU time so far, every thread: user and system
 * (cpu), system alone (sys), and voluntary context switches (vcsw). */
struct cpu_use {
    int64_t cpu, sys, vcsw;
};

static struct cpu_use cpu_now(void)
{
    struct rusage ru;
    struct cpu_use u;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        die("getrusage");
    u.sys = (int64_t)ru.ru_stime.tv_sec * 1000000000 + (int64_t)ru.ru_stime.tv_usec * 1000;
    u.cpu = (int64_t)ru.ru_utime.tv_sec * 1000000000 + (int64_t)ru.ru_utime.tv_usec * 1000 + u.sys;
    u.vcsw = ru.ru_nvcsw;
    return u;
}

int main(int argc, char **argv)
{
    long p, n, i, k;
    struct end *ends;
    pthread_t *th;
    int64_t start, elapsed;
    struct cpu_use cpu0, cpu;

    if (argc != 7) {
        fprintf(stderr, "usage: cconn hs13full|hs13resumed|hs12full|hs12resumed|bulk P N ca.pem chain.pem key.pem\n");
        return 2;
    }
    version = TLS1_3_VERSION;
    if (strcmp(argv[1], "bulk") == 0) {
        mode = BULK;
    } else if (strncmp(argv[1], "hs1", 3) == 0 && (argv[1][3] == '2' || argv[1][3] == '3') &&
               (strcmp(argv[1] + 4, "full") == 0 || strcmp(argv[1] + 4, "resumed") == 0)) {
        mode = HS;
        version = argv[1][3] == '2' ? TLS1_2_VERSION : TLS1_3_VERSION;
        resume = strcmp(argv[1] + 4, "resumed") == 0;
    } else {
        return 2;
    }
    if (getenv("CCONN_BULK_MIB") != NULL)
        bulk_total = strtol(getenv("CCONN_BULK_MIB"), NULL, 10) << 20;
    p = strtol(argv[2], NULL, 10);
    n = strtol(argv[3], NULL, 10);
    if (p < 1 || n < 1 || bulk_total < CHUNK || (mode == BULK && bulk_total % ((long)CHUNK * p) != 0))
        return 2;
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "cconn: header %s, runtime %s\n", OPENSSL_VERSION_TEXT, OpenSSL_version(OPENSSL_VERSION));
    for (i = 0; i < (long)sizeof pat; i++)
        pat[i] = (unsigned char)(i % PERIOD);

    sctx = new_ctx_version(version);
    if (SSL_CTX_use_certificate_chain_file(sctx, argv[5]) != 1 ||
        SSL_CTX_use_PrivateKey_file(sctx, argv[6], SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(sctx) != 1)
        die("server certificate");
    cctx = new_ctx_version(version);
    if (SSL_CTX_set_ciphersuites(cctx, "TLS_AES_128_GCM_SHA256") != 1 ||
        SSL_CTX_set_cipher_list(cctx, "ECDHE-ECDSA-AES128-GCM-SHA256") != 1 ||
        SSL_CTX_load_verify_locations(cctx, argv[4], NULL) != 1)
        die("client context");

    ends = calloc((size_t)(2 * p), sizeof *ends);
    th = calloc((size_t)(2 * p), sizeof *th);
    if (ends == NULL || th == NULL)
        die("calloc");
    if (pthread_barrier_init(&ready, NULL, (unsigned)(2 * p + 1)) != 0 ||
        pthread_barrier_init(&go, NULL, (unsigned)(2 * p + 1)) != 0)
        die("pthread_barrier_init");
    for (k = 0; k < p; k++) {
        struct end *c = &ends[2 * k], *s = &ends[2 * k + 1];
        s->server = 1;
        if (mode == HS) {
            s->l = listen_loopback(&s->a);
            c->a = s->a;
            c->count = s->count = n / p + (k < n % p);
        } else {
            struct sockaddr_in a;
            int l = listen_loopback(&a);
            c->fd = dial(&a);
            s->fd = accept_fd(l);
            close(l);
            c->bytes = s->bytes = n * (bulk_total / p);
        }
    }
    for (i = 0; i < 2 * p; i++)
        if (pthread_create(&th[i], NULL, run_end, &ends[i]) != 0)
            die("pthread_create");
    pthread_barrier_wait(&ready);
#ifdef HAVE_CALLGRIND
    CALLGRIND_ZERO_STATS;
#endif
    start = now_ns();
    cpu0 = cpu_now();
    pthread_barrier_wait(&go);
    if (mode == BULK)
        pthread_barrier_wait(&ready); /* every end has sent and read all */
    else
        for (i = 0; i < 2 * p; i++)
            if (pthread_join(th[i], NULL) != 0)
                die("pthread_join");
    elapsed = now_ns() - start;
    cpu = cpu_now();
#ifdef HAVE_CALLGRIND
    CALLGRIND_DUMP_STATS_AT("cconn");
#endif
    if (mode == BULK)
        for (i = 0; i < 2 * p; i++)
            if (pthread_join(th[i], NULL) != 0)
                die("pthread_join");
    for (i = 0; i < 2 * p; i++)
        resumed_total += ends[i].resumed;
    for (k = 0; k < p && mode == HS; k++)
        close(ends[2 * k + 1].l);
    SSL_SESSION_free(store);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    printf("elapsed_ns=%lld n=%ld resumed=%ld cpu_ns=%lld sys_ns=%lld vcsw=%lld\n", (long long)elapsed, n,
           resumed_total, (long long)(cpu.cpu - cpu0.cpu), (long long)(cpu.sys - cpu0.sys),
           (long long)(cpu.vcsw - cpu0.vcsw));
    return 0;
}
