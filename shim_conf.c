/*
 * shim_conf.c: the configuration-file helpers declared in shim.def's
 * SSL_CONF_CTX section. CONF_modules_load_file is declared in
 * <openssl/conf.h>, which the generated header does not include, so it is
 * reached through this helper. No capture here: the generated wrappers
 * (zshim.c) capture around each helper.
 */
#include "shim.h"

#include <openssl/conf.h>

/* CONF_modules_load_file with libssl's default flags (0): a missing file
 * or an unknown module is an error, as in C. Process-wide. */
int lsh_conf_modules_load_file(const char *path, const char *appname)
{
    return CONF_modules_load_file(path, appname, 0);
}
