package libssl

// This file: Encrypted Client Hello (ECH, RFC 9849), OpenSSL 4.0: the
// ECHStore handle over OSSL_ECHSTORE (ECHConfigs and their private keys)
// and the SSL_ech_* calls of a connection. The C side is shim_ech.c.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ECHBuilt reports whether the libssl the package was built against has
// Encrypted Client Hello: OpenSSL 4.0 or newer, not built with
// OPENSSL_NO_ECH. Without it every function of this file returns an error
// matching ErrUnsupported that says it needs OpenSSL 4.0.
// The answer is a property of the build, read once.
func ECHBuilt() bool { return echBuilt() }

var echBuilt = sync.OnceValue(func() bool { return initErr == nil && c_ech_built() == 1 })

// errNoECH is the error of an ECH call on a libssl without ECH: it names
// the C function op, matches ErrUnsupported and says what it needs.
func errNoECH(op string) error {
	return fmt.Errorf("%s: %w: needs OpenSSL 4.0 with ECH (linked: %s)", op, ErrUnsupported, RuntimeVersionText())
}

// checkECH is the first step of every ECH call: initErr, or errNoECH.
func checkECH(op string) error {
	if initErr != nil {
		return initErr
	}
	if c_ech_built() != 1 {
		return errNoECH(op)
	}
	return nil
}

// ECHConfigVersion is the ECHConfig version of RFC 9849
// (OSSL_ECH_RFC9849_VERSION, 0xfe0d), the one crypto/tls speaks. Note
// that OpenSSL 4.0's "openssl ech" command writes 0xff0d unless given
// -ech_version 0xfe0d.
const ECHConfigVersion = 0xfe0d

// The entry indexes of OSSL_ECHSTORE_get1_info, _write_pem and _downselect
// that name more than one entry.
const (
	ECHStoreLast = -1 // OSSL_ECHSTORE_LAST: the last entry
	ECHStoreAll  = -2 // OSSL_ECHSTORE_ALL: every entry
)

// HPKESuite is an HPKE cipher suite (OSSL_HPKE_SUITE, RFC 9180 ids).
type HPKESuite struct {
	KEM, KDF, AEAD uint16
}

// DefaultHPKESuite is X25519, HKDF-SHA256, AES-128-GCM
// (OSSL_HPKE_SUITE_DEFAULT), the suite crypto/tls offers first.
var DefaultHPKESuite = HPKESuite{KEM: 0x20, KDF: 1, AEAD: 1}

// ECHStore is an owned OSSL_ECHSTORE: ECHConfigs, each with or without its
// private key. A server's store holds keys; a client's holds the
// ECHConfigList it got for a server. OSSL_ECHSTORE has no reference count:
// Ctx.SetECHStore and SSL.SetECHStore give libssl a copy, so the handle
// may be freed or changed afterwards without effect on them. Free frees it
// (OSSL_ECHSTORE_free); a runtime cleanup does so if Free is never called.
type ECHStore struct {
	r ref
}

// NewECHStore makes an empty store (OSSL_ECHSTORE_new) in the library
// context l (nil: the default one) with no property query. A store in a
// context of the binding holds a reference on it and marks it shared: its
// keys decrypt in handshakes on any thread, and the copies libssl keeps
// refer to the context, which is then kept until the process exits (see
// LibCtx).
func NewECHStore(l *LibCtx) (*ECHStore, error) {
	const op = "OSSL_ECHSTORE_new"
	if err := checkECH(op); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	err := l.with(func(rec unsafe.Pointer) (err error) {
		p, err = c_echstore_new(rec, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	e := &ECHStore{}
	atomic.StorePointer(&e.r.p, p)
	e.r.cleanup = runtime.AddCleanup(e, func(p unsafe.Pointer) {
		noteReleased()
		c_echstore_free(p)
	}, p)
	noteOwned()
	return e, nil
}

// Free frees the store (OSSL_ECHSTORE_free). Copies held by an SSL_CTX or
// an SSL are theirs and stay. Free is idempotent; later calls on the
// handle return ErrFreed.
func (e *ECHStore) Free() {
	if e == nil {
		return
	}
	if p := e.r.release(); p != nil {
		c_echstore_free(p)
	}
}

// with runs f with the store's pointer: ErrFreed on a nil or freed
// handle, then checkECH.
func (e *ECHStore) with(op string, f func(p unsafe.Pointer) error) error {
	if e == nil {
		return ErrFreed
	}
	p := e.r.get()
	if p == nil {
		return ErrFreed
	}
	if err := checkECH(op); err != nil {
		return err
	}
	err := f(p)
	runtime.KeepAlive(e)
	return err
}

// NewConfig generates a key pair for suite and adds an ECHConfig of the
// given version (ECHConfigVersion) with that public key, publicName and
// maxNameLength to the store, with its private key
// (OSSL_ECHSTORE_new_config).
func (e *ECHStore) NewConfig(version uint16, maxNameLength uint8, publicName string, suite HPKESuite) error {
	const op = "OSSL_ECHSTORE_new_config"
	return e.with(op, func(p unsafe.Pointer) error {
		cs := C.CString(publicName)
		defer C.free(unsafe.Pointer(cs))
		return c_echstore_new_config(p, C.int(version), C.int(maxNameLength), cs, C.int(suite.KEM), C.int(suite.KDF), C.int(suite.AEAD))
	})
}

// WritePEM returns the PEM text of entry index (OSSL_ECHSTORE_write_pem
// into a memory BIO): the PKCS#8 private key, when the store has it,
// then the ECHCONFIG block (base64 of a one-entry ECHConfigList).
// ECHStoreAll writes every entry's ECHConfigs, without keys; OpenSSL
// 4.0.3 then puts a second length prefix before the ECHConfigList (the
// block decodes to the length of the list, then the list), which its own
// readers refuse: write the entries one by one to move them between
// stores.
func (e *ECHStore) WritePEM(index int) ([]byte, error) {
	const op = "OSSL_ECHSTORE_write_pem"
	var out []byte
	err := e.with(op, func(p unsafe.Pointer) error {
		for {
			n, err := c_echstore_write_pem(p, C.int(index), nil, 0)
			if err != nil {
				return err
			}
			buf := make([]byte, n)
			m, err := c_echstore_write_pem(p, C.int(index), bytesPtr(buf), C.int(n))
			if err != nil {
				return err
			}
			if m == n {
				out = buf
				return nil
			}
		}
	})
	return out, err
}

// ReadECHConfigList adds the ECHConfigs of list to the store, without
// keys (OSSL_ECHSTORE_read_echconfiglist): list is an encoded
// ECHConfigList (binary, as crypto/tls's Config.EncryptedClientHelloConfigList
// and a DNS HTTPS record's ech parameter hold it, or its base64). list is
// copied.
func (e *ECHStore) ReadECHConfigList(list []byte) error {
	const op = "OSSL_ECHSTORE_read_echconfiglist"
	return e.with(op, func(p unsafe.Pointer) error {
		if len(list) == 0 {
			return errInput(op, "an empty ECHConfigList")
		}
		return c_echstore_read_echconfiglist(p, bytesPtr(list), C.int(len(list)))
	})
}

// ReadPEM adds an ECHConfig with its private key to the store
// (OSSL_ECHSTORE_read_pem): pem holds a PRIVATE KEY block (PKCS#8) and an
// ECHCONFIG block (a one-entry ECHConfigList), as WritePEM and "openssl
// ech" write them; PEM with only the ECHCONFIG block adds it without a
// key. forRetry marks it to be sent in retry_configs when a client's ECH
// is rejected (OSSL_ECH_FOR_RETRY).
func (e *ECHStore) ReadPEM(pem []byte, forRetry bool) error {
	const op = "OSSL_ECHSTORE_read_pem"
	return e.with(op, func(p unsafe.Pointer) error {
		if len(pem) == 0 {
			return errInput(op, "empty PEM")
		}
		return c_echstore_read_pem(p, bytesPtr(pem), C.int(len(pem)), echFlag(forRetry))
	})
}

// SetKeyAndReadPEM adds the ECHConfig of pem (an ECHCONFIG block) with
// the private key k (OSSL_ECHSTORE_set1_key_and_read_pem: the store takes
// its own reference on k; the caller keeps its handle). forRetry as in
// ReadPEM.
func (e *ECHStore) SetKeyAndReadPEM(k *PKey, pem []byte, forRetry bool) error {
	const op = "OSSL_ECHSTORE_set1_key_and_read_pem"
	return e.with(op, func(p unsafe.Pointer) error {
		if len(pem) == 0 {
			return errInput(op, "empty PEM")
		}
		return use(k, func(kp *C.EVP_PKEY) error {
			return c_echstore_set1_key_and_read_pem(p, kp, bytesPtr(pem), C.int(len(pem)), echFlag(forRetry))
		})
	})
}

// NumEntries returns the number of ECHConfigs in the store
// (OSSL_ECHSTORE_num_entries).
func (e *ECHStore) NumEntries() (int, error) {
	var n int
	err := e.with("OSSL_ECHSTORE_num_entries", func(p unsafe.Pointer) (err error) {
		n, err = c_echstore_count_of(p, 0)
		return err
	})
	return n, err
}

// NumKeys returns the number of entries that have a private key
// (OSSL_ECHSTORE_num_keys).
func (e *ECHStore) NumKeys() (int, error) {
	var n int
	err := e.with("OSSL_ECHSTORE_num_keys", func(p unsafe.Pointer) (err error) {
		n, err = c_echstore_count_of(p, 1)
		return err
	})
	return n, err
}

// ECHStoreEntry describes one entry of a store (OSSL_ECHSTORE_get1_info).
type ECHStoreEntry struct {
	Loaded        time.Time // when the entry was loaded or made
	PublicName    string    // the ECHConfig's public_name
	ECHConfig     string    // OpenSSL's printable form of the ECHConfig
	HasPrivateKey bool
	ForRetry      bool // sent in retry_configs (OSSL_ECH_FOR_RETRY)
}

// Info describes every entry of the store, in order
// (OSSL_ECHSTORE_get1_info for each index; the C strings it returns are
// freed). An empty store gives an empty slice.
func (e *ECHStore) Info() ([]ECHStoreEntry, error) {
	const op = "OSSL_ECHSTORE_get1_info"
	var out []ECHStoreEntry
	err := e.with(op, func(p unsafe.Pointer) error {
		n, err := c_echstore_count_of(p, 0)
		if err != nil {
			return err
		}
		out = make([]ECHStoreEntry, 0, n)
		for i := 0; i < n; i++ {
			var secs C.int64_t
			var priv, retry, publen, cfglen C.int
			var pub [256]C.char
			cfg := make([]byte, 4096)
			for {
				err := c_echstore_info(p, C.int(i), &secs, &priv, &retry, &pub[0], C.int(len(pub)), &publen,
					(*C.char)(unsafe.Pointer(&cfg[0])), C.int(len(cfg)), &cfglen)
				if err != nil {
					return err
				}
				if int(cfglen) <= len(cfg) {
					break
				}
				cfg = make([]byte, int(cfglen))
			}
			name := ""
			if int(publen) <= len(pub) {
				name = C.GoString(&pub[0])
			}
			out = append(out, ECHStoreEntry{
				Loaded:        time.Unix(int64(secs), 0),
				PublicName:    name,
				ECHConfig:     string(cfg[:max(int(cfglen)-1, 0)]),
				HasPrivateKey: priv != 0,
				ForRetry:      retry != 0,
			})
		}
		return nil
	})
	return out, err
}

// Downselect keeps only entry index of the store, dropping the others
// (OSSL_ECHSTORE_downselect); ECHStoreLast keeps the last.
func (e *ECHStore) Downselect(index int) error {
	return e.with("OSSL_ECHSTORE_downselect", func(p unsafe.Pointer) error {
		return c_echstore_downselect(p, C.int(index))
	})
}

// FlushKeys drops entries with a private key by their load time
// (OSSL_ECHSTORE_flush_keys; age in whole seconds): each entry whose key
// was loaded age or more ago goes, so FlushKeys(0) drops every key and a
// large age none (as run on OpenSSL 4.0.3). Entries without a key stay. An
// empty store is an error.
func (e *ECHStore) FlushKeys(age time.Duration) error {
	return e.with("OSSL_ECHSTORE_flush_keys", func(p unsafe.Pointer) error {
		return c_echstore_flush_keys(p, C.int64_t(age/time.Second))
	})
}

// SetECHStore gives the context a copy of store (SSL_CTX_set1_echstore:
// libssl keeps its own deep copy, made now; the caller keeps its handle,
// and later changes to it do not reach the context). A server decrypts
// ClientHellos with the keys of the copy; a client offers its
// ECHConfigs. SSL_new gives each connection the context's store. nil
// removes the context's store.
func (c *Ctx) SetECHStore(store *ECHStore) error {
	const op = "SSL_CTX_set1_echstore"
	return use(c, func(cp *C.SSL_CTX) error {
		if err := checkECH(op); err != nil {
			return err
		}
		if store == nil {
			return c_ctx_set1_echstore(cp, nil)
		}
		return store.with(op, func(p unsafe.Pointer) error { return c_ctx_set1_echstore(cp, p) })
	})
}

// SetECHStore gives the connection a copy of store (SSL_set1_echstore: a
// deep copy, as Ctx.SetECHStore), replacing the one it got from its
// context; nil removes it.
func (s *SSL) SetECHStore(store *ECHStore) error {
	const op = "SSL_set1_echstore"
	return use(s, func(sp *C.SSL) error {
		if err := checkECH(op); err != nil {
			return err
		}
		if store == nil {
			return c_ssl_set1_echstore(sp, nil)
		}
		return store.with(op, func(p unsafe.Pointer) error { return c_ssl_set1_echstore(sp, p) })
	})
}

// SetECHConfigList makes a client connection offer ECH with the
// ECHConfigs of list, an encoded ECHConfigList (SSL_set1_ech_config_list,
// which reads it into a new store of the default library context; list
// is copied). A list that does not decode is an error.
func (s *SSL) SetECHConfigList(list []byte) error {
	const op = "SSL_set1_ech_config_list"
	return use(s, func(sp *C.SSL) error {
		if err := checkECH(op); err != nil {
			return err
		}
		if len(list) == 0 {
			return errInput(op, "an empty ECHConfigList")
		}
		return c_ssl_set1_ech_config_list(sp, bytesPtr(list), C.int(len(list)))
	})
}

// ECHStatus is what SSL_ech_get1_status reports (SSL_ECH_STATUS_*).
type ECHStatus int

// The SSL_ECH_STATUS_* values.
const (
	ECHStatusBackend          ECHStatus = 4    // SSL_ECH_STATUS_BACKEND: a backend saw an inner ClientHello
	ECHStatusGreaseECH        ECHStatus = 3    // SSL_ECH_STATUS_GREASE_ECH: GREASE sent, retry configs came back
	ECHStatusGrease           ECHStatus = 2    // SSL_ECH_STATUS_GREASE: GREASE sent
	ECHStatusSuccess          ECHStatus = 1    // SSL_ECH_STATUS_SUCCESS: ECH accepted
	ECHStatusFailed           ECHStatus = 0    // SSL_ECH_STATUS_FAILED: an internal or protocol error
	ECHStatusBadCall          ECHStatus = -100 // SSL_ECH_STATUS_BAD_CALL
	ECHStatusNotTried         ECHStatus = -101 // SSL_ECH_STATUS_NOT_TRIED: configured, not attempted
	ECHStatusBadName          ECHStatus = -102 // SSL_ECH_STATUS_BAD_NAME: accepted, but the certificate did not verify
	ECHStatusNotConfigured    ECHStatus = -103 // SSL_ECH_STATUS_NOT_CONFIGURED
	ECHStatusFailedECH        ECHStatus = -105 // SSL_ECH_STATUS_FAILED_ECH: rejected, retry configs from a good name
	ECHStatusFailedECHBadName ECHStatus = -106 // SSL_ECH_STATUS_FAILED_ECH_BAD_NAME: rejected, retry configs from a bad name
)

// String names the status as ech.h does.
func (st ECHStatus) String() string {
	switch st {
	case ECHStatusBackend:
		return "SSL_ECH_STATUS_BACKEND"
	case ECHStatusGreaseECH:
		return "SSL_ECH_STATUS_GREASE_ECH"
	case ECHStatusGrease:
		return "SSL_ECH_STATUS_GREASE"
	case ECHStatusSuccess:
		return "SSL_ECH_STATUS_SUCCESS"
	case ECHStatusFailed:
		return "SSL_ECH_STATUS_FAILED"
	case ECHStatusBadCall:
		return "SSL_ECH_STATUS_BAD_CALL"
	case ECHStatusNotTried:
		return "SSL_ECH_STATUS_NOT_TRIED"
	case ECHStatusBadName:
		return "SSL_ECH_STATUS_BAD_NAME"
	case ECHStatusNotConfigured:
		return "SSL_ECH_STATUS_NOT_CONFIGURED"
	case ECHStatusFailedECH:
		return "SSL_ECH_STATUS_FAILED_ECH"
	case ECHStatusFailedECHBadName:
		return "SSL_ECH_STATUS_FAILED_ECH_BAD_NAME"
	}
	return fmt.Sprintf("ECHStatus(%d)", int(st))
}

// ECHStatus returns the connection's ECH status with the inner and outer
// SNI libssl reports beside it (SSL_ech_get1_status; the C strings are
// copied and freed). The names are "" when libssl gives none.
func (s *SSL) ECHStatus() (status ECHStatus, innerSNI, outerSNI string, err error) {
	const op = "SSL_ech_get1_status"
	err = use(s, func(sp *C.SSL) error {
		if err := checkECH(op); err != nil {
			return err
		}
		var st, ilen, olen C.int
		var inner, outer [256]C.char
		if err := c_ssl_ech_status(sp, &st, &inner[0], C.int(len(inner)), &ilen, &outer[0], C.int(len(outer)), &olen); err != nil {
			return err
		}
		status = ECHStatus(st)
		if ilen > 0 && int(ilen) <= len(inner) {
			innerSNI = C.GoString(&inner[0])
		}
		if olen > 0 && int(olen) <= len(outer) {
			outerSNI = C.GoString(&outer[0])
		}
		return nil
	})
	return status, innerSNI, outerSNI, err
}

// ECHRetryConfig returns a copy of the retry configs the server sent when
// it rejected this client's ECH, an encoded ECHConfigList
// (SSL_ech_get1_retry_config; libssl's copy is freed). nil when none came.
func (s *SSL) ECHRetryConfig() ([]byte, error) {
	const op = "SSL_ech_get1_retry_config"
	var out []byte
	err := use(s, func(sp *C.SSL) error {
		if err := checkECH(op); err != nil {
			return err
		}
		for {
			n, err := c_ssl_ech_retry_config(sp, nil, 0)
			if err != nil || n == 0 {
				return err
			}
			buf := make([]byte, n)
			m, err := c_ssl_ech_retry_config(sp, bytesPtr(buf), C.int(n))
			if err != nil {
				return err
			}
			if m == n {
				out = buf
				return nil
			}
		}
	})
	return out, err
}

// SetECHGrease turns GREASE ECH on or off for a client connection that
// has no ECHConfig: it sends a random encrypted_client_hello extension, so
// that connections with and without ECH look alike (SSL_OP_ECH_GREASE
// through SSL_set_options / SSL_clear_options).
func (s *SSL) SetECHGrease(on bool) error {
	const op = "SSL_set_options"
	return use(s, func(sp *C.SSL) error {
		if err := checkECH(op); err != nil {
			return err
		}
		return c_ssl_set_ech_grease(sp, echFlag(on))
	})
}

// SetECHGrease turns GREASE ECH on or off for the context's client
// connections that have no ECHConfig (SSL_OP_ECH_GREASE through
// SSL_CTX_set_options / SSL_CTX_clear_options; SSL_new copies it).
func (c *Ctx) SetECHGrease(on bool) error {
	const op = "SSL_CTX_set_options"
	return use(c, func(cp *C.SSL_CTX) error {
		if err := checkECH(op); err != nil {
			return err
		}
		return c_ctx_set_ech_grease(cp, echFlag(on))
	})
}

// SetECHGreaseSuite sets the HPKE suite of the GREASE extension, in
// OpenSSL's syntax ("x25519,hkdf-sha256,aes-128-gcm" or "0x20,1,1")
// (SSL_ech_set1_grease_suite; copied).
func (s *SSL) SetECHGreaseSuite(suite string) error {
	const op = "SSL_ech_set1_grease_suite"
	return use(s, func(sp *C.SSL) error {
		if err := checkECH(op); err != nil {
			return err
		}
		cs := C.CString(suite)
		defer C.free(unsafe.Pointer(cs))
		return c_ssl_ech_set1_grease_suite(sp, cs)
	})
}

// SetECHGreaseType sets the extension type the GREASE extension is sent
// as (SSL_ech_set_grease_type).
func (s *SSL) SetECHGreaseType(extType uint16) error {
	const op = "SSL_ech_set_grease_type"
	return use(s, func(sp *C.SSL) error {
		if err := checkECH(op); err != nil {
			return err
		}
		return c_ssl_ech_set_grease_type(sp, C.int(extType))
	})
}

// SetECHOuterServerName sets the SNI of the outer ClientHello, in place of
// the ECHConfig's public_name (SSL_ech_set1_outer_server_name; copied);
// noOuter sends no SNI in the outer ClientHello at all.
func (s *SSL) SetECHOuterServerName(name string, noOuter bool) error {
	const op = "SSL_ech_set1_outer_server_name"
	return use(s, func(sp *C.SSL) error {
		if err := checkECH(op); err != nil {
			return err
		}
		var cs *C.char
		if name != "" {
			cs = C.CString(name)
			defer C.free(unsafe.Pointer(cs))
		}
		return c_ssl_ech_set1_outer_server_name(sp, cs, echFlag(noOuter))
	})
}

// echStoreCounts returns the number of ECH stores made and freed in C,
// for the leak tests.
func echStoreCounts() (made, freed int64) {
	return int64(c_echstore_count(0)), int64(c_echstore_count(1))
}

// echFlag is a C int flag.
func echFlag(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
