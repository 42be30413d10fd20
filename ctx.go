package libssl

// This file: the SSL_CTX handle: SSL_CTX_new, SSL_CTX_up_ref, SSL_CTX_free, and its options, versions and ciphers.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"strings"
	"unsafe"
)

// Ctx is an owned reference to an SSL_CTX, the configuration that SSL objects
// are made from.
type Ctx struct {
	r ref
	_ [ctxWeight]byte // see "Weight" in memory.go
}

func wrapCtx(p *C.SSL_CTX) *Ctx {
	c := &Ctx{}
	own(c, unsafe.Pointer(p), kindCtx)
	return c
}

// NewCtx makes an SSL_CTX for method m (SSL_CTX_new). The handle owns the
// new context's only reference.
func NewCtx(m Method) (*Ctx, error) {
	if initErr != nil {
		return nil, initErr
	}
	p, err := c_ctx_new(C.int(m))
	if err != nil {
		return nil, err
	}
	return wrapCtx(p), nil
}

// Free releases the handle's reference (SSL_CTX_free). SSL objects made from
// the context hold references of their own, so the context lives on while
// they do. Free is idempotent, and on a nil handle it does what
// SSL_CTX_free(NULL) does: nothing. When the last reference goes, libssl
// empties the session cache, running the remove-session callback (a panic
// in it is raised again here), and a caching client context's sessions
// become non-resumable, even those the program still holds.
func (c *Ctx) Free() {
	if c == nil {
		c_SSL_CTX_free(nil)
		return
	}
	if p := c.r.release(); p != nil {
		c_SSL_CTX_free((*C.SSL_CTX)(p))
	}
}

func (c *Ctx) ptr() *C.SSL_CTX { return (*C.SSL_CTX)(refp(c).get()) }

// UpRef returns a new owned handle on the same SSL_CTX (SSL_CTX_up_ref). The
// two handles are freed independently.
func (c *Ctx) UpRef() (*Ctx, error) {
	return use2(c, func(p *C.SSL_CTX) (*Ctx, error) {
		if err := c_SSL_CTX_up_ref(p); err != nil {
			return nil, err
		}
		return wrapCtx(p), nil
	})
}

// SameObject reports whether c and o are handles on the same SSL_CTX.
func (c *Ctx) SameObject(o *Ctx) bool {
	a, b := c.ptr(), o.ptr()
	return a != nil && a == b
}

// Method returns the context's SSL_METHOD (SSL_CTX_get_ssl_method), or
// MethodUnknown on a freed handle.
func (c *Ctx) Method() Method {
	return get(c, MethodUnknown, func(p *C.SSL_CTX) Method {
		return Method(C.ls_method_id(c_SSL_CTX_get_ssl_method(p)))
	})
}

// SetOptions sets option bits (SSL_CTX_set_options); SSL objects made later
// inherit them.
func (c *Ctx) SetOptions(o Options) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_SSL_CTX_set_options(p, C.uint64_t(o))
		return nil
	})
}

// ClearOptions clears option bits (SSL_CTX_clear_options).
func (c *Ctx) ClearOptions(o Options) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_SSL_CTX_clear_options(p, C.uint64_t(o))
		return nil
	})
}

// Options returns the option bits (SSL_CTX_get_options); 0 on a freed handle.
func (c *Ctx) Options() Options {
	return get(c, 0, func(p *C.SSL_CTX) Options {
		return Options(c_SSL_CTX_get_options(p))
	})
}

// SetMode sets mode bits (SSL_CTX_set_mode).
func (c *Ctx) SetMode(m Mode) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_ctx_set_mode(p, C.long(m))
		return nil
	})
}

// ClearMode clears mode bits (SSL_CTX_clear_mode).
func (c *Ctx) ClearMode(m Mode) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_ctx_clear_mode(p, C.long(m))
		return nil
	})
}

// Mode returns the mode bits (SSL_CTX_get_mode); 0 on a freed handle.
func (c *Ctx) Mode() Mode {
	return get(c, 0, func(p *C.SSL_CTX) Mode {
		return Mode(c_ctx_get_mode(p))
	})
}

// SetMinProtoVersion sets SSL_CTX_set_min_proto_version (0: no minimum).
func (c *Ctx) SetMinProtoVersion(v ProtocolVersion) error { return c.setProto(0, v) }

// SetMaxProtoVersion sets SSL_CTX_set_max_proto_version (0: no maximum).
func (c *Ctx) SetMaxProtoVersion(v ProtocolVersion) error { return c.setProto(1, v) }

func (c *Ctx) setProto(which int, v ProtocolVersion) error {
	return use(c, func(p *C.SSL_CTX) error {
		if which == 0 {
			return c_ctx_set_min_proto(p, C.int(v))
		}
		return c_ctx_set_max_proto(p, C.int(v))
	})
}

// MinProtoVersion returns SSL_CTX_get_min_proto_version; 0 on a freed handle.
func (c *Ctx) MinProtoVersion() ProtocolVersion { return c.getProto(0) }

// MaxProtoVersion returns SSL_CTX_get_max_proto_version; 0 on a freed handle.
func (c *Ctx) MaxProtoVersion() ProtocolVersion { return c.getProto(1) }

func (c *Ctx) getProto(which int) ProtocolVersion {
	return get(c, 0, func(p *C.SSL_CTX) ProtocolVersion {
		if which == 0 {
			return ProtocolVersion(c_ctx_get_min_proto(p))
		}
		return ProtocolVersion(c_ctx_get_max_proto(p))
	})
}

// SetCipherList sets the TLS 1.2-and-older cipher list (SSL_CTX_set_cipher_list).
func (c *Ctx) SetCipherList(list string) error {
	cs := C.CString(list)
	defer C.free(unsafe.Pointer(cs))
	return use(c, func(p *C.SSL_CTX) error {
		return c_SSL_CTX_set_cipher_list(p, cs)
	})
}

// SetCiphersuites sets the TLS 1.3 ciphersuites (SSL_CTX_set_ciphersuites).
func (c *Ctx) SetCiphersuites(list string) error {
	cs := C.CString(list)
	defer C.free(unsafe.Pointer(cs))
	return use(c, func(p *C.SSL_CTX) error {
		return c_SSL_CTX_set_ciphersuites(p, cs)
	})
}

// Ciphers returns the names of the enabled ciphers in preference order
// (SSL_CTX_get_ciphers: TLS 1.3 suites first); nil on a freed handle.
func (c *Ctx) Ciphers() []string {
	return get(c, nil, func(p *C.SSL_CTX) []string {
		return cipherNames(func(buf *C.char, n C.int) C.int { return c_ctx_cipher_names(p, buf, n) })
	})
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
	return use(c, func(p *C.SSL_CTX) error {
		c_SSL_CTX_set_security_level(p, C.int(level))
		return nil
	})
}

// SecurityLevel returns SSL_CTX_get_security_level; 0 on a freed handle.
func (c *Ctx) SecurityLevel() int {
	return get(c, 0, func(p *C.SSL_CTX) int {
		return int(c_SSL_CTX_get_security_level(p))
	})
}

// SetNumTickets sets how many TLS 1.3 tickets a server sends
// (SSL_CTX_set_num_tickets).
func (c *Ctx) SetNumTickets(n int) error {
	return use(c, func(p *C.SSL_CTX) error {
		return c_SSL_CTX_set_num_tickets(p, C.size_t(n))
	})
}

// NumTickets returns SSL_CTX_get_num_tickets; 0 on a freed handle.
func (c *Ctx) NumTickets() int {
	return get(c, 0, func(p *C.SSL_CTX) int {
		return int(c_SSL_CTX_get_num_tickets(p))
	})
}

// SetQuietShutdown sets SSL_CTX_set_quiet_shutdown.
func (c *Ctx) SetQuietShutdown(on bool) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_SSL_CTX_set_quiet_shutdown(p, cbool(on))
		return nil
	})
}

// QuietShutdown returns SSL_CTX_get_quiet_shutdown; false on a freed handle.
func (c *Ctx) QuietShutdown() bool {
	return get(c, false, func(p *C.SSL_CTX) bool {
		return c_SSL_CTX_get_quiet_shutdown(p) != 0
	})
}

// SetReadAhead sets SSL_CTX_set_read_ahead, inherited by SSL objects made
// later.
func (c *Ctx) SetReadAhead(on bool) error {
	return use(c, func(p *C.SSL_CTX) error { c_ctx_set_read_ahead(p, cbool(on)); return nil })
}

// ReadAhead returns SSL_CTX_get_read_ahead; false on a freed handle.
func (c *Ctx) ReadAhead() bool {
	return get(c, false, func(p *C.SSL_CTX) bool { return c_ctx_get_read_ahead(p) != 0 })
}
