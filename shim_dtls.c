/*
 * shim_dtls.c: helpers for DTLS (dtls.go): a memory BIO that keeps each
 * datagram whole, and the DTLS timer and MTU macros.
 *
 * A BIO_s_mem is a byte stream: two datagrams written to it read back as
 * one, and libssl's DTLS record layer takes what one BIO_read returns as one
 * datagram. The datagram memory BIO queues each BIO_write as one datagram
 * and gives one datagram per BIO_read (cut to the reader's buffer, as a
 * datagram socket does), so that a program moving datagrams between libssl
 * and a transport of its own keeps their boundaries both ways. OpenSSL 3.2
 * has BIO_s_dgram_mem for this; 1.1.1 and 3.0 have none, so the binding
 * builds one with BIO_meth_new.
 */
#include "shim_internal.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct lsh_dgram {
    struct lsh_dgram *next;
    size_t len;
    unsigned char data[];
};

struct lsh_dgram_queue {
    struct lsh_dgram *head, *tail;
    long query_mtu; /* the answer to BIO_CTRL_DGRAM_QUERY_MTU; 0: unknown */
};

static void dgram_queue_clear(struct lsh_dgram_queue *q)
{
    while (q->head != NULL) {
        struct lsh_dgram *d = q->head;
        q->head = d->next;
        free(d);
    }
    q->tail = NULL;
}

static int dgram_mem_create(BIO *b)
{
    struct lsh_dgram_queue *q = calloc(1, sizeof(*q));
    if (q == NULL)
        return 0;
    BIO_set_data(b, q);
    BIO_set_init(b, 1);
    return 1;
}

static int dgram_mem_destroy(BIO *b)
{
    struct lsh_dgram_queue *q;
    if (b == NULL)
        return 0;
    q = BIO_get_data(b);
    if (q != NULL) {
        dgram_queue_clear(q);
        free(q);
    }
    BIO_set_data(b, NULL);
    BIO_set_init(b, 0);
    return 1;
}

static int dgram_mem_write(BIO *b, const char *in, int inl)
{
    struct lsh_dgram_queue *q = BIO_get_data(b);
    struct lsh_dgram *d;
    BIO_clear_retry_flags(b);
    if (q == NULL || inl < 0)
        return -1;
    d = malloc(sizeof(*d) + (size_t)inl);
    if (d == NULL)
        return -1;
    d->next = NULL;
    d->len = (size_t)inl;
    if (inl > 0)
        memcpy(d->data, in, (size_t)inl);
    if (q->tail != NULL)
        q->tail->next = d;
    else
        q->head = d;
    q->tail = d;
    return inl;
}

static int dgram_mem_read(BIO *b, char *out, int outl)
{
    struct lsh_dgram_queue *q = BIO_get_data(b);
    struct lsh_dgram *d;
    int n;
    BIO_clear_retry_flags(b);
    if (q == NULL || outl < 0)
        return -1;
    d = q->head;
    if (d == NULL) {
        BIO_set_retry_read(b);
        return -1;
    }
    q->head = d->next;
    if (q->head == NULL)
        q->tail = NULL;
    n = d->len < (size_t)outl ? (int)d->len : outl;
    if (n > 0)
        memcpy(out, d->data, (size_t)n);
    free(d);
    return n;
}

static long dgram_mem_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct lsh_dgram_queue *q = BIO_get_data(b);
    (void)ptr;
    if (q == NULL)
        return 0;
    switch (cmd) {
    case BIO_CTRL_PENDING:
        /* The size of the next datagram, as BIO_s_dgram_mem reports it. */
        return q->head != NULL ? (long)q->head->len : 0;
    case BIO_CTRL_WPENDING:
        return 0;
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_RESET:
        dgram_queue_clear(q);
        return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
        return q->query_mtu;
    case BIO_CTRL_DGRAM_SET_MTU:
        q->query_mtu = num;
        return num;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
        /* No UDP or IP header: the datagram is the payload. */
        return 0;
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
        /* The program reads libssl's timer with DTLSv1_get_timeout. */
        return 1;
    default:
        return 0;
    }
}

static BIO_METHOD *dgram_mem_method;
static int dgram_mem_type;
static pthread_once_t dgram_mem_once = PTHREAD_ONCE_INIT;

static void dgram_mem_init(void)
{
    int type = BIO_get_new_index();
    BIO_METHOD *m;
    if (type == -1)
        return;
    type |= BIO_TYPE_SOURCE_SINK;
    m = BIO_meth_new(type, "libssl-go datagram memory");
    if (m == NULL)
        return;
    if (!BIO_meth_set_write(m, dgram_mem_write) || !BIO_meth_set_read(m, dgram_mem_read) ||
        !BIO_meth_set_ctrl(m, dgram_mem_ctrl) || !BIO_meth_set_create(m, dgram_mem_create) ||
        !BIO_meth_set_destroy(m, dgram_mem_destroy)) {
        BIO_meth_free(m);
        return;
    }
    dgram_mem_type = type;
    dgram_mem_method = m;
}

BIO *lsh_bio_new_dgram_mem(void)
{
    pthread_once(&dgram_mem_once, dgram_mem_init);
    if (dgram_mem_method == NULL) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        ERR_raise(ERR_LIB_BIO, ERR_R_MALLOC_FAILURE);
#else
        BIOerr(0, ERR_R_MALLOC_FAILURE);
#endif
        return NULL;
    }
    return BIO_new(dgram_mem_method);
}

/* 1 when b is a datagram memory BIO. */
int lsh_bio_is_dgram_mem(BIO *b)
{
    return dgram_mem_method != NULL && BIO_method_type(b) == dgram_mem_type;
}

/* BIO_dgram_set_mtu's ctrl on the datagram memory BIO: what libssl's
 * BIO_CTRL_DGRAM_QUERY_MTU then reads. */
int lsh_bio_dgram_set_query_mtu(BIO *b, long mtu)
{
    if (!lsh_bio_is_dgram_mem(b))
        return 0;
    return BIO_ctrl(b, BIO_CTRL_DGRAM_SET_MTU, mtu, NULL) == mtu;
}

/* DTLSv1_get_timeout: 1 and the time left (seconds and microseconds) when
 * libssl's retransmission timer runs, 0 when none does. */
int lsh_ssl_dtls_get_timeout(SSL *s, long *sec, long *usec)
{
    struct timeval tv;
    if (DTLSv1_get_timeout(s, &tv) != 1) {
        *sec = *usec = 0;
        return 0;
    }
    *sec = (long)tv.tv_sec;
    *usec = (long)tv.tv_usec;
    return 1;
}

/* DTLSv1_handle_timeout: 1 retransmitted, 0 no timer had expired, -1 failed. */
int lsh_ssl_dtls_handle_timeout(SSL *s) { return (int)DTLSv1_handle_timeout(s); }

/* SSL_set_mtu: 1, or 0 below libssl's minimum MTU. */
int lsh_ssl_set_mtu(SSL *s, long mtu) { return SSL_set_mtu(s, mtu) != 0; }

/* DTLS_set_link_mtu: 1, or 0 below libssl's minimum link MTU. */
int lsh_ssl_set_link_mtu(SSL *s, long mtu) { return DTLS_set_link_mtu(s, mtu) != 0; }


/*
 * The DTLS retransmission timer's first duration, per SSL, for
 * DTLS_set_timer_cb: an ex_data slot holds the microseconds (an integer,
 * no pointer), and the callback starts the timer at that value and doubles
 * it per timeout up to the larger of 60 s and the start, as libssl's own
 * schedule does from 1 s.
 */
static int dtls_timer_idx = -1;
static pthread_once_t dtls_timer_once = PTHREAD_ONCE_INIT;

static void dtls_timer_init(void)
{
    dtls_timer_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static unsigned int dtls_timer_cb(SSL *s, unsigned int prev_us)
{
    unsigned int start = (unsigned int)(uintptr_t)SSL_get_ex_data(s, dtls_timer_idx);
    unsigned int cap = start > 60000000u ? start : 60000000u;
    if (prev_us == 0)
        return start;
    if (prev_us >= cap / 2)
        return cap;
    return prev_us * 2;
}

int lsh_ssl_set_dtls_timer_start(SSL *s, unsigned int us)
{
    pthread_once(&dtls_timer_once, dtls_timer_init);
    if (dtls_timer_idx < 0 || us == 0)
        return 0;
    if (!SSL_set_ex_data(s, dtls_timer_idx, (void *)(uintptr_t)us))
        return 0;
    DTLS_set_timer_cb(s, dtls_timer_cb);
    return 1;
}

/* SSL_CTX_set_tlsext_use_srtp: 0 on success, 1 on failure (sic). */
int lsh_ctx_set_srtp_profiles(SSL_CTX *c, const char *profiles)
{
    return SSL_CTX_set_tlsext_use_srtp(c, profiles);
}

/* SSL_get_selected_srtp_profile: the negotiated profile's id and name
 * (copied into buf, cut to cap-1 bytes), or 0 when none was negotiated. */
unsigned long lsh_ssl_selected_srtp_profile(SSL *s, char *buf, int cap)
{
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(s);
    if (cap > 0)
        buf[0] = 0;
    if (p == NULL)
        return 0;
    if (cap > 0 && p->name != NULL) {
        strncpy(buf, p->name, (size_t)cap - 1);
        buf[cap - 1] = 0;
    }
    return p->id;
}
