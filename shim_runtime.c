/*
 * shim_runtime.c: the runtime of the C boundary: the error capture protocol
 * (ls_begin, ls_finish_*), the panic tokens of the calls that can reach Go
 * callbacks, the guard's refusal, versions. See shim.h.
 */
#include "shim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_str(char *dst, size_t cap, const char *src)
{
    if (src == NULL)
        src = "";
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Formats the entry as ERR_print_errors prints it, less the thread id. */
static void format_entry(ls_errent *e)
{
    char es[256];
    ERR_error_string_n(e->code, es, sizeof(es));
#if IS_OSSL3
    /* 3.x prints "error:%08lX:lib:func:reason"; ERR_error_string_n leaves func
     * empty, so put it back between the library and the reason. */
    char *p = es + 15; /* after "error:XXXXXXXX:" */
    char *colon = strlen(es) > 15 ? strchr(p, ':') : NULL;
    if (colon != NULL && e->func[0] != '\0') {
        char withfunc[256 + LS_FUNC_LEN];
        size_t head = (size_t)(colon - es) + 1;
        snprintf(withfunc, sizeof(withfunc), "%.*s%s%s", (int)head, es, e->func, colon + 1);
        snprintf(e->text, sizeof(e->text), "%s:%s:%d:%s", withfunc, e->file, e->line, e->data);
        return;
    }
#endif
    snprintf(e->text, sizeof(e->text), "%s:%s:%d:%s", es, e->file, e->line, e->data);
}

static ls_errq *drain(void)
{
    ls_errq *q = NULL;
    for (;;) {
        const char *file = NULL, *func = NULL, *data = NULL;
        int line = 0, flags = 0;
#if IS_OSSL3
        unsigned long code = ERR_get_error_all(&file, &line, &func, &data, &flags);
#else
        unsigned long code = ERR_get_error_line_data(&file, &line, &data, &flags);
        if (code != 0)
            func = ERR_func_error_string(code);
#endif
        if (code == 0)
            break;
        if (q == NULL) {
            q = calloc(1, sizeof(*q));
            if (q == NULL) {
                /* Out of memory: still empty the queue so it cannot leak into
                 * the next call on this thread. */
                ERR_clear_error();
                return NULL;
            }
        }
        if (q->n >= LS_MAX_ERRS) {
            q->dropped++;
            continue;
        }
        ls_errent *e = &q->e[q->n++];
        e->code = code;
        e->line = line;
        e->lib = ERR_GET_LIB(code);
        e->reason = ERR_GET_REASON(code);
        copy_str(e->func, sizeof(e->func), func);
        copy_str(e->file, sizeof(e->file), file);
        copy_str(e->data, sizeof(e->data), (flags & ERR_TXT_STRING) ? data : "");
        format_entry(e);
    }
    return q;
}

void ls_errq_free(ls_errq *q) { free(q); }

unsigned long ls_err_peek(void) { return ERR_peek_error(); }

static void begin(void)
{
    /* ERR_clear_error resets all 16 slots of the thread's queue and costs
     * about 250 ns on 3.0 even when the queue is empty; peeking first costs
     * about 35 ns and leaves the same empty queue. */
    if (ERR_peek_error() != 0)
        ERR_clear_error();
    errno = 0;
}

void ls_begin(void) { begin(); }

__thread ls_call ls_current_call;
uint64_t ls_last_token;

uint64_t ls_call_panicked(void)
{
    ls_current_call.panicked = 1;
    return ls_current_call.token;
}

ls_ret ls_unsupported(void)
{
    ls_ret r = {0};
    r.unsupported = 1;
    return r;
}

static ls_ret finish_ptr(void *p)
{
    ls_ret r = {0};
    r.sys_errno = errno;
    r.ptr = p;
    r.ret = p != NULL;
    r.errq = drain();
    return r;
}

static ls_ret finish_int(long v)
{
    ls_ret r = {0};
    r.sys_errno = errno;
    r.ret = v;
    r.errq = drain();
    return r;
}

static ls_ret finish_io(SSL *s, int v)
{
    ls_ret r = {0};
    r.sys_errno = errno;
    r.ret = v;
    r.ssl_error = SSL_get_error(s, v); /* before draining: it peeks the queue */
    r.errq = drain();
    return r;
}

ls_ret ls_finish_ptr(void *p) { return finish_ptr(p); }
ls_ret ls_finish_int(long v) { return finish_int(v); }
ls_ret ls_finish_io(SSL *s, int v) { return finish_io(s, v); }

__thread int ls_aux[2];

ls_ret ls_finish_iow(SSL *s, int v)
{
    ls_ret r = finish_io(s, v);
    r.aux[0] = ls_aux[0];
    r.aux[1] = ls_aux[1];
    return r;
}

unsigned long ls_header_version(void) { return OPENSSL_VERSION_NUMBER; }
unsigned long ls_runtime_version(void) { return OpenSSL_version_num(); }
const char *ls_runtime_version_text(void) { return OpenSSL_version(OPENSSL_VERSION); }

ls_ret ls_busy(void)
{
    ls_ret r = {0};
    r.ret = -1;
    r.busy = 1;
    return r;
}
