package sslapitest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/libssl-go/libssl"
)

// The ECH tests of OpenSSL 4.0 are in test/ech_test.c, not sslapitest.c;
// they run here on a libssl with ECH. Below 4.0 each asserts instead that
// the first ECH call fails with ErrUnsupported naming 4.0.
func echOrUnsupported(t *testing.T) bool {
	t.Helper()
	if libssl.ECHBuilt() {
		return true
	}
	_, err := libssl.NewECHStore(nil)
	if !errors.Is(err, libssl.ErrUnsupported) || !strings.Contains(err.Error(), "needs OpenSSL 4.0") {
		t.Fatalf("NewECHStore on %s: %v, want ErrUnsupported naming OpenSSL 4.0", libssl.RuntimeVersionText(), err)
	}
	return false
}

// An X25519 ECH key pair for public name example.com, and its
// ECHConfigList alone (test vectors of ech_test.c).
const (
	echPEMKeyPair = "-----BEGIN PRIVATE KEY-----\n" +
		"MC4CAQAwBQYDK2VuBCIEILDIeo9Eqc4K9/uQ0PNAyMaP60qrxiSHT2tNZL3ksIZS\n" +
		"-----END PRIVATE KEY-----\n" + echPEMConfig
	echPEMConfig = "-----BEGIN ECHCONFIG-----\n" +
		"AD7+DQA6bAAgACCY7B0f/3KvHIFdoqFaObdU8YYU+MdBf4vzbLhAAL2QCwAEAAEA\n" +
		"AQALZXhhbXBsZS5jb20AAA==\n" +
		"-----END ECHCONFIG-----\n"
	// Four ECHConfigs of drafts 13, 10, 13 and 9: the two of version
	// 0xfe0d load.
	echPEM4to2 = "-----BEGIN ECHCONFIG-----\n" +
		"APv+DQA6xQAgACBm54KSIPXu+pQq2oY183wt3ybx7CKbBYX0ogPq5u6FegAEAAEA\n" +
		"AQALZXhhbXBsZS5jb20AAP4KADzSACAAIIP+0Qt0WGBF3H5fz8HuhVRTCEMuHS4K\n" +
		"hu6ibR/6qER4AAQAAQABAAAAC2V4YW1wbGUuY29tAAD+DQA6QwAgACB3xsNUtSgi\n" +
		"piYpUkW6OSrrg03I4zIENMFa0JR2+Mm1WwAEAAEAAQALZXhhbXBsZS5jb20AAP4J\n" +
		"ADsAC2V4YW1wbGUuY29tACCjJCv5w/yaHjbOc6nVuM/GksIGLgDR+222vww9dEk8\n" +
		"FwAgAAQAAQABAAAAAA==\n" +
		"-----END ECHCONFIG-----\n"
	// The ECHConfigList of echPEMConfig in one line of base64.
	echB64Config = "AD7+DQA6bAAgACCY7B0f/3KvHIFdoqFaObdU8YYU+MdBf4vzbLhAAL2QCwAEAAEAAQALZXhhbXBsZS5jb20AAA=="
)

// echBinConfig is the binary ECHConfigList of echB64Config, with edit
// applied to a copy (for the malformed vectors of ech_test.c: one field
// replaced by 0xff or 0xaa).
func echBinConfig(edit func(b []byte)) []byte {
	b, err := base64.StdEncoding.DecodeString(echB64Config)
	if err != nil {
		panic(err)
	}
	if edit != nil {
		edit(b)
	}
	return b
}

// TestECHIngest mirrors ech_ingest_test: each vector is read (PEM with
// OSSL_ECHSTORE_read_pem, else OSSL_ECHSTORE_read_echconfiglist); a good
// one then has the expected keys and entries, get1_info fails for index
// -1 and works for each entry, downselect of -20 fails and of the vector's
// index gives the expected result and counts, write_pem works for LAST and
// ALL and fails for 100, and flush_keys(0) leaves no key.
func TestECHIngest(t *testing.T) {
	if !echOrUnsupported(t) {
		return
	}
	// Offsets in the binary ECHConfigList: 0 list length, 2 version,
	// 4 config length, 6 config_id, 7 kem_id, 9 public key length,
	// 11 public key (32), 43 cipher suites length, 45 suites (4),
	// 49 maximum name length, 50 public name length, 51 "example.com",
	// 62 extensions length.
	type vector struct {
		name             string
		in               []byte
		pem              bool
		read             bool
		keys, ents       int
		index            int
		downselect       bool
		keysAft, entsAft int
	}
	vectors := []vector{
		{"PEM basic/last", []byte(echPEMKeyPair), true, true, 1, 1, libssl.ECHStoreLast, true, 1, 1},
		{"PEM basic/0", []byte(echPEMConfig), true, true, 0, 1, 0, true, 0, 1},
		{"PEM basic/2nd", []byte(echPEMConfig), true, true, 0, 1, 2, false, 0, 1},
		{"PEM string typo", []byte(strings.ReplaceAll(echPEMKeyPair, "ECHCONFIG", "ExHCOxFIG")), true, false, 0, 0, 0, false, 0, 0},
		{"PEM 4->2/0", []byte(echPEM4to2), true, true, 0, 2, 0, true, 0, 1},
		{"PEM 4->2/1", []byte(echPEM4to2), true, true, 0, 2, 1, true, 0, 1},
		{"PEM 4->2/2", []byte(echPEM4to2), true, true, 0, 2, 3, false, 0, 2},
		{"B64 basic/last", []byte(echB64Config), false, true, 0, 1, libssl.ECHStoreLast, true, 0, 1},
		{"bin basic/last", echBinConfig(nil), false, true, 0, 1, libssl.ECHStoreLast, true, 0, 1},
		{"bin bad ver", echBinConfig(func(b []byte) { b[3] = 0xff }), false, false, 0, 0, 0, false, 0, 0},
		{"bin bad len", echBinConfig(func(b []byte) { b[1] = 0xff }), false, false, 0, 0, 0, false, 0, 0},
		{"bin bad inner len", echBinConfig(func(b []byte) { b[5] = 0xff }), false, false, 0, 0, 0, false, 0, 0},
		{"bin bad pk len", echBinConfig(func(b []byte) { b[10] = 0xff }), false, false, 0, 0, 0, false, 0, 0},
		{"bin bad suitelen", echBinConfig(func(b []byte) { b[44] = 0xff }), false, false, 0, 0, 0, false, 0, 0},
		{"bin bad pn len", echBinConfig(func(b []byte) { b[50] = 0xff }), false, false, 0, 0, 0, false, 0, 0},
		{"bin bad extlen", echBinConfig(func(b []byte) { b[63] = 0xff }), false, false, 0, 0, 0, false, 0, 0},
		{"bin bad kemid", echBinConfig(func(b []byte) { b[7] = 0xaa }), false, false, 0, 0, 0, false, 0, 0},
		{"bin bad kdfid", echBinConfig(func(b []byte) { b[45] = 0xaa }), false, false, 0, 0, 0, false, 0, 0},
		{"bin bad aeadid", echBinConfig(func(b []byte) { b[47] = 0xaa }), false, false, 0, 0, 0, false, 0, 0},
		{"bin short", echBinConfig(nil)[:20], false, false, 0, 0, 0, false, 0, 0},
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			es, err := libssl.NewECHStore(nil)
			must(t, err)
			defer es.Free()
			if v.pem {
				err = es.ReadPEM(v.in, false)
			} else {
				err = es.ReadECHConfigList(v.in)
			}
			if (err == nil) != v.read {
				t.Fatalf("read: %v, want success %v", err, v.read)
			}
			if !v.read {
				return
			}
			keys, err := es.NumKeys()
			must(t, err)
			ents, err := es.NumEntries()
			must(t, err)
			if keys != v.keys || ents != v.ents {
				t.Fatalf("%d keys and %d entries, want %d and %d", keys, ents, v.keys, v.ents)
			}
			info, err := es.Info() // get1_info of each index
			if err != nil || len(info) != ents {
				t.Fatalf("Info: %d entries, %v", len(info), err)
			}
			if err := es.Downselect(-20); err == nil {
				t.Error("Downselect(-20) succeeded")
			}
			if err := es.Downselect(v.index); (err == nil) != v.downselect {
				t.Errorf("Downselect(%d): %v, want success %v", v.index, err, v.downselect)
			}
			keys, _ = es.NumKeys()
			ents, _ = es.NumEntries()
			if keys != v.keysAft || ents != v.entsAft {
				t.Errorf("after Downselect: %d keys and %d entries, want %d and %d", keys, ents, v.keysAft, v.entsAft)
			}
			if _, err := es.WritePEM(libssl.ECHStoreLast); err != nil {
				t.Errorf("WritePEM(LAST): %v", err)
			}
			if _, err := es.WritePEM(libssl.ECHStoreAll); err != nil {
				t.Errorf("WritePEM(ALL): %v", err)
			}
			if _, err := es.WritePEM(100); err == nil {
				t.Error("WritePEM(100) succeeded")
			}
			must(t, es.FlushKeys(0))
			if keys, _ := es.NumKeys(); keys != 0 {
				t.Errorf("%d keys after FlushKeys(0), want 0", keys)
			}
		})
	}
}

// TestECHStoreBadCalls mirrors the calls of ech_store_null_calls that
// the Go API can make (it has no NULL store, BIO or out-parameter): a
// config of an unknown version or KDF, write_pem and downselect of index
// 100, and flush_keys of an empty store all fail.
func TestECHStoreBadCalls(t *testing.T) {
	if !echOrUnsupported(t) {
		return
	}
	es, err := libssl.NewECHStore(nil)
	must(t, err)
	defer es.Free()
	if err := es.NewConfig(0xffff, 0, "example.com", libssl.DefaultHPKESuite); err == nil {
		t.Error("NewConfig of version 0xffff succeeded")
	}
	bad := libssl.DefaultHPKESuite
	bad.KDF = 0xaaaa
	if err := es.NewConfig(libssl.ECHConfigVersion, 0, "example.com", bad); err == nil {
		t.Error("NewConfig with KDF 0xaaaa succeeded")
	}
	if _, err := es.WritePEM(100); err == nil {
		t.Error("WritePEM(100) succeeded")
	}
	if err := es.Downselect(100); err == nil {
		t.Error("Downselect(100) succeeded")
	}
	if err := es.FlushKeys(0); err == nil {
		t.Error("FlushKeys on an empty store succeeded")
	}
	if err := es.ReadPEM([]byte("-----BEGIN ECHCONFIG-----\n-----END ECHCONFIG-----\n"), false); err == nil {
		t.Error("ReadPEM of an empty ECHCONFIG block succeeded")
	}
}

// The HPKE suites of test_ech_suites: every KEM, KDF and AEAD of
// ech_test.c's lists (RFC 9180 ids).
var (
	echKEMs = []struct {
		name string
		id   uint16
	}{{"P-256", 0x10}, {"P-384", 0x11}, {"P-521", 0x12}, {"x25519", 0x20}, {"x448", 0x21}}
	echKDFs = []struct {
		name string
		id   uint16
	}{{"hkdf-sha256", 1}, {"hkdf-sha384", 2}, {"hkdf-sha512", 3}}
	echAEADs = []struct {
		name string
		id   uint16
	}{{"aes-128-gcm", 1}, {"aes-256-gcm", 2}, {"chacha20-poly1305", 3}}
)

// TestECHSuites mirrors test_ech_suites and test_ech_hrr: for each of the
// 45 HPKE suites, a store with a new config for public name example.com is
// given to both contexts (TLS 1.3 only), the client asks for
// server.example, and the handshake completes; with hrr the server's
// groups are P-384 alone, so that it sends a HelloRetryRequest. C reads
// the status without asserting it; here the server must also report
// SSL_ECH_STATUS_SUCCESS with the inner name server.example.
func TestECHSuites(t *testing.T) {
	if !echOrUnsupported(t) {
		return
	}
	for _, hrr := range []bool{false, true} {
		for _, kem := range echKEMs {
			for _, kdf := range echKDFs {
				for _, aead := range echAEADs {
					name := fmt.Sprintf("hrr=%v/%s,%s,%s", hrr, kem.name, kdf.name, aead.name)
					t.Run(name, func(t *testing.T) {
						noLeaks(t)
						es, err := libssl.NewECHStore(nil)
						must(t, err)
						defer es.Free()
						must(t, es.NewConfig(libssl.ECHConfigVersion, 0, "example.com", libssl.HPKESuite{KEM: kem.id, KDF: kdf.id, AEAD: aead.id}))
						sctx, cctx := ctxPair(t, libssl.TLS1_3, libssl.TLS1_3)
						must(t, cctx.SetECHStore(es))
						must(t, sctx.SetECHStore(es))
						if hrr {
							must(t, sctx.SetGroupsList("P-384"))
						}
						p := objects(t, sctx, cctx)
						must(t, p.Client.SetHostName("server.example"))
						if err := connect(p); err != nil {
							t.Fatal(err)
						}
						st, inner, _, err := p.Server.ECHStatus()
						if err != nil || st != libssl.ECHStatusSuccess || inner != "server.example" {
							t.Errorf("server ECHStatus = %v %q, %v; want SSL_ECH_STATUS_SUCCESS server.example", st, inner, err)
						}
						shutdownConn(p)
					})
				}
			}
		}
	}
}
