#ifndef LIBSSL_GO_CBENCH_H
#define LIBSSL_GO_CBENCH_H
#include <stdlib.h>
#include <openssl/ssl.h>
#include <openssl/err.h>

typedef struct cb_env cb_env;
cb_env *cb_env_new(const char *cert, const char *key, const char *ca, int version);
void cb_env_free(cb_env *e);
long cb_new_free(cb_env *e, long n);
long cb_dup_free(cb_env *e, long n);
long cb_upref_free(cb_env *e, long n);
long cb_clear(cb_env *e, long n);
long cb_set_session(cb_env *e, long n);
long cb_get1_session(cb_env *e, long n);
long cb_i2d(cb_env *e, long n);
long cb_d2i(cb_env *e, long n);
long cb_handshakes(cb_env *e, long n, int resume);
#endif
