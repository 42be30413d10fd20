package libssl

/*
#include <openssl/ssl.h>

// SSL_OP_ALLOW_CLIENT_RENEGOTIATION is new in OpenSSL 3.0; 1.1.1 servers
// accept client-initiated renegotiation unless SSL_OP_NO_RENEGOTIATION is set.
#ifndef SSL_OP_ALLOW_CLIENT_RENEGOTIATION
#define SSL_OP_ALLOW_CLIENT_RENEGOTIATION 0
#endif
*/
import "C"

// OpAllowClientRenegotiation is SSL_OP_ALLOW_CLIENT_RENEGOTIATION: an
// OpenSSL 3.x server accepts a renegotiation its client starts (3.x refuses
// it by default). It is 0 on OpenSSL 1.1.1, whose servers accept it unless
// OpNoRenegotiation is set.
const OpAllowClientRenegotiation Options = C.SSL_OP_ALLOW_CLIENT_RENEGOTIATION
