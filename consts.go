package libssl

/*
#include "shim.h"
*/
import "C"

import "fmt"

// Method names an SSL_METHOD constructor.
type Method int

// The methods. The generic ones serve both roles until SSL_set_connect_state
// or SSL_set_accept_state picks one.
const (
	MethodUnknown    Method = 0
	TLSMethod        Method = C.LS_M_TLS         // TLS_method()
	TLSClientMethod  Method = C.LS_M_TLS_CLIENT  // TLS_client_method()
	TLSServerMethod  Method = C.LS_M_TLS_SERVER  // TLS_server_method()
	DTLSMethod       Method = C.LS_M_DTLS        // DTLS_method()
	DTLSClientMethod Method = C.LS_M_DTLS_CLIENT // DTLS_client_method()
	DTLSServerMethod Method = C.LS_M_DTLS_SERVER // DTLS_server_method()
)

// The version-specific methods libssl installs on an SSL when a handshake
// settles its version (statem_lib.c ssl_choose_client_version and
// ssl_choose_server_version), so that SSL.Method reports them after a
// handshake until SSL_clear puts the context's method back. A TLS 1.2 client
// runs TLSv1_2_client_method(), its server TLSv1_2_server_method(); TLS 1.3
// runs a method that has no public constructor, reported as TLS1_3Method in
// both roles: client and server share one object on 1.1.1w and 3.0 and each
// have their own on 3.5.9 (checked against C; SSL.SameMethod tells). NewCtx
// and SetMethod do not take
// them: their constructors are deprecated since OpenSSL 1.1.0.
const (
	TLS1ClientMethod    Method = C.LS_M_TLS1_CLIENT    // TLSv1_client_method()
	TLS1ServerMethod    Method = C.LS_M_TLS1_SERVER    // TLSv1_server_method()
	TLS1_1ClientMethod  Method = C.LS_M_TLS1_1_CLIENT  // TLSv1_1_client_method()
	TLS1_1ServerMethod  Method = C.LS_M_TLS1_1_SERVER  // TLSv1_1_server_method()
	TLS1_2ClientMethod  Method = C.LS_M_TLS1_2_CLIENT  // TLSv1_2_client_method()
	TLS1_2ServerMethod  Method = C.LS_M_TLS1_2_SERVER  // TLSv1_2_server_method()
	TLS1_3Method        Method = C.LS_M_TLS1_3         // libssl's internal tlsv1_3 method
	DTLS1ClientMethod   Method = C.LS_M_DTLS1_CLIENT   // DTLSv1_client_method()
	DTLS1ServerMethod   Method = C.LS_M_DTLS1_SERVER   // DTLSv1_server_method()
	DTLS1_2ClientMethod Method = C.LS_M_DTLS1_2_CLIENT // DTLSv1_2_client_method()
	DTLS1_2ServerMethod Method = C.LS_M_DTLS1_2_SERVER // DTLSv1_2_server_method()
)

// String returns the constructor's C name, e.g. "TLS_client_method".
func (m Method) String() string {
	switch m {
	case TLSMethod:
		return "TLS_method"
	case TLSClientMethod:
		return "TLS_client_method"
	case TLSServerMethod:
		return "TLS_server_method"
	case DTLSMethod:
		return "DTLS_method"
	case DTLSClientMethod:
		return "DTLS_client_method"
	case DTLSServerMethod:
		return "DTLS_server_method"
	case TLS1ClientMethod:
		return "TLSv1_client_method"
	case TLS1ServerMethod:
		return "TLSv1_server_method"
	case TLS1_1ClientMethod:
		return "TLSv1_1_client_method"
	case TLS1_1ServerMethod:
		return "TLSv1_1_server_method"
	case TLS1_2ClientMethod:
		return "TLSv1_2_client_method"
	case TLS1_2ServerMethod:
		return "TLSv1_2_server_method"
	case TLS1_3Method:
		return "tlsv1_3_method"
	case DTLS1ClientMethod:
		return "DTLSv1_client_method"
	case DTLS1ServerMethod:
		return "DTLSv1_server_method"
	case DTLS1_2ClientMethod:
		return "DTLSv1_2_client_method"
	case DTLS1_2ServerMethod:
		return "DTLSv1_2_server_method"
	}
	return "unknown method"
}

// ProtocolVersion is a wire version as libssl numbers it (TLS1_2_VERSION ...).
// Zero, as a min or max, means "no limit" to SSL_set_min/max_proto_version.
type ProtocolVersion int

// The protocol versions.
const (
	AnyVersion ProtocolVersion = 0
	TLS1       ProtocolVersion = C.TLS1_VERSION
	TLS1_1     ProtocolVersion = C.TLS1_1_VERSION
	TLS1_2     ProtocolVersion = C.TLS1_2_VERSION
	TLS1_3     ProtocolVersion = C.TLS1_3_VERSION
)

// String returns the name OpenSSL uses for the version, e.g. "TLSv1.3".
func (v ProtocolVersion) String() string {
	switch v {
	case AnyVersion:
		return "any"
	case TLS1:
		return "TLSv1"
	case TLS1_1:
		return "TLSv1.1"
	case TLS1_2:
		return "TLSv1.2"
	case TLS1_3:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04x", int(v))
}

// Options is a mask of SSL_OP_* bits (uint64_t in 3.x, unsigned long in 1.1.1).
type Options uint64

// A selection of the SSL_OP_* bits; any other bit may be passed as a number.
const (
	OpAll                    Options = C.SSL_OP_ALL
	OpNoTicket               Options = C.SSL_OP_NO_TICKET
	OpNoCompression          Options = C.SSL_OP_NO_COMPRESSION
	OpCipherServerPreference Options = C.SSL_OP_CIPHER_SERVER_PREFERENCE
	OpNoRenegotiation        Options = C.SSL_OP_NO_RENEGOTIATION
	// OpLegacyServerConnect is SSL_OP_LEGACY_SERVER_CONNECT: a client
	// connects to a server that sends no renegotiation_info extension
	// (off by default from OpenSSL 3.0, on in 1.1.1).
	OpLegacyServerConnect Options = C.SSL_OP_LEGACY_SERVER_CONNECT
	// OpNoSessionResumptionOnRenegotiation is
	// SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION: a renegotiation makes
	// a full handshake, never resuming.
	OpNoSessionResumptionOnRenegotiation Options = C.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION
	// OpAllowClientRenegotiation is SSL_OP_ALLOW_CLIENT_RENEGOTIATION: an
	// OpenSSL 3.x server accepts a renegotiation its client starts (3.x
	// refuses it by default). It is 0 on OpenSSL 1.1.1, whose servers accept
	// it unless OpNoRenegotiation is set.
	OpAllowClientRenegotiation Options = C.SSL_OP_ALLOW_CLIENT_RENEGOTIATION
	OpNoTLSv1                  Options = C.SSL_OP_NO_TLSv1
	OpNoTLSv1_1                Options = C.SSL_OP_NO_TLSv1_1
	OpNoTLSv1_2                Options = C.SSL_OP_NO_TLSv1_2
	OpNoTLSv1_3                Options = C.SSL_OP_NO_TLSv1_3
	OpEnableMiddleboxCompat    Options = C.SSL_OP_ENABLE_MIDDLEBOX_COMPAT
	OpPrioritizeChaCha         Options = C.SSL_OP_PRIORITIZE_CHACHA
	OpNoAntiReplay             Options = C.SSL_OP_NO_ANTI_REPLAY
	OpNoQueryMTU               Options = C.SSL_OP_NO_QUERY_MTU
	// OpIgnoreUnexpectedEOF is SSL_OP_IGNORE_UNEXPECTED_EOF (3.0+): a
	// transport that ends without close_notify reads as a clean end
	// (ErrZeroReturn). 0 on 1.1.1, which reports it as SSLErrorSyscall.
	OpIgnoreUnexpectedEOF Options = C.SSL_OP_IGNORE_UNEXPECTED_EOF
	// OpCleansePlaintext is SSL_OP_CLEANSE_PLAINTEXT (3.0+): libssl wipes
	// decrypted data from its buffers once read. 0 on 1.1.1.
	OpCleansePlaintext Options = C.SSL_OP_CLEANSE_PLAINTEXT
	// OpDisableTLSExtCANames is SSL_OP_DISABLE_TLSEXT_CA_NAMES (3.0+): no
	// certificate_authorities extension. 0 on 1.1.1.
	OpDisableTLSExtCANames Options = C.SSL_OP_DISABLE_TLSEXT_CA_NAMES
	// OpNoExtendedMasterSecret is SSL_OP_NO_EXTENDED_MASTER_SECRET (3.0+):
	// no extended_master_secret extension (RFC 7627) in TLS 1.2 and older. 0
	// on 1.1.1, which always offers it.
	OpNoExtendedMasterSecret Options = C.SSL_OP_NO_EXTENDED_MASTER_SECRET
)

// The SSL_CB_* bits of an info callback's where argument.
const (
	InfoLoop           = C.SSL_CB_LOOP
	InfoExit           = C.SSL_CB_EXIT
	InfoRead           = C.SSL_CB_READ
	InfoWrite          = C.SSL_CB_WRITE
	InfoAlert          = C.SSL_CB_ALERT
	InfoReadAlert      = C.SSL_CB_READ_ALERT
	InfoWriteAlert     = C.SSL_CB_WRITE_ALERT
	InfoAcceptLoop     = C.SSL_CB_ACCEPT_LOOP
	InfoAcceptExit     = C.SSL_CB_ACCEPT_EXIT
	InfoConnectLoop    = C.SSL_CB_CONNECT_LOOP
	InfoConnectExit    = C.SSL_CB_CONNECT_EXIT
	InfoHandshakeStart = C.SSL_CB_HANDSHAKE_START
	InfoHandshakeDone  = C.SSL_CB_HANDSHAKE_DONE
)

// Mode is a mask of SSL_MODE_* bits.
type Mode int64

// The SSL_MODE_* bits.
const (
	ModeEnablePartialWrite      Mode = C.SSL_MODE_ENABLE_PARTIAL_WRITE
	ModeAcceptMovingWriteBuffer Mode = C.SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
	ModeAutoRetry               Mode = C.SSL_MODE_AUTO_RETRY
	ModeNoAutoChain             Mode = C.SSL_MODE_NO_AUTO_CHAIN
	ModeReleaseBuffers          Mode = C.SSL_MODE_RELEASE_BUFFERS
	ModeSendFallbackSCSV        Mode = C.SSL_MODE_SEND_FALLBACK_SCSV
)

// VerifyMode is a mask of SSL_VERIFY_* bits.
type VerifyMode int

// The SSL_VERIFY_* bits.
const (
	VerifyNone             VerifyMode = C.SSL_VERIFY_NONE
	VerifyPeer             VerifyMode = C.SSL_VERIFY_PEER
	VerifyFailIfNoPeerCert VerifyMode = C.SSL_VERIFY_FAIL_IF_NO_PEER_CERT
	VerifyClientOnce       VerifyMode = C.SSL_VERIFY_CLIENT_ONCE
	VerifyPostHandshake    VerifyMode = C.SSL_VERIFY_POST_HANDSHAKE
)

// SessionCacheMode is a mask of SSL_SESS_CACHE_* bits.
type SessionCacheMode int64

// The SSL_SESS_CACHE_* bits.
const (
	SessCacheOff              SessionCacheMode = C.SSL_SESS_CACHE_OFF
	SessCacheClient           SessionCacheMode = C.SSL_SESS_CACHE_CLIENT
	SessCacheServer           SessionCacheMode = C.SSL_SESS_CACHE_SERVER
	SessCacheBoth             SessionCacheMode = C.SSL_SESS_CACHE_BOTH
	SessCacheNoAutoClear      SessionCacheMode = C.SSL_SESS_CACHE_NO_AUTO_CLEAR
	SessCacheNoInternalLookup SessionCacheMode = C.SSL_SESS_CACHE_NO_INTERNAL_LOOKUP
	SessCacheNoInternalStore  SessionCacheMode = C.SSL_SESS_CACHE_NO_INTERNAL_STORE
	SessCacheNoInternal       SessionCacheMode = C.SSL_SESS_CACHE_NO_INTERNAL
)

// ShutdownState is the mask SSL_get_shutdown returns.
type ShutdownState int

// The shutdown bits.
const (
	SentShutdown     ShutdownState = C.SSL_SENT_SHUTDOWN
	ReceivedShutdown ShutdownState = C.SSL_RECEIVED_SHUTDOWN
)

// VerifyParamFlags is a mask of X509_V_FLAG_* bits.
type VerifyParamFlags uint64

// A selection of X509_V_FLAG_* bits.
const (
	VFlagCRLCheck     VerifyParamFlags = C.X509_V_FLAG_CRL_CHECK
	VFlagCRLCheckAll  VerifyParamFlags = C.X509_V_FLAG_CRL_CHECK_ALL
	VFlagX509Strict   VerifyParamFlags = C.X509_V_FLAG_X509_STRICT
	VFlagPartialChain VerifyParamFlags = C.X509_V_FLAG_PARTIAL_CHAIN
	VFlagNoCheckTime  VerifyParamFlags = C.X509_V_FLAG_NO_CHECK_TIME
	VFlagTrustedFirst VerifyParamFlags = C.X509_V_FLAG_TRUSTED_FIRST
)

// Verify results (X509_V_*) used by the package's tests and checks.
const (
	VerifyOK                     = C.X509_V_OK
	VerifyErrDepthZeroSelfSigned = C.X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
	VerifyErrHostnameMismatch    = C.X509_V_ERR_HOSTNAME_MISMATCH
)
