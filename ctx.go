package libssl

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"time"
	"unsafe"
)

// Ctx is an owned reference to an SSL_CTX, the configuration that SSL objects
// are made from.
type Ctx struct {
	r ref
}

func wrapCtx(p *C.SSL_CTX) *Ctx {
	c := &Ctx{}
	own(c, &c.r, unsafe.Pointer(p), kindCtx)
	return c
}

// NewCtx makes an SSL_CTX for method m (SSL_CTX_new). The handle owns the
// new context's only reference.
func NewCtx(m Method) (*Ctx, error) {
	if initErr != nil {
		return nil, initErr
	}
	r := C.ls_ctx_new(C.int(m))
	if err := result("SSL_CTX_new", r, r.ptr == nil); err != nil {
		return nil, err
	}
	return wrapCtx((*C.SSL_CTX)(r.ptr)), nil
}

// Free releases the handle's reference (SSL_CTX_free). SSL objects made from
// the context hold references of their own, so the context lives on while
// they do. Free is idempotent.
func (c *Ctx) Free() {
	if c == nil {
		return
	}
	if p := c.r.release(); p != nil {
		C.ls_ctx_free((*C.SSL_CTX)(p))
	}
}

func (c *Ctx) ptr() *C.SSL_CTX {
	if c == nil {
		return nil
	}
	return (*C.SSL_CTX)(c.r.get())
}

// UpRef returns a new owned handle on the same SSL_CTX (SSL_CTX_up_ref). The
// two handles are freed independently.
func (c *Ctx) UpRef() (*Ctx, error) {
	p := c.ptr()
	if p == nil {
		return nil, ErrFreed
	}
	ok := C.ls_ctx_up_ref(p)
	runtime.KeepAlive(c)
	if ok != 1 {
		return nil, &Error{Op: "SSL_CTX_up_ref", internal: "failed"}
	}
	return wrapCtx(p), nil
}

// SameObject reports whether c and o are handles on the same SSL_CTX.
func (c *Ctx) SameObject(o *Ctx) bool {
	a, b := c.ptr(), o.ptr()
	return a != nil && a == b
}

// Method returns the context's SSL_METHOD (SSL_CTX_get_ssl_method), or
// MethodUnknown on a freed handle.
func (c *Ctx) Method() Method {
	p := c.ptr()
	if p == nil {
		return MethodUnknown
	}
	m := Method(C.ls_method_id(C.ls_ctx_get_method(p)))
	runtime.KeepAlive(c)
	return m
}

// SetOptions sets option bits (SSL_CTX_set_options); SSL objects made later
// inherit them.
func (c *Ctx) SetOptions(o Options) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ctx_set_options(p, C.uint64_t(o))
	runtime.KeepAlive(c)
	return nil
}

// ClearOptions clears option bits (SSL_CTX_clear_options).
func (c *Ctx) ClearOptions(o Options) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ctx_clear_options(p, C.uint64_t(o))
	runtime.KeepAlive(c)
	return nil
}

// Options returns the option bits (SSL_CTX_get_options); 0 on a freed handle.
func (c *Ctx) Options() Options {
	p := c.ptr()
	if p == nil {
		return 0
	}
	o := Options(C.ls_ctx_get_options(p))
	runtime.KeepAlive(c)
	return o
}

// SetMode sets mode bits (SSL_CTX_set_mode).
func (c *Ctx) SetMode(m Mode) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ctx_set_mode(p, C.long(m))
	runtime.KeepAlive(c)
	return nil
}

// ClearMode clears mode bits (SSL_CTX_clear_mode).
func (c *Ctx) ClearMode(m Mode) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ctx_clear_mode(p, C.long(m))
	runtime.KeepAlive(c)
	return nil
}

// Mode returns the mode bits (SSL_CTX_get_mode); 0 on a freed handle.
func (c *Ctx) Mode() Mode {
	p := c.ptr()
	if p == nil {
		return 0
	}
	m := Mode(C.ls_ctx_get_mode(p))
	runtime.KeepAlive(c)
	return m
}

// SetVerify sets the verify mode and callback (SSL_CTX_set_verify). A nil cb
// leaves libssl's default verdicts in place. SSL objects made later inherit
// both; the callback travels as a cgo.Handle in the context's ex_data.
func (c *Ctx) SetVerify(mode VerifyMode, cb VerifyCallback) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	h, flags := handleFor(callbacksOf(C.ls_ctx_get_gohandle(p)).withVerify(cb))
	if C.ls_ctx_set_gohandle(p, h, flags) != 1 {
		runtime.KeepAlive(c)
		return errNoMemory
	}
	with := C.int(0)
	if cb != nil {
		with = 1
	}
	C.ls_ctx_set_verify(p, C.int(mode), with)
	runtime.KeepAlive(c)
	return nil
}

// VerifyMode returns SSL_CTX_get_verify_mode; 0 on a freed handle.
func (c *Ctx) VerifyMode() VerifyMode {
	p := c.ptr()
	if p == nil {
		return 0
	}
	m := VerifyMode(C.SSL_CTX_get_verify_mode(p))
	runtime.KeepAlive(c)
	return m
}

// HasVerifyCallback reports whether SSL_CTX_get_verify_callback is non-NULL.
func (c *Ctx) HasVerifyCallback() bool {
	p := c.ptr()
	if p == nil {
		return false
	}
	b := C.ls_ctx_has_verify_cb(p) != 0
	runtime.KeepAlive(c)
	return b
}

// SetVerifyDepth sets SSL_CTX_set_verify_depth.
func (c *Ctx) SetVerifyDepth(depth int) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_CTX_set_verify_depth(p, C.int(depth))
	runtime.KeepAlive(c)
	return nil
}

// VerifyDepth returns SSL_CTX_get_verify_depth; 0 on a freed handle.
func (c *Ctx) VerifyDepth() int {
	p := c.ptr()
	if p == nil {
		return 0
	}
	d := int(C.SSL_CTX_get_verify_depth(p))
	runtime.KeepAlive(c)
	return d
}

// SetMinProtoVersion sets SSL_CTX_set_min_proto_version (0: no minimum).
func (c *Ctx) SetMinProtoVersion(v ProtocolVersion) error { return c.setProto(0, v) }

// SetMaxProtoVersion sets SSL_CTX_set_max_proto_version (0: no maximum).
func (c *Ctx) SetMaxProtoVersion(v ProtocolVersion) error { return c.setProto(1, v) }

func (c *Ctx) setProto(which int, v ProtocolVersion) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ctx_set_proto(p, C.int(which), C.int(v))
	runtime.KeepAlive(c)
	return result([2]string{"SSL_CTX_set_min_proto_version", "SSL_CTX_set_max_proto_version"}[which], r, r.ret != 1)
}

// MinProtoVersion returns SSL_CTX_get_min_proto_version; 0 on a freed handle.
func (c *Ctx) MinProtoVersion() ProtocolVersion { return c.getProto(0) }

// MaxProtoVersion returns SSL_CTX_get_max_proto_version; 0 on a freed handle.
func (c *Ctx) MaxProtoVersion() ProtocolVersion { return c.getProto(1) }

func (c *Ctx) getProto(which int) ProtocolVersion {
	p := c.ptr()
	if p == nil {
		return 0
	}
	v := ProtocolVersion(C.ls_ctx_get_proto(p, C.int(which)))
	runtime.KeepAlive(c)
	return v
}

// SetCipherList sets the TLS 1.2-and-older cipher list (SSL_CTX_set_cipher_list).
func (c *Ctx) SetCipherList(list string) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	cs := C.CString(list)
	defer C.free(unsafe.Pointer(cs))
	r := C.ls_ctx_set_cipher_list(p, cs)
	runtime.KeepAlive(c)
	return result("SSL_CTX_set_cipher_list", r, r.ret != 1)
}

// SetCiphersuites sets the TLS 1.3 ciphersuites (SSL_CTX_set_ciphersuites).
func (c *Ctx) SetCiphersuites(list string) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	cs := C.CString(list)
	defer C.free(unsafe.Pointer(cs))
	r := C.ls_ctx_set_ciphersuites(p, cs)
	runtime.KeepAlive(c)
	return result("SSL_CTX_set_ciphersuites", r, r.ret != 1)
}

// Ciphers returns the names of the enabled ciphers in preference order
// (SSL_CTX_get_ciphers: TLS 1.3 suites first); nil on a freed handle.
func (c *Ctx) Ciphers() []string {
	p := c.ptr()
	if p == nil {
		return nil
	}
	defer runtime.KeepAlive(c)
	return cipherNames(func(buf *C.char, n C.int) C.int { return C.ls_ctx_cipher_names(p, buf, n) })
}

func cipherNames(get func(*C.char, C.int) C.int) []string {
	buf := make([]byte, 4096)
	for {
		need := get((*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
		if need == 0 {
			return []string{}
		}
		if int(need) <= len(buf) {
			return strings.Split(string(buf[:need-1]), ":")
		}
		buf = make([]byte, int(need))
	}
}

// SetSecurityLevel sets SSL_CTX_set_security_level.
func (c *Ctx) SetSecurityLevel(level int) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_CTX_set_security_level(p, C.int(level))
	runtime.KeepAlive(c)
	return nil
}

// SecurityLevel returns SSL_CTX_get_security_level; 0 on a freed handle.
func (c *Ctx) SecurityLevel() int {
	p := c.ptr()
	if p == nil {
		return 0
	}
	l := int(C.SSL_CTX_get_security_level(p))
	runtime.KeepAlive(c)
	return l
}

func pemArgs(pem []byte) (*C.char, C.int) {
	if len(pem) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&pem[0])), C.int(len(pem))
}

// UseCertificatePEM sets the context's certificate from PEM in memory: the
// first certificate is the leaf (SSL_CTX_use_certificate) and any that follow
// are its chain (SSL_CTX_set1_chain). The context takes its own references.
func (c *Ctx) UseCertificatePEM(pem []byte) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	if len(pem) == 0 {
		return &Error{Op: "SSL_CTX_use_certificate", internal: "empty PEM input"}
	}
	b, n := pemArgs(pem)
	r := C.ls_ctx_use_cert_chain_pem(p, b, n)
	runtime.KeepAlive(pem)
	runtime.KeepAlive(c)
	return result("SSL_CTX_use_certificate", r, r.ret != 1)
}

// UsePrivateKeyPEM sets the context's private key from unencrypted PEM in
// memory (SSL_CTX_use_PrivateKey).
func (c *Ctx) UsePrivateKeyPEM(pem []byte) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	if len(pem) == 0 {
		return &Error{Op: "SSL_CTX_use_PrivateKey", internal: "empty PEM input"}
	}
	b, n := pemArgs(pem)
	r := C.ls_ctx_use_key_pem(p, b, n)
	runtime.KeepAlive(pem)
	runtime.KeepAlive(c)
	return result("SSL_CTX_use_PrivateKey", r, r.ret != 1)
}

// UseCertificateChainFile loads a leaf and its chain from a PEM file
// (SSL_CTX_use_certificate_chain_file).
func (c *Ctx) UseCertificateChainFile(path string) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	r := C.ls_ctx_use_cert_chain_file(p, cs)
	runtime.KeepAlive(c)
	return result("SSL_CTX_use_certificate_chain_file", r, r.ret != 1)
}

// UsePrivateKeyFile loads the private key from a PEM file
// (SSL_CTX_use_PrivateKey_file with SSL_FILETYPE_PEM).
func (c *Ctx) UsePrivateKeyFile(path string) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	r := C.ls_ctx_use_key_file(p, cs)
	runtime.KeepAlive(c)
	return result("SSL_CTX_use_PrivateKey_file", r, r.ret != 1)
}

// CheckPrivateKey checks that the key matches the certificate
// (SSL_CTX_check_private_key).
func (c *Ctx) CheckPrivateKey() error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ctx_check_private_key(p)
	runtime.KeepAlive(c)
	return result("SSL_CTX_check_private_key", r, r.ret != 1)
}

// LoadVerifyLocations adds trusted certificates from a PEM file and/or a
// hashed directory (SSL_CTX_load_verify_locations); "" means none.
func (c *Ctx) LoadVerifyLocations(file, dir string) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	var cf, cd *C.char
	if file != "" {
		cf = C.CString(file)
		defer C.free(unsafe.Pointer(cf))
	}
	if dir != "" {
		cd = C.CString(dir)
		defer C.free(unsafe.Pointer(cd))
	}
	r := C.ls_ctx_load_verify_locations(p, cf, cd)
	runtime.KeepAlive(c)
	return result("SSL_CTX_load_verify_locations", r, r.ret != 1)
}

// SetDefaultVerifyPaths trusts the system's default CA locations
// (SSL_CTX_set_default_verify_paths).
func (c *Ctx) SetDefaultVerifyPaths() error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ctx_set_default_verify_paths(p)
	runtime.KeepAlive(c)
	return result("SSL_CTX_set_default_verify_paths", r, r.ret != 1)
}

// AddTrustedCertPEM adds every certificate in pem to the context's trust
// store (X509_STORE_add_cert on SSL_CTX_get_cert_store).
func (c *Ctx) AddTrustedCertPEM(pem []byte) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	if len(pem) == 0 {
		return &Error{Op: "X509_STORE_add_cert", internal: "empty PEM input"}
	}
	b, n := pemArgs(pem)
	r := C.ls_ctx_add_ca_pem(p, b, n)
	runtime.KeepAlive(pem)
	runtime.KeepAlive(c)
	return result("X509_STORE_add_cert", r, r.ret <= 0)
}

// SetSessionIDContext sets SSL_CTX_set_session_id_context (at most 32 bytes).
func (c *Ctx) SetSessionIDContext(id []byte) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	var ptr *C.uchar
	if len(id) > 0 {
		ptr = (*C.uchar)(unsafe.Pointer(&id[0]))
	}
	r := C.ls_ctx_set_sid_ctx(p, ptr, C.int(len(id)))
	runtime.KeepAlive(id)
	runtime.KeepAlive(c)
	return result("SSL_CTX_set_session_id_context", r, r.ret != 1)
}

// SetSessionCacheMode sets SSL_CTX_set_session_cache_mode.
func (c *Ctx) SetSessionCacheMode(m SessionCacheMode) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ctx_set_cache_mode(p, C.long(m))
	runtime.KeepAlive(c)
	return nil
}

// SessionCacheMode returns SSL_CTX_get_session_cache_mode; 0 on a freed handle.
func (c *Ctx) SessionCacheMode() SessionCacheMode {
	p := c.ptr()
	if p == nil {
		return 0
	}
	m := SessionCacheMode(C.ls_ctx_get_cache_mode(p))
	runtime.KeepAlive(c)
	return m
}

// SetSessionCacheSize sets SSL_CTX_sess_set_cache_size (0: unlimited).
func (c *Ctx) SetSessionCacheSize(n int) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ctx_set_cache_size(p, C.long(n))
	runtime.KeepAlive(c)
	return nil
}

// SessionCacheSize returns SSL_CTX_sess_get_cache_size; 0 on a freed handle.
func (c *Ctx) SessionCacheSize() int {
	p := c.ptr()
	if p == nil {
		return 0
	}
	n := int(C.ls_ctx_get_cache_size(p))
	runtime.KeepAlive(c)
	return n
}

// SetTimeout sets the lifetime of new sessions (SSL_CTX_set_timeout), in
// whole seconds.
func (c *Ctx) SetTimeout(d time.Duration) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_CTX_set_timeout(p, C.long(d/time.Second))
	runtime.KeepAlive(c)
	return nil
}

// Timeout returns SSL_CTX_get_timeout; 0 on a freed handle.
func (c *Ctx) Timeout() time.Duration {
	p := c.ptr()
	if p == nil {
		return 0
	}
	t := time.Duration(C.SSL_CTX_get_timeout(p)) * time.Second
	runtime.KeepAlive(c)
	return t
}

// SessionStats are the SSL_CTX_sess_* counters of a context.
type SessionStats struct {
	Number             int // SSL_CTX_sess_number: sessions in the internal cache
	Connect            int // SSL_CTX_sess_connect
	ConnectGood        int // SSL_CTX_sess_connect_good
	ConnectRenegotiate int // SSL_CTX_sess_connect_renegotiate
	Accept             int // SSL_CTX_sess_accept
	AcceptGood         int // SSL_CTX_sess_accept_good
	AcceptRenegotiate  int // SSL_CTX_sess_accept_renegotiate
	Hits               int // SSL_CTX_sess_hits
	CbHits             int // SSL_CTX_sess_cb_hits
	Misses             int // SSL_CTX_sess_misses
	Timeouts           int // SSL_CTX_sess_timeouts
	CacheFull          int // SSL_CTX_sess_cache_full
}

// SessionStats reads the SSL_CTX_sess_* counters; zero on a freed handle.
func (c *Ctx) SessionStats() SessionStats {
	p := c.ptr()
	if p == nil {
		return SessionStats{}
	}
	defer runtime.KeepAlive(c)
	g := func(i int) int { return int(C.ls_ctx_sess_stat(p, C.int(i))) }
	return SessionStats{g(0), g(1), g(2), g(3), g(4), g(5), g(6), g(7), g(8), g(9), g(10), g(11)}
}

// CachedSessions returns SSL_CTX_sess_number, the size of the internal cache.
func (c *Ctx) CachedSessions() int {
	p := c.ptr()
	if p == nil {
		return 0
	}
	n := int(C.ls_ctx_sess_stat(p, 0))
	runtime.KeepAlive(c)
	return n
}

// SetNumTickets sets how many TLS 1.3 tickets a server sends
// (SSL_CTX_set_num_tickets).
func (c *Ctx) SetNumTickets(n int) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ctx_set_num_tickets(p, C.size_t(n))
	runtime.KeepAlive(c)
	return result("SSL_CTX_set_num_tickets", r, r.ret != 1)
}

// NumTickets returns SSL_CTX_get_num_tickets; 0 on a freed handle.
func (c *Ctx) NumTickets() int {
	p := c.ptr()
	if p == nil {
		return 0
	}
	n := int(C.SSL_CTX_get_num_tickets(p))
	runtime.KeepAlive(c)
	return n
}

// SetQuietShutdown sets SSL_CTX_set_quiet_shutdown.
func (c *Ctx) SetQuietShutdown(on bool) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_CTX_set_quiet_shutdown(p, cbool(on))
	runtime.KeepAlive(c)
	return nil
}

// QuietShutdown returns SSL_CTX_get_quiet_shutdown; false on a freed handle.
func (c *Ctx) QuietShutdown() bool {
	p := c.ptr()
	if p == nil {
		return false
	}
	q := C.SSL_CTX_get_quiet_shutdown(p) != 0
	runtime.KeepAlive(c)
	return q
}

// AddSession adds s to the context's internal cache (SSL_CTX_add_session),
// which takes its own reference.
func (c *Ctx) AddSession(s *Session) error {
	p, sp := c.ptr(), s.ptr()
	if p == nil || sp == nil {
		return ErrFreed
	}
	r := C.ls_ctx_add_session(p, sp)
	runtime.KeepAlive(c)
	runtime.KeepAlive(s)
	return result("SSL_CTX_add_session", r, r.ret != 1)
}

// RemoveSession removes s from the internal cache (SSL_CTX_remove_session)
// and reports whether it was there.
func (c *Ctx) RemoveSession(s *Session) bool {
	p, sp := c.ptr(), s.ptr()
	if p == nil || sp == nil {
		return false
	}
	ok := C.ls_ctx_remove_session(p, sp) == 1
	runtime.KeepAlive(c)
	runtime.KeepAlive(s)
	return ok
}

// FlushSessions removes the sessions that have expired at t from the
// internal cache (SSL_CTX_flush_sessions).
func (c *Ctx) FlushSessions(t time.Time) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	C.ls_ctx_flush_sessions(p, C.long(t.Unix()))
	runtime.KeepAlive(c)
	return nil
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
