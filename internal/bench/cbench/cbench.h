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
long cb_version(cb_env *e, long n);
long cb_set_session(cb_env *e, long n);
long cb_get1_session(cb_env *e, long n);
long cb_i2d(cb_env *e, long n);
long cb_d2i(cb_env *e, long n);
long cb_handshakes(cb_env *e, long n, int resume);
/* Floors: an empty function, and n calls of it from C. */
void cb_nop(void);
long cb_nop_calls(long n);
/* Instruction counting under callgrind (no-ops otherwise): zero the
 * counters of every thread, and dump them. */
void cb_instr_zero(void);
void cb_instr_dump(void);
#endif
