package libssl

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// SSL is an owned reference to an SSL object, one TLS connection.
type SSL struct {
	r ref
}

func wrapSSL(p *C.SSL) *SSL {
	s := &SSL{}
	own(s, &s.r, unsafe.Pointer(p), kindSSL)
	return s
}

func (s *SSL) ptr() *C.SSL {
	if s == nil {
		return nil
	}
	return (*C.SSL)(s.r.get())
}

// New makes an SSL from ctx (SSL_new). The SSL inherits the context's
// settings and holds references on the context of its own, so ctx may be
// freed first. A nil ctx is passed to libssl as NULL, which fails with
// SSL_R_NULL_SSL_CTX as libssl reports it; a freed ctx gives ErrFreed.
func New(ctx *Ctx) (*SSL, error) {
	if initErr != nil {
		return nil, initErr
	}
	cp := ctx.ptr()
	if ctx != nil && cp == nil {
		return nil, ErrFreed
	}
	r := C.ls_ssl_new(cp)
	runtime.KeepAlive(ctx)
	if err := result("SSL_new", r, r.ptr == nil); err != nil {
		return nil, err
	}
	return wrapSSL((*C.SSL)(r.ptr)), nil
}

// Free releases the handle's reference (SSL_free). The object is destroyed
// when its last reference goes. Free is idempotent, and on a nil handle it
// does what SSL_free(NULL) does: nothing.
func (s *SSL) Free() {
	if s == nil {
		C.ls_ssl_free(nil)
		return
	}
	if p := s.r.release(); p != nil {
		C.ls_ssl_free((*C.SSL)(p))
	}
}

// UpRef takes another reference on the same SSL (SSL_up_ref) and returns it
// as a new handle, which must be freed on its own.
func (s *SSL) UpRef() (*SSL, error) {
	p := s.ptr()
	if p == nil {
		return nil, ErrFreed
	}
	r := C.ls_ssl_up_ref(p)
	runtime.KeepAlive(s)
	if err := result("SSL_up_ref", r, r.ret != 1); err != nil {
		return nil, err
	}
	return wrapSSL(p), nil
}

// Ctx returns the SSL's current context (SSL_get_SSL_CTX), up-ref'd into a
// new owned handle; nil on a freed handle.
func (s *SSL) Ctx() *Ctx {
	p := s.ptr()
	if p == nil {
		return nil
	}
	c := C.ls_ssl_get1_ctx(p)
	runtime.KeepAlive(s)
	if c == nil {
		return nil
	}
	return wrapCtx(c)
}

// SetSSLCtx switches the SSL to ctx (SSL_set_SSL_CTX), as a server does for
// SNI. The SSL takes a reference on ctx and drops the one on its old context;
// the session context reference taken by SSL_new is kept.
func (s *SSL) SetSSLCtx(ctx *Ctx) error {
	p, c := s.ptr(), ctx.ptr()
	if p == nil || c == nil {
		return ErrFreed
	}
	r := C.ls_ssl_set_ssl_ctx(p, c)
	runtime.KeepAlive(s)
	runtime.KeepAlive(ctx)
	return result("SSL_set_SSL_CTX", r, r.ptr == nil)
}

// Method returns the SSL's current SSL_METHOD (SSL_get_ssl_method), or
// MethodUnknown on a freed handle.
func (s *SSL) Method() Method {
	p := s.ptr()
	if p == nil {
		return MethodUnknown
	}
	m := Method(C.ls_method_id(C.ls_ssl_get_method(p)))
	runtime.KeepAlive(s)
	return m
}

// SetMethod sets the SSL's SSL_METHOD (SSL_set_ssl_method), for example
// TLSClientMethod on an SSL made from a TLSMethod context. No ownership
// changes hands: methods are static in libssl. SSL_dup copies the method;
// SSL_clear puts the context's method back (since 1.1.1).
func (s *SSL) SetMethod(m Method) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ssl_set_method(p, C.int(m))
	runtime.KeepAlive(s)
	return result("SSL_set_ssl_method", r, r.ret != 1)
}

// FreeNULL calls SSL_free(NULL), SSL_CTX_free(NULL) and
// SSL_SESSION_free(NULL), which libssl documents as doing nothing. It takes
// and gives no ownership; the conformance suite uses it to show that the
// destruction probe does not move.
func FreeNULL() {
	C.ls_free_null()
}

// SetOptions sets option bits (SSL_set_options).
func (s *SSL) SetOptions(o Options) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ssl_set_options(p, C.uint64_t(o))
	runtime.KeepAlive(s)
	return nil
}

// ClearOptions clears option bits (SSL_clear_options).
func (s *SSL) ClearOptions(o Options) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ssl_clear_options(p, C.uint64_t(o))
	runtime.KeepAlive(s)
	return nil
}

// Options returns SSL_get_options; 0 on a freed handle.
func (s *SSL) Options() Options {
	p := s.ptr()
	if p == nil {
		return 0
	}
	o := Options(C.ls_ssl_get_options(p))
	runtime.KeepAlive(s)
	return o
}

// SetMode sets mode bits (SSL_set_mode).
func (s *SSL) SetMode(m Mode) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ssl_set_mode(p, C.long(m))
	runtime.KeepAlive(s)
	return nil
}

// ClearMode clears mode bits (SSL_clear_mode).
func (s *SSL) ClearMode(m Mode) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ssl_clear_mode(p, C.long(m))
	runtime.KeepAlive(s)
	return nil
}

// Mode returns SSL_get_mode; 0 on a freed handle.
func (s *SSL) Mode() Mode {
	p := s.ptr()
	if p == nil {
		return 0
	}
	m := Mode(C.ls_ssl_get_mode(p))
	runtime.KeepAlive(s)
	return m
}

// SetVerify sets the verify mode and callback (SSL_set_verify). A nil cb
// removes the callback. The callback travels as a cgo.Handle in the SSL's
// ex_data; SSL_dup shares it with the copy.
func (s *SSL) SetVerify(mode VerifyMode, cb VerifyCallback) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	h, flags := handleFor(callbacksOf(C.ls_ssl_get_gohandle(p)).withVerify(cb))
	if C.ls_ssl_set_gohandle(p, h, flags) != 1 {
		runtime.KeepAlive(s)
		return errNoMemory
	}
	C.ls_ssl_set_verify(p, C.int(mode), cbool(cb != nil))
	runtime.KeepAlive(s)
	return nil
}

// SetInfoCallback sets or, with nil, removes the info callback
// (SSL_set_info_callback).
func (s *SSL) SetInfoCallback(cb InfoCallback) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	h, flags := handleFor(callbacksOf(C.ls_ssl_get_gohandle(p)).withInfo(cb))
	if C.ls_ssl_set_gohandle(p, h, flags) != 1 {
		runtime.KeepAlive(s)
		return errNoMemory
	}
	C.ls_ssl_set_info_cb(p, cbool(cb != nil))
	runtime.KeepAlive(s)
	return nil
}

// SetUserData attaches a Go value to the SSL (nil removes it). It travels
// in the SSL's ex_data as a cgo.Handle, so SSL_dup shares it with the copy
// (libssl copies ex_data and runs the slot's dup_func), and it is released
// when the last SSL holding it is destroyed.
func (s *SSL) SetUserData(v any) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	h, flags := handleFor(callbacksOf(C.ls_ssl_get_gohandle(p)).withUserData(v))
	if C.ls_ssl_set_gohandle(p, h, flags) != 1 {
		runtime.KeepAlive(s)
		return errNoMemory
	}
	runtime.KeepAlive(s)
	return nil
}

// UserData returns the value set by SetUserData (SSL_get_ex_data), or nil.
func (s *SSL) UserData() any {
	p := s.ptr()
	if p == nil {
		return nil
	}
	c := callbacksOf(C.ls_ssl_get_gohandle(p))
	runtime.KeepAlive(s)
	if c == nil {
		return nil
	}
	return c.userData
}

// VerifyMode returns SSL_get_verify_mode; 0 on a freed handle.
func (s *SSL) VerifyMode() VerifyMode {
	p := s.ptr()
	if p == nil {
		return 0
	}
	m := VerifyMode(C.SSL_get_verify_mode(p))
	runtime.KeepAlive(s)
	return m
}

// HasVerifyCallback reports whether SSL_get_verify_callback is non-NULL.
func (s *SSL) HasVerifyCallback() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.ls_ssl_has_verify_cb(p) != 0
	runtime.KeepAlive(s)
	return b
}

// HasInfoCallback reports whether SSL_get_info_callback is non-NULL.
func (s *SSL) HasInfoCallback() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.ls_ssl_has_info_cb(p) != 0
	runtime.KeepAlive(s)
	return b
}

// SetVerifyDepth sets SSL_set_verify_depth.
func (s *SSL) SetVerifyDepth(depth int) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_set_verify_depth(p, C.int(depth))
	runtime.KeepAlive(s)
	return nil
}

// VerifyDepth returns SSL_get_verify_depth; 0 on a freed handle.
func (s *SSL) VerifyDepth() int {
	p := s.ptr()
	if p == nil {
		return 0
	}
	d := int(C.SSL_get_verify_depth(p))
	runtime.KeepAlive(s)
	return d
}

// SetVerifyParamFlags sets X509_V_FLAG_* bits on the SSL's verify parameters
// (X509_VERIFY_PARAM_set_flags on SSL_get0_param).
func (s *SSL) SetVerifyParamFlags(f VerifyParamFlags) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ssl_set_verify_param_flags(p, C.ulong(f))
	runtime.KeepAlive(s)
	return nil
}

// VerifyParamFlags returns X509_VERIFY_PARAM_get_flags(SSL_get0_param(s));
// 0 on a freed handle.
func (s *SSL) VerifyParamFlags() VerifyParamFlags {
	p := s.ptr()
	if p == nil {
		return 0
	}
	f := VerifyParamFlags(C.ls_ssl_get_verify_param_flags(p))
	runtime.KeepAlive(s)
	return f
}

// SetMinProtoVersion sets SSL_set_min_proto_version (0: no minimum).
func (s *SSL) SetMinProtoVersion(v ProtocolVersion) error { return s.setProto(0, v) }

// SetMaxProtoVersion sets SSL_set_max_proto_version (0: no maximum).
func (s *SSL) SetMaxProtoVersion(v ProtocolVersion) error { return s.setProto(1, v) }

func (s *SSL) setProto(which int, v ProtocolVersion) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ssl_set_proto(p, C.int(which), C.int(v))
	runtime.KeepAlive(s)
	return result([2]string{"SSL_set_min_proto_version", "SSL_set_max_proto_version"}[which], r, r.ret != 1)
}

// MinProtoVersion returns SSL_get_min_proto_version; 0 on a freed handle.
func (s *SSL) MinProtoVersion() ProtocolVersion { return s.getProto(0) }

// MaxProtoVersion returns SSL_get_max_proto_version; 0 on a freed handle.
func (s *SSL) MaxProtoVersion() ProtocolVersion { return s.getProto(1) }

func (s *SSL) getProto(which int) ProtocolVersion {
	p := s.ptr()
	if p == nil {
		return 0
	}
	v := ProtocolVersion(C.ls_ssl_get_proto(p, C.int(which)))
	runtime.KeepAlive(s)
	return v
}

// SetCipherList sets the SSL's own TLS 1.2-and-older cipher list
// (SSL_set_cipher_list).
func (s *SSL) SetCipherList(list string) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	cs := C.CString(list)
	defer C.free(unsafe.Pointer(cs))
	r := C.ls_ssl_set_cipher_list(p, cs)
	runtime.KeepAlive(s)
	return result("SSL_set_cipher_list", r, r.ret != 1)
}

// SetCiphersuites sets the SSL's TLS 1.3 ciphersuites (SSL_set_ciphersuites).
func (s *SSL) SetCiphersuites(list string) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	cs := C.CString(list)
	defer C.free(unsafe.Pointer(cs))
	r := C.ls_ssl_set_ciphersuites(p, cs)
	runtime.KeepAlive(s)
	return result("SSL_set_ciphersuites", r, r.ret != 1)
}

// Ciphers returns the names of the SSL's enabled ciphers in preference order
// (SSL_get_ciphers); nil on a freed handle.
func (s *SSL) Ciphers() []string {
	p := s.ptr()
	if p == nil {
		return nil
	}
	defer runtime.KeepAlive(s)
	return cipherNames(func(buf *C.char, n C.int) C.int { return C.ls_ssl_cipher_names(p, buf, n) })
}

// CurrentCipher returns the negotiated cipher's name
// (SSL_get_current_cipher, SSL_CIPHER_get_name), or "".
func (s *SSL) CurrentCipher() string {
	p := s.ptr()
	if p == nil {
		return ""
	}
	n := C.ls_ssl_current_cipher(p)
	runtime.KeepAlive(s)
	if n == nil {
		return ""
	}
	return C.GoString(n)
}

// SetSecurityLevel sets SSL_set_security_level.
func (s *SSL) SetSecurityLevel(level int) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_set_security_level(p, C.int(level))
	runtime.KeepAlive(s)
	return nil
}

// SecurityLevel returns SSL_get_security_level; 0 on a freed handle.
func (s *SSL) SecurityLevel() int {
	p := s.ptr()
	if p == nil {
		return 0
	}
	l := int(C.SSL_get_security_level(p))
	runtime.KeepAlive(s)
	return l
}

// SetReadAhead sets SSL_set_read_ahead.
func (s *SSL) SetReadAhead(on bool) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_set_read_ahead(p, cbool(on))
	runtime.KeepAlive(s)
	return nil
}

// ReadAhead returns SSL_get_read_ahead; false on a freed handle.
func (s *SSL) ReadAhead() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.SSL_get_read_ahead(p) != 0
	runtime.KeepAlive(s)
	return b
}

// SetMaxCertList sets SSL_set_max_cert_list, the largest peer chain accepted.
func (s *SSL) SetMaxCertList(n int) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ssl_set_max_cert_list(p, C.long(n))
	runtime.KeepAlive(s)
	return nil
}

// MaxCertList returns SSL_get_max_cert_list; 0 on a freed handle.
func (s *SSL) MaxCertList() int {
	p := s.ptr()
	if p == nil {
		return 0
	}
	n := int(C.ls_ssl_get_max_cert_list(p))
	runtime.KeepAlive(s)
	return n
}

// SetNumTickets sets SSL_set_num_tickets.
func (s *SSL) SetNumTickets(n int) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ssl_set_num_tickets(p, C.size_t(n))
	runtime.KeepAlive(s)
	return result("SSL_set_num_tickets", r, r.ret != 1)
}

// NumTickets returns SSL_get_num_tickets; 0 on a freed handle.
func (s *SSL) NumTickets() int {
	p := s.ptr()
	if p == nil {
		return 0
	}
	n := int(C.SSL_get_num_tickets(p))
	runtime.KeepAlive(s)
	return n
}

// SetHostName sets the SNI host name a client sends
// (SSL_set_tlsext_host_name).
func (s *SSL) SetHostName(name string) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	r := C.ls_ssl_set_host_name(p, cs)
	runtime.KeepAlive(s)
	return result("SSL_set_tlsext_host_name", r, r.ret != 1)
}

// ServerName returns SSL_get_servername(s, TLSEXT_NAMETYPE_host_name): the
// name a client set, or on a server the name the client sent; "" if none.
func (s *SSL) ServerName() string {
	p := s.ptr()
	if p == nil {
		return ""
	}
	n := C.ls_ssl_get_servername(p)
	runtime.KeepAlive(s)
	if n == nil {
		return ""
	}
	return C.GoString(n)
}

// SetVerifyHost sets the host name the peer's certificate must match
// (SSL_set1_host); "" clears it.
func (s *SSL) SetVerifyHost(name string) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	var cs *C.char
	if name != "" {
		cs = C.CString(name)
		defer C.free(unsafe.Pointer(cs))
	}
	r := C.ls_ssl_set1_host(p, cs)
	runtime.KeepAlive(s)
	return result("SSL_set1_host", r, r.ret != 1)
}

// SetSessionIDContext sets SSL_set_session_id_context (at most 32 bytes).
func (s *SSL) SetSessionIDContext(id []byte) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	var ptr *C.uchar
	if len(id) > 0 {
		ptr = (*C.uchar)(unsafe.Pointer(&id[0]))
	}
	r := C.ls_ssl_set_sid_ctx(p, ptr, C.int(len(id)))
	runtime.KeepAlive(id)
	runtime.KeepAlive(s)
	return result("SSL_set_session_id_context", r, r.ret != 1)
}

// UseCertificatePEM sets the SSL's own certificate (SSL_use_certificate) and
// chain (SSL_set1_chain) from PEM in memory, leaf first.
func (s *SSL) UseCertificatePEM(pem []byte) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	if len(pem) == 0 {
		return &Error{Op: "SSL_use_certificate", internal: "empty PEM input"}
	}
	b, n := pemArgs(pem)
	r := C.ls_ssl_use_cert_pem(p, b, n)
	runtime.KeepAlive(pem)
	runtime.KeepAlive(s)
	return result("SSL_use_certificate", r, r.ret != 1)
}

// UsePrivateKeyPEM sets the SSL's own private key (SSL_use_PrivateKey) from
// unencrypted PEM in memory.
func (s *SSL) UsePrivateKeyPEM(pem []byte) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	if len(pem) == 0 {
		return &Error{Op: "SSL_use_PrivateKey", internal: "empty PEM input"}
	}
	b, n := pemArgs(pem)
	r := C.ls_ssl_use_key_pem(p, b, n)
	runtime.KeepAlive(pem)
	runtime.KeepAlive(s)
	return result("SSL_use_PrivateKey", r, r.ret != 1)
}

// Certificate returns the SSL's own certificate (SSL_get_certificate),
// up-ref'd into an owned handle, or nil.
func (s *SSL) Certificate() *X509 {
	p := s.ptr()
	if p == nil {
		return nil
	}
	x := C.ls_ssl_get1_certificate(p)
	runtime.KeepAlive(s)
	if x == nil {
		return nil
	}
	return wrapX509(x)
}

// PrivateKey returns the SSL's own private key (SSL_get_privatekey),
// up-ref'd into an owned handle, or nil.
func (s *SSL) PrivateKey() *PKey {
	p := s.ptr()
	if p == nil {
		return nil
	}
	k := C.ls_ssl_get1_privatekey(p)
	runtime.KeepAlive(s)
	if k == nil {
		return nil
	}
	return wrapPKey(k)
}

// PeerCertificate returns the peer's certificate (SSL_get1_peer_certificate,
// SSL_get_peer_certificate on 1.1.1) as an owned handle, or nil.
func (s *SSL) PeerCertificate() *X509 {
	p := s.ptr()
	if p == nil {
		return nil
	}
	x := C.ls_ssl_get1_peer_certificate(p)
	runtime.KeepAlive(s)
	if x == nil {
		return nil
	}
	return wrapX509(x)
}

// PeerChainLen returns the length of SSL_get_peer_cert_chain; 0 if none.
func (s *SSL) PeerChainLen() int {
	p := s.ptr()
	if p == nil {
		return 0
	}
	n := int(C.ls_ssl_peer_chain_len(p))
	runtime.KeepAlive(s)
	return n
}

// VerifyResult returns SSL_get_verify_result (X509_V_OK is 0); -1 on a freed
// handle.
func (s *SSL) VerifyResult() int {
	p := s.ptr()
	if p == nil {
		return -1
	}
	v := int(C.SSL_get_verify_result(p))
	runtime.KeepAlive(s)
	return v
}

// AddCAName adds the subject of the first certificate in pem to the SSL's CA
// name list (SSL_add1_to_CA_list).
func (s *SSL) AddCAName(pem []byte) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	if len(pem) == 0 {
		return &Error{Op: "SSL_add1_to_CA_list", internal: "empty PEM input"}
	}
	b, n := pemArgs(pem)
	r := C.ls_ssl_add_ca_name_pem(p, b, n)
	runtime.KeepAlive(pem)
	runtime.KeepAlive(s)
	return result("SSL_add1_to_CA_list", r, r.ret != 1)
}

// CANames returns the SSL's CA name list (SSL_get0_CA_list) in RFC 2253
// form; nil when it has none.
func (s *SSL) CANames() []string {
	p := s.ptr()
	if p == nil {
		return nil
	}
	defer runtime.KeepAlive(s)
	n := int(C.ls_ssl_ca_list_count(p))
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	buf := make([]byte, 1024)
	for i := 0; i < n; i++ {
		r := C.ls_ssl_ca_name(p, C.int(i), (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
		if result("X509_NAME_print_ex", r, r.ret != 1) != nil {
			out = append(out, "")
			continue
		}
		out = append(out, C.GoString((*C.char)(unsafe.Pointer(&buf[0]))))
	}
	return out
}

// CAListIdentity returns the address of the SSL's CA name stack
// (SSL_get0_CA_list) as a number, 0 when it has none. It only tells whether
// two SSLs share one stack; it is never a pointer to use.
func (s *SSL) CAListIdentity() uintptr {
	p := s.ptr()
	if p == nil {
		return 0
	}
	v := uintptr(C.ls_ssl_ca_list_ptr(p))
	runtime.KeepAlive(s)
	return v
}

// SetBIO gives the SSL its read and write BIOs (SSL_set0_rbio and
// SSL_set0_wbio, which free the BIOs the SSL held before). The SSL takes one
// reference of its own on each, so the caller keeps its handles and frees
// them as usual. r and w may be the same BIO; nil means none.
func (s *SSL) SetBIO(r, w *BIO) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	rp, wp := r.ptr(), w.ptr()
	if (r != nil && rp == nil) || (w != nil && wp == nil) {
		return ErrFreed
	}
	if rp != nil {
		C.ls_bio_up_ref(rp)
	}
	if wp != nil {
		C.ls_bio_up_ref(wp)
	}
	C.ls_ssl_set0_bios(p, rp, wp)
	runtime.KeepAlive(r)
	runtime.KeepAlive(w)
	runtime.KeepAlive(s)
	return nil
}

// RBIO returns the SSL's read BIO (SSL_get_rbio), up-ref'd into an owned
// handle, or nil.
func (s *SSL) RBIO() *BIO {
	p := s.ptr()
	if p == nil {
		return nil
	}
	b := C.ls_ssl_get1_rbio(p)
	runtime.KeepAlive(s)
	if b == nil {
		return nil
	}
	return wrapBIO(b)
}

// WBIO returns the SSL's write BIO (SSL_get_wbio), up-ref'd into an owned
// handle, or nil.
func (s *SSL) WBIO() *BIO {
	p := s.ptr()
	if p == nil {
		return nil
	}
	b := C.ls_ssl_get1_wbio(p)
	runtime.KeepAlive(s)
	if b == nil {
		return nil
	}
	return wrapBIO(b)
}

// IsServer returns SSL_is_server; false on a freed handle.
func (s *SSL) IsServer() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.SSL_is_server(p) != 0
	runtime.KeepAlive(s)
	return b
}

// Version returns SSL_version: the negotiated version, or before a handshake
// the highest the method supports (TLS1_3_VERSION); 0 on a freed handle.
func (s *SSL) Version() ProtocolVersion {
	p := s.ptr()
	if p == nil {
		return 0
	}
	v := ProtocolVersion(C.SSL_version(p))
	runtime.KeepAlive(s)
	return v
}

// InInit returns SSL_in_init; false on a freed handle.
func (s *SSL) InInit() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.SSL_in_init(p) != 0
	runtime.KeepAlive(s)
	return b
}

// InBefore returns SSL_in_before: no handshake step has run; false on a
// freed handle.
func (s *SSL) InBefore() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.SSL_in_before(p) != 0
	runtime.KeepAlive(s)
	return b
}

// IsInitFinished returns SSL_is_init_finished; false on a freed handle.
func (s *SSL) IsInitFinished() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.SSL_is_init_finished(p) != 0
	runtime.KeepAlive(s)
	return b
}

// Renegotiate schedules a TLS 1.2 renegotiation (SSL_renegotiate).
func (s *SSL) Renegotiate() error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ssl_renegotiate(p)
	runtime.KeepAlive(s)
	return result("SSL_renegotiate", r, r.ret != 1)
}

// RenegotiatePending returns SSL_renegotiate_pending.
func (s *SSL) RenegotiatePending() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.ls_ssl_renegotiate_pending(p) != 0
	runtime.KeepAlive(s)
	return b
}

func (s *SSL) hasRBIO() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.ls_ssl_has_rbio(p) != 0
	runtime.KeepAlive(s)
	return b
}

func (s *SSL) hasWBIO() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.ls_ssl_has_wbio(p) != 0
	runtime.KeepAlive(s)
	return b
}
