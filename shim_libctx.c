/*
 * shim_libctx.c: library contexts and providers (libctx.go).
 *
 * OSSL_LIB_CTX has no reference count, so the binding keeps one: a record
 * {OSSL_LIB_CTX *, refs} that the LibCtx handle, every Provider handle,
 * every SSL_CTX made in the context (an ex_data slot) and every X509 and
 * EVP_PKEY loaded from a store in it (ex_data slots, shim_store.c) hold a
 * reference on. OSSL_LIB_CTX_free runs when the last reference goes.
 *
 * SSL_CTX_free runs the ex_data free functions before it frees the
 * algorithms it fetched from the context's providers (ciphers, digests,
 * the certificate store, the keys): an OSSL_LIB_CTX_free there would free
 * the providers' context under objects that still reach it (with the
 * legacy provider loaded, its teardown then reads the freed context). So
 * the SSL_CTX's slot gives its reference back as the others do, but when
 * it is the last one, the record waits on a list of the thread that ran
 * SSL_CTX_free, and OSSL_LIB_CTX_free runs at that thread's next SSL_new
 * or SSL_CTX_new (an ex_data new function), its next SSL_CTX_free, or its
 * next call of a helper of this file or shim_store.c: all after the
 * SSL_CTX_free that parked it returned.
 *
 * OSSL_LIB_CTX_free clears OpenSSL's per-thread state of the context (its
 * random generators) on the calling thread only; another thread that used
 * the context later runs exit handlers that read the freed context and
 * crash (openssl/openssl#16778, open; under Go's -race, at process exit).
 * Go moves goroutines between threads, so the binding frees a context only
 * when it is sure no other thread holds such state: every call that
 * reached the context ran on the thread that made it, no SSL was ever made
 * from an SSL_CTX in it (a connection's handshakes run on any thread), and
 * no private key was loaded into it (a key signs in handshakes, on any
 * thread). Otherwise the record is "shared": at its last reference the
 * OSSL_LIB_CTX is kept (counted, its record on a list of kept contexts),
 * owned by the binding until the process exits, rather than crash.
 *
 * On 1.1.1 there are no library contexts: the constructors are gated by
 * since= in shim.def, the rest are stubs that are never reached with a
 * record.
 */
#include "shim_internal.h"

#include <stdlib.h>
#include <string.h>

static int64_t librec_made, librec_freed, librec_retired;

#if IS_OSSL3
#include <openssl/provider.h>
#include <openssl/evp.h>

struct ls_librec {
    OSSL_LIB_CTX *lc;
    int refs;
    pthread_t owner; /* the thread that made it */
    int shared;      /* another thread may hold its per-thread state */
    ls_librec *next; /* on the parking thread's list (see above) */
};

/* One activation of a provider, as a Provider handle owns it. */
typedef struct {
    OSSL_PROVIDER *p;
    ls_librec *rec;
} ls_provider;

/* Records of contexts kept at their last reference because another thread
 * may hold their per-thread state (see the top of this file). */
static ls_librec *kept;
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;

/* Records whose last reference an SSL_CTX_free on this thread gave back. */
static __thread ls_librec *parked;

/* OSSL_LIB_CTX_free clears the per-thread state (the random generators)
 * of the calling thread only: OPENSSL_thread_stop_ex does so first, so that
 * this thread's exit handlers do not reach the freed context. Other threads
 * that used the context keep handlers that do (openssl/openssl#16778), which
 * libctx.go documents. */
static void librec_note_thread(ls_librec *r)
{
    if (r != NULL && !pthread_equal(r->owner, pthread_self()))
        __atomic_store_n(&r->shared, 1, __ATOMIC_RELAXED);
}

static void librec_mark_shared(ls_librec *r)
{
    if (r != NULL)
        __atomic_store_n(&r->shared, 1, __ATOMIC_RELAXED);
}

static void librec_free_now(ls_librec *r)
{
    librec_note_thread(r);
    if (__atomic_load_n(&r->shared, __ATOMIC_ACQUIRE)) {
        /* The OSSL_LIB_CTX is kept (see the top of this file), and so is
         * its record, on a list: the context stays reachable, owned by the
         * binding until the process exits, not lost. */
        pthread_mutex_lock(&kept_mu);
        r->next = kept;
        kept = r;
        pthread_mutex_unlock(&kept_mu);
        __atomic_add_fetch(&librec_retired, 1, __ATOMIC_SEQ_CST);
        return;
    }
    OPENSSL_thread_stop_ex(r->lc);
    OSSL_LIB_CTX_free(r->lc);
    free(r);
    __atomic_add_fetch(&librec_freed, 1, __ATOMIC_SEQ_CST);
}

/* Frees the records this thread parked; their SSL_CTX_free has returned. */
static int reap(void)
{
    int n = 0;
    while (parked != NULL) {
        ls_librec *r = parked;
        parked = r->next;
        librec_free_now(r);
        n++;
    }
    return n;
}

void ls_librec_ref(ls_librec *r)
{
    if (r != NULL)
        __atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
}

void ls_librec_release(ls_librec *r)
{
    librec_note_thread(r);
    if (r != NULL && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
        librec_free_now(r);
}

void *ls_librec_lc(ls_librec *r)
{
    if (r == NULL)
        return NULL;
    librec_note_thread(r);
    return r->lc;
}

/* ---- ex_data slots ---- */

static int ctx_idx = -1, ssl_idx = -1, x509_idx = -1, pkey_idx = -1;
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

/* SSL_new and SSL_CTX_new on this thread: a point after any SSL_CTX_free
 * of this thread returned. */
static void reap_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ptr; (void)ad; (void)idx; (void)argl; (void)argp;
    if (parked != NULL)
        reap();
}

static void ctx_slot_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    reap(); /* an earlier SSL_CTX_free of this thread returned */
    ls_librec *r = ptr;
    librec_note_thread(r);
    if (r != NULL && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        r->next = parked;
        parked = r;
    }
}

/* X509 and EVP_PKEY free their ex_data after the key material and its
 * provider objects (EVP_PKEY_free after evp_pkey_free_it, X509 at
 * ASN1_OP_FREE_POST), so their slot releases at once. */
static void obj_slot_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    ls_librec_release(ptr);
}

/* EVP_PKEY_dup copies ex_data: the copy holds a reference of its own. */
static int obj_slot_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d, int idx, long argl,
                        void *argp)
{
    (void)to; (void)from; (void)idx; (void)argl; (void)argp;
    if (from_d != NULL)
        ls_librec_ref(*from_d);
    return 1;
}

static void slots_init(void)
{
    ctx_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, NULL, reap_new, NULL, ctx_slot_free);
    ssl_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, NULL, reap_new, NULL, NULL);
    x509_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_X509, 0, NULL, NULL, obj_slot_dup, obj_slot_free);
    pkey_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_EVP_PKEY, 0, NULL, NULL, obj_slot_dup, obj_slot_free);
}

static int slots_ready(void)
{
    pthread_once(&slots_once, slots_init);
    reap();
    return ctx_idx >= 0 && ssl_idx >= 0 && x509_idx >= 0 && pkey_idx >= 0;
}

int ls_librec_attach_x509(X509 *x, ls_librec *r)
{
    if (r == NULL)
        return 1;
    if (!slots_ready() || !X509_set_ex_data(x, x509_idx, r))
        return 0;
    ls_librec_ref(r);
    return 1;
}

int ls_librec_attach_pkey(EVP_PKEY *k, ls_librec *r)
{
    if (r == NULL)
        return 1;
    if (!slots_ready() || !EVP_PKEY_set_ex_data(k, pkey_idx, r))
        return 0;
    ls_librec_ref(r);
    librec_mark_shared(r); /* a key signs in handshakes, on any thread */
    return 1;
}

/* Objects of r's context are used in handshakes on any thread (an ECH
 * store's keys, shim_ech.c): r is shared. */
void ls_librec_note_shared(ls_librec *r) { librec_mark_shared(r); }

/* An SSL is being made from c, or moved to it: its handshakes may run on
 * any thread, so c's library context is shared. */
void ls_librec_note_ssl(SSL_CTX *c)
{
    if (ctx_idx >= 0 && c != NULL)
        librec_mark_shared(SSL_CTX_get_ex_data(c, ctx_idx));
}

/* ---- the helpers shim.def declares ---- */

/* OSSL_LIB_CTX_new in a record with one reference (the LibCtx handle's). */
void *lsh_libctx_new(void)
{
    if (!slots_ready())
        return NULL;
    ls_librec *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    if ((r->lc = OSSL_LIB_CTX_new()) == NULL) {
        free(r);
        return NULL;
    }
    r->refs = 1;
    r->owner = pthread_self();
    __atomic_add_fetch(&librec_made, 1, __ATOMIC_SEQ_CST);
    return r;
}

/* Gives back one reference (a handle's). */
void lsh_libctx_release(void *rec)
{
    reap();
    ls_librec_release(rec);
}

int lsh_libctx_load_config(void *rec, const char *path)
{
    reap();
    return OSSL_LIB_CTX_load_config(ls_librec_lc(rec), path);
}

int lsh_libctx_set_search_path(void *rec, const char *dir)
{
    reap();
    return OSSL_PROVIDER_set_default_search_path(ls_librec_lc(rec), dir);
}

int lsh_libctx_set_default_properties(void *rec, const char *propq)
{
    reap();
    return EVP_set_default_properties(ls_librec_lc(rec), propq);
}

int lsh_libctx_fips_enabled(void *rec) { return EVP_default_properties_is_fips_enabled(ls_librec_lc(rec)); }

int lsh_libctx_provider_available(void *rec, const char *name)
{
    return OSSL_PROVIDER_available(ls_librec_lc(rec), name);
}

typedef struct {
    char *buf;
    int cap, n;
} provider_names;

static int add_provider_name(OSSL_PROVIDER *p, void *arg)
{
    provider_names *pn = arg;
    const char *name = OSSL_PROVIDER_get0_name(p);
    int len = (int)strlen(name);
    if (pn->n + len + 1 <= pn->cap) {
        memcpy(pn->buf + pn->n, name, (size_t)len);
        pn->buf[pn->n + len] = '\n';
    }
    pn->n += len + 1;
    return 1;
}

/* The names of the providers loaded in the record's context
 * (OSSL_PROVIDER_do_all), each ended by a newline, into buf when they fit
 * in cap; returns their length. */
int lsh_libctx_provider_names(void *rec, char *buf, int cap)
{
    provider_names pn = {buf, cap, 0};
    OSSL_PROVIDER_do_all(ls_librec_lc(rec), add_provider_name, &pn);
    return pn.n;
}

/* OSSL_PROVIDER_load, or OSSL_PROVIDER_try_load (try), in a record that
 * holds the activation and a reference on the context's record. */
void *lsh_provider_load(void *rec, const char *name, int try_load, int retain_fallbacks)
{
    reap();
    ls_provider *lp = calloc(1, sizeof(*lp));
    if (lp == NULL)
        return NULL;
    OSSL_LIB_CTX *lc = ls_librec_lc(rec);
    lp->p = try_load ? OSSL_PROVIDER_try_load(lc, name, retain_fallbacks) : OSSL_PROVIDER_load(lc, name);
    if (lp->p == NULL) {
        free(lp);
        return NULL;
    }
    lp->rec = rec;
    ls_librec_ref(rec);
    return lp;
}

const char *lsh_provider_name(void *prov)
{
    ls_provider *lp = prov;
    return lp != NULL ? OSSL_PROVIDER_get0_name(lp->p) : NULL;
}

/* OSSL_PROVIDER_unload, then the reference on the context's record: the
 * record is gone whatever unload returned (the handle is spent). */
int lsh_provider_unload(void *prov)
{
    reap();
    ls_provider *lp = prov;
    int ok = OSSL_PROVIDER_unload(lp->p);
    ls_librec_release(lp->rec);
    free(lp);
    return ok;
}

/* SSL_CTX_new_ex in the record's context; the SSL_CTX's slot holds a
 * reference on the record (none for the default context). */
SSL_CTX *lsh_ctx_new_ex(void *rec, const char *propq, int method)
{
    if (!slots_ready())
        return NULL;
    const SSL_METHOD *m = ls_method_for(method);
    if (m == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_INVALID_ARGUMENT);
        return NULL;
    }
    SSL_CTX *c = SSL_CTX_new_ex(ls_librec_lc(rec), propq, m);
    if (c == NULL || rec == NULL)
        return c;
    if (!SSL_CTX_set_ex_data(c, ctx_idx, rec)) {
        SSL_CTX_free(c);
        return NULL;
    }
    ls_librec_ref(rec);
    return c;
}

/* The count of records made (which 0), of real OSSL_LIB_CTX_free calls
 * (which 1) and of contexts kept because they were shared (which 2), after
 * this thread's parked records are freed. */
int64_t lsh_libctx_count(int which)
{
    reap();
    return __atomic_load_n(which == 0 ? &librec_made : which == 1 ? &librec_freed : &librec_retired, __ATOMIC_SEQ_CST);
}

#else /* 1.1.1: no library contexts */

void ls_librec_ref(ls_librec *r) { (void)r; }
void ls_librec_release(ls_librec *r) { (void)r; }
void *ls_librec_lc(ls_librec *r) { (void)r; return NULL; }
int ls_librec_attach_x509(X509 *x, ls_librec *r) { (void)x; (void)r; return 1; }
int ls_librec_attach_pkey(EVP_PKEY *k, ls_librec *r) { (void)k; (void)r; return 1; }
void lsh_libctx_release(void *rec) { (void)rec; }
int lsh_libctx_fips_enabled(void *rec) { (void)rec; return 0; }
int lsh_libctx_provider_available(void *rec, const char *name) { (void)rec; (void)name; return 0; }
int lsh_libctx_provider_names(void *rec, char *buf, int cap) { (void)rec; (void)buf; (void)cap; return 0; }
const char *lsh_provider_name(void *prov) { (void)prov; return NULL; }
int64_t lsh_libctx_count(int which) { return which == 0 ? librec_made : which == 1 ? librec_freed : librec_retired; }
void ls_librec_note_ssl(SSL_CTX *c) { (void)c; }
void ls_librec_note_shared(ls_librec *r) { (void)r; }

#endif
