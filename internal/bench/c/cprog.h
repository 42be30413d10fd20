/* cprog.h: what the C baselines of package openssl's benchmarks share
 * (cbench.c, cconn.c): dying with OpenSSL's reasons, a monotonic clock, and
 * the contexts Config.configure would make. Each program defines PROG (its
 * name in messages) before including this header. */
#ifndef CPROG_H
#define CPROG_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static void die(const char *what)
{
    fprintf(stderr, PROG ": %s (errno %d: %s)\n", what, errno, strerror(errno));
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void ssl_die(const char *what, SSL *s, int ret)
{
    fprintf(stderr, PROG ": %s: ret %d, SSL_get_error %d\n", what, ret, SSL_get_error(s, ret));
    die(what);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char sid_ctx[] = "libssl-go/openssl"; /* as Config.configure */

/* A context for one protocol version, with the session id context a
 * Config gives its SSL_CTX. */
static SSL_CTX *new_ctx_version(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, version) != 1 ||
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)sid_ctx, sizeof sid_ctx - 1) != 1)
        die("SSL_CTX_new");
    return ctx;
}

/* finish_server reads until the client's close_notify, answers it (the
 * peer may be gone already, as after Go's Close), and frees s and fd. */
static void finish_server(SSL *s, int fd, char *buf, int len)
{
    int r;
    while ((r = SSL_read(s, buf, len)) > 0)
        ;
    if (SSL_get_error(s, r) != SSL_ERROR_ZERO_RETURN)
        ssl_die("server SSL_read: want close_notify", s, r);
    (void)SSL_shutdown(s);
    SSL_free(s);
    close(fd);
    ERR_clear_error();
}

/* keep_session replaces *slot with the session of c when it is resumable,
 * as the Go client's session cache keeps the newest one; mu (may be NULL)
 * guards *slot. */
static void keep_session(SSL *c, SSL_SESSION **slot, pthread_mutex_t *mu)
{
    SSL_SESSION *s = SSL_get1_session(c);
    if (s == NULL || !SSL_SESSION_is_resumable(s)) {
        SSL_SESSION_free(s);
        return;
    }
    if (mu != NULL)
        pthread_mutex_lock(mu);
    SSL_SESSION_free(*slot);
    *slot = s;
    if (mu != NULL)
        pthread_mutex_unlock(mu);
}

#endif
