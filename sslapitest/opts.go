package sslapitest

/*
#include <openssl/ssl.h>

// SSL_OP_* bits that OpenSSL 3.0 added and the root package does not name.
// On 1.1.1 they do not exist: 0 here, and the tests that need them say so.
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
#define LS_OP_IGNORE_UNEXPECTED_EOF SSL_OP_IGNORE_UNEXPECTED_EOF
#else
#define LS_OP_IGNORE_UNEXPECTED_EOF 0
#endif
#ifdef SSL_OP_DISABLE_TLSEXT_CA_NAMES
#define LS_OP_DISABLE_TLSEXT_CA_NAMES SSL_OP_DISABLE_TLSEXT_CA_NAMES
#else
#define LS_OP_DISABLE_TLSEXT_CA_NAMES 0
#endif
#ifdef SSL_OP_CLEANSE_PLAINTEXT
#define LS_OP_CLEANSE_PLAINTEXT SSL_OP_CLEANSE_PLAINTEXT
#else
#define LS_OP_CLEANSE_PLAINTEXT 0
#endif
*/
import "C"

import libssl "github.com/libssl-go/libssl"

// SSL_CB_* and SSL_ST_* bits an info callback receives in where.
const (
	cbLoop           = int(C.SSL_CB_LOOP)
	cbExit           = int(C.SSL_CB_EXIT)
	cbAlert          = int(C.SSL_CB_ALERT)
	cbHandshakeStart = int(C.SSL_CB_HANDSHAKE_START)
	cbHandshakeDone  = int(C.SSL_CB_HANDSHAKE_DONE)
	stConnect        = int(C.SSL_ST_CONNECT)
	stAccept         = int(C.SSL_ST_ACCEPT)
)

// Option bits read from the headers the package is built against; 0 where
// the linked version (1.1.1) has no such option.
const (
	opIgnoreUnexpectedEOF  = libssl.Options(C.LS_OP_IGNORE_UNEXPECTED_EOF)
	opDisableTLSExtCANames = libssl.Options(C.LS_OP_DISABLE_TLSEXT_CA_NAMES)
	opCleansePlaintext     = libssl.Options(C.LS_OP_CLEANSE_PLAINTEXT)
)
