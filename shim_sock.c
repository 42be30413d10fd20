/*
 * shim_sock.c: the socket BIO (socketbio.go), a BIO method of this package
 * over a non-blocking stream socket that the program polls (package
 * openssl's Conn on a TCP or Unix transport, driven by Go's netpoller).
 *
 * Reads are BIO_s_socket's: recv(2), "retry" when the socket has nothing
 * (EAGAIN), end of file at 0.
 *
 * Writes never make libssl wait: what send(2) does not take at once is
 * appended to a spill buffer of the BIO's own, in order, and the write
 * reports success. libssl therefore never holds a half-written record (no
 * SSL_ERROR_WANT_WRITE, no "bad write retry" when a reader's SSL_read must
 * answer a KeyUpdate while a writer waits for the socket), exactly as with
 * a memory BIO, while in the common case the records go from libssl's
 * buffer to the socket with no copy of ours. The program sends the spill
 * with lsh_sock_flush when the socket is writable. While "hold" is set,
 * writes go to the spill without trying the socket (a TLS 1.3 server keeps
 * its session tickets for its next output this way).
 *
 * The descriptor stays the program's: the BIO never closes it, and every
 * call that may reach it must run while the program keeps it open (package
 * openssl calls them inside syscall.RawConn's callbacks).
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

typedef struct {
    int fd;
    int hold;           /* writes go to the spill only */
    int err;            /* errno of a failed send: every later write fails */
    unsigned char *buf; /* the spill: buf[off:len] waits to be sent */
    size_t off, len, cap;
} sock_state;

static BIO_METHOD *sock_method;
static int sock_type;
static CRYPTO_ONCE sock_once = CRYPTO_ONCE_STATIC_INIT;

static int sock_read(BIO *b, char *out, int outl)
{
    sock_state *st = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (outl <= 0)
        return 0;
    for (;;) {
        ssize_t n = recv(st->fd, out, (size_t)outl, 0);
        if (n > 0)
            return (int)n;
        if (n == 0)
            return 0; /* the peer's end of the stream */
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            BIO_set_retry_read(b);
        return -1; /* errno says why, for SSL_ERROR_SYSCALL */
    }
}

/* sock_send sends what it can of p without blocking: the bytes sent, or -1
 * with st->err set when the socket failed. */
static long sock_send(sock_state *st, const unsigned char *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = send(st->fd, p + done, n - done, MSG_NOSIGNAL);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        st->err = w < 0 ? errno : EPIPE;
        return -1;
    }
    return (long)done;
}

static int spill_append(sock_state *st, const unsigned char *p, size_t n)
{
    if (st->off > 0 && st->off == st->len)
        st->off = st->len = 0;
    if (st->len + n > st->cap) {
        if (st->off > 0) {
            memmove(st->buf, st->buf + st->off, st->len - st->off);
            st->len -= st->off;
            st->off = 0;
        }
        if (st->len + n > st->cap) {
            size_t c = st->cap ? st->cap : 4096;
            while (c < st->len + n)
                c *= 2;
            unsigned char *nb = OPENSSL_realloc(st->buf, c);
            if (nb == NULL)
                return 0;
            st->buf = nb;
            st->cap = c;
        }
    }
    memcpy(st->buf + st->len, p, n);
    st->len += n;
    return 1;
}

static int sock_write(BIO *b, const char *in, int inl)
{
    sock_state *st = BIO_get_data(b);
    if (inl <= 0)
        return 0;
    if (st->err != 0) {
        errno = st->err;
        return -1;
    }
    long sent = 0;
    if (!st->hold && st->off == st->len) {
        sent = sock_send(st, (const unsigned char *)in, (size_t)inl);
        if (sent < 0) {
            errno = st->err;
            return -1;
        }
        if (sent == inl)
            return inl;
    }
    if (!spill_append(st, (const unsigned char *)in + sent, (size_t)(inl - sent))) {
        errno = ENOMEM;
        return -1;
    }
    return inl;
}

/* sock_flush_spill sends what the spill holds until the socket refuses
 * more, and frees the spill once it is empty (an idle connection holds no
 * BIO memory). It returns what is left, or -1 when the socket failed. */
static long sock_flush_spill(sock_state *st)
{
    if (st->err != 0)
        return -1;
    if (st->off < st->len) {
        long w = sock_send(st, st->buf + st->off, st->len - st->off);
        if (w < 0)
            return -1;
        st->off += (size_t)w;
    }
    if (st->off == st->len) {
        OPENSSL_free(st->buf);
        st->buf = NULL;
        st->off = st->len = st->cap = 0;
        return 0;
    }
    long left = (long)(st->len - st->off);
    return left;
}

static long sock_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    sock_state *st = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1; /* nothing waits that a flush could send without polling */
    case BIO_CTRL_WPENDING:
        return st != NULL ? (long)(st->len - st->off) : 0;
    case BIO_C_GET_FD:
        if (st == NULL)
            return -1;
        if (ptr != NULL)
            *(int *)ptr = st->fd;
        return st->fd;
    case BIO_CTRL_DUP:
        return 1;
    default:
        (void)num;
        return 0;
    }
}

static int sock_create(BIO *b)
{
    sock_state *st = OPENSSL_zalloc(sizeof *st);
    if (st == NULL)
        return 0;
    st->fd = -1;
    BIO_set_data(b, st);
    BIO_set_init(b, 1);
    return 1;
}

static int sock_destroy(BIO *b)
{
    sock_state *st = BIO_get_data(b);
    if (st != NULL) {
        OPENSSL_free(st->buf);
        OPENSSL_free(st);
    }
    BIO_set_data(b, NULL);
    return 1;
}

static void sock_method_init(void)
{
    int type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
    BIO_METHOD *m = BIO_meth_new(type, "libssl-go socket");
    if (m == NULL)
        return;
    if (!BIO_meth_set_read(m, sock_read) || !BIO_meth_set_write(m, sock_write) || !BIO_meth_set_ctrl(m, sock_ctrl) ||
        !BIO_meth_set_create(m, sock_create) || !BIO_meth_set_destroy(m, sock_destroy)) {
        BIO_meth_free(m);
        return;
    }
    sock_type = type;
    sock_method = m;
}

BIO *lsh_bio_new_sock(int fd, int hold)
{
    if (!CRYPTO_THREAD_run_once(&sock_once, sock_method_init) || sock_method == NULL)
        return NULL;
    BIO *b = BIO_new(sock_method);
    if (b == NULL)
        return NULL;
    sock_state *st = BIO_get_data(b);
    st->fd = fd;
    st->hold = hold != 0;
    return b;
}

/* sock_of returns the socket BIO state of s's write BIO, or NULL. */
static sock_state *sock_of(SSL *s)
{
    BIO *w = SSL_get_wbio(s);
    if (w == NULL || sock_method == NULL)
        return NULL;
    /* Under a handshake's buffering BIO, the socket BIO is the next one. */
    while (w != NULL && BIO_method_type(w) != sock_type)
        w = BIO_next(w);
    return w != NULL ? BIO_get_data(w) : NULL;
}

/* report puts the spill's state in ls_aux: [0] bytes left to send, [1] the
 * errno of a failed send (0 if none). errno itself is kept for the
 * wrapper, which reads it after this returns. */
static void report(sock_state *st, int flush)
{
    int saved = errno;
    ls_aux[0] = ls_aux[1] = 0;
    if (st != NULL) {
        long left = flush ? sock_flush_spill(st) : (long)(st->len - st->off);
        if (left < 0) {
            ls_aux[1] = st->err;
            left = (long)(st->len - st->off);
        }
        ls_aux[0] = left > INT_MAX ? INT_MAX : (int)left;
    }
    errno = saved;
}

int lsh_sock_read(SSL *s, unsigned char *buf, int num)
{
    sock_state *st = sock_of(s);
    size_t before = st != NULL ? st->len - st->off : 0;
    int n = SSL_read(s, buf, num);
    if (st != NULL && st->len - st->off > before && !st->hold) {
        /* What the read made (an alert, a KeyUpdate answer) goes now if the
         * socket takes it (after what waited before it, such as a TLS 1.3
         * server's tickets); the caller sends the rest. */
        report(st, 1);
    } else {
        /* Nothing new: what waits (held tickets) is not the reader's. */
        ls_aux[0] = ls_aux[1] = 0;
    }
    return n;
}

int lsh_sock_write(SSL *s, const unsigned char *buf, int num)
{
    int n = SSL_write(s, buf, num);
    sock_state *st = sock_of(s);
    report(st, n > 0 && st != NULL && !st->hold);
    return n;
}

int lsh_sock_handshake(SSL *s)
{
    int r = SSL_do_handshake(s);
    sock_state *st = sock_of(s);
    int keep = 0;
    if (st != NULL && r == 1 && st->hold) {
        /* The handshake is complete: a TLS 1.3 server's last step wrote
         * only its session tickets, which wait for its next output. */
        keep = SSL_is_server(s) && SSL_version(s) >= TLS1_3_VERSION && !SSL_is_dtls(s);
        st->hold = 0;
    }
    report(st, st != NULL && !keep);
    return r;
}

/* lsh_sock_flush sends what s's socket BIO holds, as far as the socket
 * takes it: the bytes left, or -1 with errno set when the socket failed
 * (EBADF: s has no socket BIO). */
int lsh_sock_flush(SSL *s)
{
    sock_state *st = sock_of(s);
    if (st == NULL) {
        errno = EBADF;
        return -1;
    }
    long left = sock_flush_spill(st);
    if (left < 0) {
        errno = st->err;
        return -1;
    }
    return left > INT_MAX ? INT_MAX : (int)left;
}

/* lsh_sock_set_hold sets or clears s's socket BIO's hold; 0 when s has no
 * socket BIO. */
int lsh_sock_set_hold(SSL *s, int hold)
{
    sock_state *st = sock_of(s);
    if (st == NULL)
        return 0;
    st->hold = hold != 0;
    return 1;
}

/* lsh_ssl_set_sock_bio gives s a new socket BIO on fd as its read and write
 * BIO (SSL_set_bio takes the one reference), with read-ahead on. */
int lsh_ssl_set_sock_bio(SSL *s, int fd, int hold)
{
    BIO *b = lsh_bio_new_sock(fd, hold);
    if (b == NULL)
        return 0;
    SSL_set_bio(s, b, b);
    SSL_set_read_ahead(s, 1);
    return 1;
}
