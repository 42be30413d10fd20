package libssl

// This file: library contexts (OSSL_LIB_CTX), providers (OSSL_PROVIDER) and
// SSL_CTX_new_ex. The C side (shim_libctx.c) keeps the reference count that
// OSSL_LIB_CTX lacks.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"unsafe"
)

// needsOpenSSL3 gives an ErrUnsupported from a function that OpenSSL 1.1.1
// lacks the message that says so; other errors pass unchanged.
func needsOpenSSL3(err error) error {
	if err != nil && errors.Is(err, ErrUnsupported) {
		return fmt.Errorf("%w: needs OpenSSL 3.0 or newer (linked: %s)", err, RuntimeVersionText())
	}
	return err
}

// LibCtx is an owned reference on an OSSL_LIB_CTX, a library context: the
// providers, configuration and default properties that fetches made in it
// see. OSSL_LIB_CTX has no reference count of its own; the binding keeps
// one in C, which this handle, every SSL_CTX made in the context
// (NewCtxEx), every loaded Provider and every certificate and key loaded
// from a store in it (LoadStore) hold. OSSL_LIB_CTX_free runs when the last
// of them goes, so Free never frees the context under a live SSL_CTX, key
// or provider. When an SSL_CTX is the last, OSSL_LIB_CTX_free runs after its
// SSL_CTX_free has returned (SSL_CTX_free releases its ex_data before the
// algorithms it fetched from the context): at the next SSL_new,
// SSL_CTX_new, SSL_CTX_free or library-context call on the same thread.
//
// OpenSSL 3.x keeps per-thread state (random generators) for each library
// context a thread used, and OSSL_LIB_CTX_free clears it on the calling
// thread only; another thread that used the context later runs exit
// handlers that read the freed context and crash (openssl/openssl#16778,
// open; seen on 3.0.19 at the exit of -race test binaries). Goroutines move
// between threads, so the binding runs OSSL_LIB_CTX_free (after
// OPENSSL_thread_stop_ex) only for a context it knows to be confined: every
// call that reached it ran on the thread that made it, no SSL was made from
// an SSL_CTX in it (handshakes run on any thread) and no private key was
// loaded from a store into it (keys sign in handshakes). Any other context
// is kept at its last reference, its memory given back only at process
// exit: a bounded leak per context instead of a crash. Make library
// contexts once and keep them, as OpenSSL's own documentation advises for
// the default one; a program that makes one per tenant pays that memory.

// A nil *LibCtx is the default library context, which is never freed.
// Library contexts need OpenSSL 3.0; on 1.1.1 every function of this file
// returns an error matching ErrUnsupported.
type LibCtx struct {
	r ref
}

// NewLibCtx makes a library context (OSSL_LIB_CTX_new). The handle owns one
// reference; a new context loads the default provider on first use unless
// a provider is loaded into it first.
func NewLibCtx() (*LibCtx, error) {
	if initErr != nil {
		return nil, initErr
	}
	p, err := c_libctx_new()
	if err != nil {
		return nil, needsOpenSSL3(err)
	}
	l := &LibCtx{}
	atomic.StorePointer(&l.r.p, p)
	l.r.cleanup = runtime.AddCleanup(l, func(p unsafe.Pointer) {
		noteReleased()
		c_libctx_release(p)
	}, p)
	noteOwned()
	return l, nil
}

// Free drops the handle's reference on the library context. The context
// (OSSL_LIB_CTX_free) goes when the last SSL_CTX, provider and stored
// object made in it has gone too. Free is idempotent; on a nil handle (the
// default context) it does nothing.
func (l *LibCtx) Free() {
	if l == nil {
		return
	}
	if p := l.r.release(); p != nil {
		c_libctx_release(p)
	}
}

// with runs f with the handle's record: nil for a nil handle (the default
// context), ErrFreed after Free.
func (l *LibCtx) with(f func(rec unsafe.Pointer) error) error {
	if l == nil {
		return f(nil)
	}
	p := l.r.get()
	if p == nil {
		return ErrFreed
	}
	err := f(p)
	runtime.KeepAlive(l)
	return err
}

// withString is with for a call that takes one C string.
func (l *LibCtx) withString(s string, f func(rec unsafe.Pointer, cs *C.char) error) error {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	return l.with(func(rec unsafe.Pointer) error { return f(rec, cs) })
}

// LoadConfig loads an OpenSSL configuration file into the context
// (OSSL_LIB_CTX_load_config), e.g. one that activates the FIPS provider.
// Nothing is owned or kept beyond what the file configures.
func (l *LibCtx) LoadConfig(path string) error {
	return needsOpenSSL3(l.withString(path, func(rec unsafe.Pointer, cs *C.char) error {
		return c_libctx_load_config(rec, cs)
	}))
}

// SetProviderSearchPath sets the directory providers are loaded from
// (OSSL_PROVIDER_set_default_search_path); "" restores the built-in one.
func (l *LibCtx) SetProviderSearchPath(dir string) error {
	if dir == "" {
		return needsOpenSSL3(l.with(func(rec unsafe.Pointer) error { return c_libctx_set_search_path(rec, nil) }))
	}
	return needsOpenSSL3(l.withString(dir, func(rec unsafe.Pointer, cs *C.char) error {
		return c_libctx_set_search_path(rec, cs)
	}))
}

// SetDefaultProperties sets the context's default property query
// (EVP_set_default_properties), e.g. "fips=yes"; fetches in the context
// combine it with their own.
func (l *LibCtx) SetDefaultProperties(propq string) error {
	return needsOpenSSL3(l.withString(propq, func(rec unsafe.Pointer, cs *C.char) error {
		return c_libctx_set_default_properties(rec, cs)
	}))
}

// DefaultPropertiesFIPSEnabled reports whether the context's default
// properties ask for fips=yes (EVP_default_properties_is_fips_enabled); a
// nil handle asks the default context. False on 1.1.1 and on a freed handle.
func (l *LibCtx) DefaultPropertiesFIPSEnabled() bool {
	var on bool
	_ = l.with(func(rec unsafe.Pointer) error {
		on = c_libctx_fips_enabled(rec) == 1
		return nil
	})
	return on
}

// ProviderAvailable reports whether the named provider is loaded and
// available in the context (OSSL_PROVIDER_available). False on 1.1.1 and on
// a freed handle.
func (l *LibCtx) ProviderAvailable(name string) bool {
	var on bool
	_ = l.withString(name, func(rec unsafe.Pointer, cs *C.char) error {
		on = c_libctx_provider_available(rec, cs) == 1
		return nil
	})
	return on
}

// Providers returns the names of the providers loaded in the context
// (OSSL_PROVIDER_do_all), in libssl's order; for the default context (nil
// l) with none loaded, that is the fallback libssl then activates. nil on
// 1.1.1 and on a freed handle.
func (l *LibCtx) Providers() []string {
	var names []string
	_ = l.with(func(rec unsafe.Pointer) error {
		b := copyOut(func(buf *C.uchar, cap C.int) C.int {
			return c_libctx_provider_names(rec, (*C.char)(unsafe.Pointer(buf)), cap)
		})
		names = strings.Fields(string(b))
		return nil
	})
	return names
}

// Provider is one activation of a provider in a library context, as
// OSSL_PROVIDER_load returned it. It holds a reference on its library
// context, so the context outlives it. Unload (or Free) gives the
// activation back once.
type Provider struct {
	r ref
}

// LoadProvider loads and activates the named provider in the context
// (OSSL_PROVIDER_load): "default", "base", "legacy", "fips", or a module
// in the provider search path. Once a provider is loaded explicitly, the
// context no longer falls back to the default provider. The returned handle
// owns the activation.
func (l *LibCtx) LoadProvider(name string) (*Provider, error) {
	return l.loadProvider(name, false, false)
}

// TryLoadProvider is LoadProvider by OSSL_PROVIDER_try_load: with
// retainFallbacks, loading it keeps the default provider as a fallback.
func (l *LibCtx) TryLoadProvider(name string, retainFallbacks bool) (*Provider, error) {
	return l.loadProvider(name, true, retainFallbacks)
}

func (l *LibCtx) loadProvider(name string, try, retain bool) (*Provider, error) {
	if initErr != nil {
		return nil, initErr
	}
	var pv *Provider
	err := l.withString(name, func(rec unsafe.Pointer, cs *C.char) error {
		t, r := C.int(0), C.int(0)
		if try {
			t = 1
		}
		if retain {
			r = 1
		}
		p, err := c_provider_load(rec, cs, t, r)
		if err != nil {
			if e, ok := err.(*Error); ok && try {
				e.Op = "OSSL_PROVIDER_try_load"
			}
			return err
		}
		pv = &Provider{}
		atomic.StorePointer(&pv.r.p, p)
		pv.r.cleanup = runtime.AddCleanup(pv, func(p unsafe.Pointer) {
			noteReleased()
			_ = c_provider_unload(p)
		}, p)
		noteOwned()
		return nil
	})
	return pv, needsOpenSSL3(err)
}

// Name returns the provider's name (OSSL_PROVIDER_get0_name), "" after
// Unload.
func (p *Provider) Name() string {
	if p == nil {
		return ""
	}
	rp := p.r.get()
	if rp == nil {
		return ""
	}
	n := C.GoString(c_provider_name(rp))
	runtime.KeepAlive(p)
	return n
}

// Unload gives the activation back (OSSL_PROVIDER_unload) and drops the
// reference on the library context. It is idempotent: the second and
// later calls, and calls on a nil handle, return nil and do nothing.
func (p *Provider) Unload() error {
	if p == nil {
		return nil
	}
	if rp := p.r.release(); rp != nil {
		return c_provider_unload(rp)
	}
	return nil
}

// Free is Unload without its result.
func (p *Provider) Free() { _ = p.Unload() }

// NewCtxEx makes an SSL_CTX for method m in library context l with the
// property query propq (SSL_CTX_new_ex); a nil l is the default context and
// "" no query. The handle owns the new context's only reference; the
// SSL_CTX holds a reference on l's context until it is destroyed. Where the
// context's providers offer no ciphers for the query (fips=yes without a
// FIPS provider, a context with only the base or null provider),
// SSL_CTX_new_ex fails here ("library has no ciphers"); with a query, the
// error (an *Error wrapped with the query) names it too.
func NewCtxEx(l *LibCtx, propq string, m Method) (*Ctx, error) {
	if initErr != nil {
		return nil, initErr
	}
	var c *Ctx
	err := l.with(func(rec unsafe.Pointer) error {
		var cq *C.char
		if propq != "" {
			cq = C.CString(propq)
			defer C.free(unsafe.Pointer(cq))
		}
		p, err := c_ctx_new_ex(rec, cq, C.int(m))
		if err != nil {
			if propq != "" && !errors.Is(err, ErrUnsupported) {
				// The queue names what is missing ("library has no
				// ciphers"); the query says what was asked for.
				return fmt.Errorf("libssl: no algorithms for property query %q: %w", propq, err)
			}
			return err
		}
		c = wrapCtx(p)
		return nil
	})
	return c, needsOpenSSL3(err)
}

// libCtxCounts returns how many library contexts the binding has made
// (OSSL_LIB_CTX_new), freed (real OSSL_LIB_CTX_free calls) and kept at
// their last reference because another thread may hold their per-thread
// state (see LibCtx), after the calling thread's deferred frees ran; for
// tests.
func libCtxCounts() (made, freed, kept int64) {
	return int64(c_libctx_count(0)), int64(c_libctx_count(1)), int64(c_libctx_count(2))
}
