/*
 * shim_store.c: OSSL_STORE, loading certificates and keys by URI (store.go):
 * file: URIs and plain paths, pkcs11: and any other scheme a provider's
 * store offers.
 *
 * The pass phrase or token PIN reaches the store through a UI method of the
 * binding (UI_UTIL_wrap_read_pem_callback) that answers from a copy held in
 * C memory and fails when no PIN was given: the store never prompts on a
 * terminal or reads standard input. Each object loaded in a library context
 * of the binding holds a reference on its record (shim_libctx.c).
 */
#include "shim_internal.h"

#include <stdlib.h>
#include <string.h>

#if IS_OSSL3
#include <openssl/store.h>
#include <openssl/ui.h>

typedef struct {
    OSSL_STORE_CTX *sc;
    UI_METHOD *ui;
    char *pin; /* NULL: no PIN given; the UI then refuses */
    int pinlen;
    ls_librec *rec;
} ls_store;

static void store_free(ls_store *st)
{
    if (st == NULL)
        return;
    if (st->sc != NULL)
        OSSL_STORE_close(st->sc);
    UI_destroy_method(st->ui);
    if (st->pin != NULL) {
        OPENSSL_cleanse(st->pin, (size_t)st->pinlen);
        free(st->pin);
    }
    ls_librec_release(st->rec);
    free(st);
}

/* The pem_password_cb behind the store's UI: the PIN, or a refusal. */
static int store_pin(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    ls_store *st = u;
    if (st == NULL || st->pin == NULL || st->pinlen > size)
        return -1;
    memcpy(buf, st->pin, (size_t)st->pinlen);
    return st->pinlen;
}

/* OSSL_STORE_open_ex on uri in the record's context with the properties
 * propq; pin (pinlen bytes, copied) answers the UI, NULL refuses it. */
void *lsh_store_open(void *rec, const char *uri, const char *propq, const char *pin, int pinlen)
{
    ls_store *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return NULL;
    st->rec = rec;
    ls_librec_ref(rec);
    if (pin != NULL) {
        if ((st->pin = malloc(pinlen > 0 ? (size_t)pinlen : 1)) == NULL) {
            store_free(st);
            return NULL;
        }
        memcpy(st->pin, pin, (size_t)pinlen);
        st->pinlen = pinlen;
    }
    if ((st->ui = UI_UTIL_wrap_read_pem_callback(store_pin, 0)) == NULL) {
        store_free(st);
        return NULL;
    }
    st->sc = OSSL_STORE_open_ex(uri, ls_librec_lc(rec), propq != NULL && propq[0] != 0 ? propq : NULL, st->ui, st,
                                NULL, NULL, NULL);
    if (st->sc == NULL) {
        store_free(st);
        return NULL;
    }
    return st;
}

/* The next object (OSSL_STORE_load): 1 a certificate, 2 a private key, in
 * *obj with one reference of its own and a reference on the context's
 * record; 3 an object of another kind (skipped, *obj NULL); 0 at the end;
 * -1 when the store reports an error (a wrong PIN, a damaged object). */
int lsh_store_next(void *sv, void **obj)
{
    ls_store *st = sv;
    *obj = NULL;
    while (!OSSL_STORE_eof(st->sc)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(st->sc);
        if (info == NULL) {
            /* OpenSSL 3.0 sets the error flag at the end of a file with
             * nothing queued: that is the end, not a failure. */
            int failed = OSSL_STORE_error(st->sc);
            if (failed && ERR_peek_error() != 0)
                return -1;
            if (OSSL_STORE_eof(st->sc))
                return 0;
            if (failed)
                return -1;
            continue;
        }
        int r = 3;
        switch (OSSL_STORE_INFO_get_type(info)) {
        case OSSL_STORE_INFO_CERT: {
            X509 *x = OSSL_STORE_INFO_get1_CERT(info);
            if (x == NULL || !ls_librec_attach_x509(x, st->rec)) {
                X509_free(x);
                r = -1;
            } else {
                *obj = x;
                r = 1;
            }
            break;
        }
        case OSSL_STORE_INFO_PKEY: {
            EVP_PKEY *k = OSSL_STORE_INFO_get1_PKEY(info);
            if (k == NULL || !ls_librec_attach_pkey(k, st->rec)) {
                EVP_PKEY_free(k);
                r = -1;
            } else {
                *obj = k;
                r = 2;
            }
            break;
        }
        default:
            break;
        }
        OSSL_STORE_INFO_free(info);
        return r;
    }
    return 0;
}

/* OSSL_STORE_close, and the store's copy of the PIN cleansed. */
void lsh_store_close(void *sv) { store_free(sv); }

#else /* 1.1.1: OSSL_STORE_open_ex is gated by since= in shim.def */

void lsh_store_close(void *sv) { (void)sv; }

#endif
