package libssl

// This file: SSL_CONF_CTX, the command interface that applies textual
// settings ("MinProtocol", "CipherString", ...) to an SSL_CTX or SSL, and
// SSL_CTX_config / CONF_modules_load_file, which apply a configuration
// file's sections.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// ConfFlags are the SSL_CONF_FLAG_* bits of an SSL_CONF_CTX: where the
// commands come from and what they may configure.
type ConfFlags uint

// The SSL_CONF_FLAG_* values.
const (
	ConfFlagCmdline        ConfFlags = C.SSL_CONF_FLAG_CMDLINE         // SSL_CONF_FLAG_CMDLINE: command-line names ("-min_protocol")
	ConfFlagFile           ConfFlags = C.SSL_CONF_FLAG_FILE            // SSL_CONF_FLAG_FILE: configuration-file names ("MinProtocol")
	ConfFlagClient         ConfFlags = C.SSL_CONF_FLAG_CLIENT          // SSL_CONF_FLAG_CLIENT: client commands
	ConfFlagServer         ConfFlags = C.SSL_CONF_FLAG_SERVER          // SSL_CONF_FLAG_SERVER: server commands
	ConfFlagShowErrors     ConfFlags = C.SSL_CONF_FLAG_SHOW_ERRORS     // SSL_CONF_FLAG_SHOW_ERRORS: queue errors for unknown commands and bad values
	ConfFlagCertificate    ConfFlags = C.SSL_CONF_FLAG_CERTIFICATE     // SSL_CONF_FLAG_CERTIFICATE: certificate and key commands
	ConfFlagRequirePrivate ConfFlags = C.SSL_CONF_FLAG_REQUIRE_PRIVATE // SSL_CONF_FLAG_REQUIRE_PRIVATE: SSL_CONF_CTX_finish checks that each certificate has its key
)

// ConfValueType is what SSL_CONF_cmd_value_type says a command's value is.
type ConfValueType int

// The SSL_CONF_TYPE_* values.
const (
	ConfTypeUnknown ConfValueType = C.SSL_CONF_TYPE_UNKNOWN // SSL_CONF_TYPE_UNKNOWN: not a command (under the flags set)
	ConfTypeString  ConfValueType = C.SSL_CONF_TYPE_STRING  // SSL_CONF_TYPE_STRING
	ConfTypeFile    ConfValueType = C.SSL_CONF_TYPE_FILE    // SSL_CONF_TYPE_FILE: a file name
	ConfTypeDir     ConfValueType = C.SSL_CONF_TYPE_DIR     // SSL_CONF_TYPE_DIR: a directory name
	ConfTypeNone    ConfValueType = C.SSL_CONF_TYPE_NONE    // SSL_CONF_TYPE_NONE: the command takes no value
)

// The errors Cmd wraps beside libssl's *Error, by SSL_CONF_cmd's result.
var (
	ErrConfUnknownCommand = errors.New("libssl: SSL_CONF_cmd: unknown command (-2)")
	ErrConfMissingValue   = errors.New("libssl: SSL_CONF_cmd: missing value (-3)")
	ErrConfBadValue       = errors.New("libssl: SSL_CONF_cmd: bad value (0)")
)

// ConfCtx is an owned SSL_CONF_CTX (SSL_CONF_CTX_new). It also holds a
// reference on the SSL_CTX or SSL it configures (SSL_CONF_CTX_set_ssl_ctx,
// SSL_CONF_CTX_set_ssl do not take one in C), so that object lives while
// the ConfCtx can reach it, whatever the program frees first.
type ConfCtx struct {
	r ref

	mu  sync.Mutex
	ctx *Ctx // an up-ref'd handle on the target SSL_CTX, or nil
	ssl *SSL // an up-ref'd handle on the target SSL, or nil
}

func confCleanup(p unsafe.Pointer) {
	noteReleased()
	c_SSL_CONF_CTX_free((*C.SSL_CONF_CTX)(p))
}

// NewConfCtx makes an SSL_CONF_CTX (SSL_CONF_CTX_new) with no flags and no
// target. The handle owns it; Free (or the cleanup backstop) runs
// SSL_CONF_CTX_free.
func NewConfCtx() (*ConfCtx, error) {
	if initErr != nil {
		return nil, initErr
	}
	p, err := c_SSL_CONF_CTX_new()
	if err != nil {
		return nil, err
	}
	cc := &ConfCtx{}
	atomic.StorePointer(&cc.r.p, unsafe.Pointer(p))
	cc.r.cleanup = runtime.AddCleanup(cc, confCleanup, unsafe.Pointer(p))
	noteOwned()
	return cc, nil
}

// useConf is use for a ConfCtx: ErrFreed on a nil or freed handle.
func (cc *ConfCtx) useConf(f func(*C.SSL_CONF_CTX) error) error {
	if cc == nil {
		return ErrFreed
	}
	p := (*C.SSL_CONF_CTX)(cc.r.get())
	if p == nil {
		return ErrFreed
	}
	err := f(p)
	runtime.KeepAlive(cc)
	return err
}

// Free releases the SSL_CONF_CTX (SSL_CONF_CTX_free) and the references it
// held on its target SSL_CTX or SSL. Idempotent; nothing on a nil handle.
func (cc *ConfCtx) Free() {
	if cc == nil {
		return
	}
	if p := cc.r.release(); p != nil {
		c_SSL_CONF_CTX_free((*C.SSL_CONF_CTX)(p))
	}
	cc.mu.Lock()
	ctx, ssl := cc.ctx, cc.ssl
	cc.ctx, cc.ssl = nil, nil
	cc.mu.Unlock()
	ctx.Free()
	ssl.Free()
}

// SetFlags sets flag bits (SSL_CONF_CTX_set_flags) and returns the flags
// now set.
func (cc *ConfCtx) SetFlags(f ConfFlags) (ConfFlags, error) {
	var out ConfFlags
	err := cc.useConf(func(p *C.SSL_CONF_CTX) error {
		out = ConfFlags(c_SSL_CONF_CTX_set_flags(p, C.uint(f)))
		return nil
	})
	return out, err
}

// ClearFlags clears flag bits (SSL_CONF_CTX_clear_flags) and returns the
// flags still set.
func (cc *ConfCtx) ClearFlags(f ConfFlags) (ConfFlags, error) {
	var out ConfFlags
	err := cc.useConf(func(p *C.SSL_CONF_CTX) error {
		out = ConfFlags(c_SSL_CONF_CTX_clear_flags(p, C.uint(f)))
		return nil
	})
	return out, err
}

// SetSSLCtx makes ctx the target of later commands
// (SSL_CONF_CTX_set_ssl_ctx); a nil ctx clears the target. The ConfCtx
// takes a reference of its own on the SSL_CTX (SSL_CTX_up_ref), released
// when the target changes or the ConfCtx is freed. Setting an SSL_CTX
// clears an SSL target, as in C.
func (cc *ConfCtx) SetSSLCtx(ctx *Ctx) error {
	var held *Ctx
	if ctx != nil {
		var err error
		if held, err = ctx.UpRef(); err != nil {
			return err
		}
	}
	err := cc.useConf(func(p *C.SSL_CONF_CTX) error {
		cc.mu.Lock()
		defer cc.mu.Unlock()
		c_SSL_CONF_CTX_set_ssl_ctx(p, held.ptr())
		old, oldSSL := cc.ctx, cc.ssl
		cc.ctx, cc.ssl = held, nil
		held = nil
		old.Free()
		oldSSL.Free()
		return nil
	})
	held.Free()
	return err
}

// SetSSL makes s the target of later commands (SSL_CONF_CTX_set_ssl); a
// nil s clears the target. The ConfCtx takes a reference of its own on the
// SSL (SSL_up_ref), released when the target changes or the ConfCtx is
// freed. Setting an SSL clears an SSL_CTX target, as in C.
func (cc *ConfCtx) SetSSL(s *SSL) error {
	var held *SSL
	if s != nil {
		var err error
		if held, err = s.UpRef(); err != nil {
			return err
		}
	}
	err := cc.useConf(func(p *C.SSL_CONF_CTX) error {
		cc.mu.Lock()
		defer cc.mu.Unlock()
		c_SSL_CONF_CTX_set_ssl(p, held.ptr())
		old, oldCtx := cc.ssl, cc.ctx
		cc.ssl, cc.ctx = held, nil
		held = nil
		old.Free()
		oldCtx.Free()
		return nil
	})
	held.Free()
	return err
}

// Cmd runs one command (SSL_CONF_cmd) with a value on the target; the
// strings are copied. On failure the error names the command and the value
// and wraps ErrConfUnknownCommand (-2), ErrConfMissingValue (-3) or
// ErrConfBadValue (0), and libssl's *Error with the queued entries (with
// ConfFlagShowErrors, libssl queues one for the unknown and missing cases
// too). A command that takes no value ignores it (SSL_CONF_cmd returns 1).
func (cc *ConfCtx) Cmd(name, value string) error {
	_, err := cc.cmd(name, &value)
	return err
}

// CmdNoValue runs a command with no value: SSL_CONF_cmd(cctx, name, NULL).
// A command that needs one fails with ErrConfMissingValue.
func (cc *ConfCtx) CmdNoValue(name string) error {
	_, err := cc.cmd(name, nil)
	return err
}

func (cc *ConfCtx) cmd(name string, value *string) (int, error) {
	var n int
	err := cc.useConf(func(p *C.SSL_CONF_CTX) error {
		cn := C.CString(name)
		defer C.free(unsafe.Pointer(cn))
		var cv *C.char
		shown := "(none)"
		if value != nil {
			cv = C.CString(*value)
			defer C.free(unsafe.Pointer(cv))
			shown = fmt.Sprintf("%q", *value)
		}
		var err error
		cc.mu.Lock()
		n, err = c_SSL_CONF_cmd(p, cn, cv)
		runtime.KeepAlive(cc.ctx)
		runtime.KeepAlive(cc.ssl)
		cc.mu.Unlock()
		if err == nil {
			return nil
		}
		var kind error
		switch n {
		case -2:
			kind = ErrConfUnknownCommand
		case -3:
			kind = ErrConfMissingValue
		default:
			kind = ErrConfBadValue
		}
		return fmt.Errorf("SSL_CONF_cmd %s = %s: %w: %w", name, shown, kind, err)
	})
	return n, err
}

// CmdValueType tells what the value of command name is
// (SSL_CONF_cmd_value_type) under the flags set; ConfTypeUnknown for no
// such command and on a freed handle.
func (cc *ConfCtx) CmdValueType(name string) ConfValueType {
	t := ConfTypeUnknown
	_ = cc.useConf(func(p *C.SSL_CONF_CTX) error {
		cn := C.CString(name)
		defer C.free(unsafe.Pointer(cn))
		t = ConfValueType(c_SSL_CONF_cmd_value_type(p, cn))
		return nil
	})
	return t
}

// Finish ends a run of commands (SSL_CONF_CTX_finish): it loads the
// certificate keys given by file name and, with ConfFlagRequirePrivate,
// checks that each certificate has its key, and it applies the CA name
// lists.
func (cc *ConfCtx) Finish() error {
	return cc.useConf(func(p *C.SSL_CONF_CTX) error {
		cc.mu.Lock()
		defer cc.mu.Unlock()
		err := c_SSL_CONF_CTX_finish(p)
		runtime.KeepAlive(cc.ctx)
		runtime.KeepAlive(cc.ssl)
		return err
	})
}

// Config applies the application section name of the loaded configuration
// (SSL_CTX_config): the section named by "name" under the ssl_conf module,
// its commands run with the file, certificate and role flags. It fails
// when the configuration has no such section, or a command fails. See
// LoadConfigFile.
func (c *Ctx) Config(name string) error {
	return use(c, func(p *C.SSL_CTX) error {
		cn := C.CString(name)
		defer C.free(unsafe.Pointer(cn))
		return c_SSL_CTX_config(p, cn)
	})
}

// LoadConfigFile loads the configuration file at path and runs the modules
// it names for application appname, or for "openssl_conf" when appname is
// empty (CONF_modules_load_file with flags 0). Like the C function, it is
// process-wide: the modules it configures (ssl_conf sections for
// Ctx.Config, providers, algorithms) apply to every later use of the
// library in the process, and a second load replaces them.
func LoadConfigFile(path, appname string) error {
	if initErr != nil {
		return initErr
	}
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var ca *C.char
	if appname != "" {
		ca = C.CString(appname)
		defer C.free(unsafe.Pointer(ca))
	}
	_, err := c_conf_modules_load_file(cp, ca)
	if err != nil {
		return fmt.Errorf("load configuration %s: %w", path, err)
	}
	return nil
}
