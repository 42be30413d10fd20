package sslapitest

import (
	"fmt"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// The C tests use an RSA certificate and name RSA cipher suites for TLS 1.2;
// the test certificates here are ECDSA, so the TLS 1.2 suites are their
// ECDSA counterparts (same cipher and digest, ECDSA authentication).
const (
	ecdsaAES128GCM    = "ECDHE-ECDSA-AES128-GCM-SHA256" // for AES128-GCM-SHA256
	ecdsaAES256GCM    = "ECDHE-ECDSA-AES256-GCM-SHA384" // for AES256-GCM-SHA384
	ecdsaAES128SHA256 = "ECDHE-ECDSA-AES128-SHA256"     // for AES128-SHA256
	idECDSAAES128GCM  = 0xC02B
	idECDSAAES256GCM  = 0xC02C
)

// test_set_ciphersuite: TLS 1.3 ciphersuites set on the client context or
// SSL, default or not, with or without a TLS 1.2 cipher list on the context
// or SSL, always connect to a server offering AES-128-GCM and AES-128-CCM.
func TestSetCiphersuite(t *testing.T) {
	for idx := 0; idx < 10; idx++ {
		t.Run(fmt.Sprint(idx), func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := ctxPair(t, libssl.TLS1, 0)
			must(t, sctx.SetCiphersuites("TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256"))
			if idx >= 4 && idx <= 7 {
				must(t, cctx.SetCipherList(ecdsaAES256GCM))
			}
			switch idx {
			case 0, 4:
				must(t, cctx.SetCiphersuites("TLS_AES_128_GCM_SHA256"))
			case 1, 5:
				must(t, cctx.SetCiphersuites("TLS_AES_128_CCM_SHA256"))
			}
			p := objects(t, sctx, cctx)
			if idx == 8 || idx == 9 {
				must(t, p.Client.SetCipherList(ecdsaAES256GCM))
			}
			switch idx {
			case 2, 6, 8:
				must(t, p.Client.SetCiphersuites("TLS_AES_128_GCM_SHA256"))
			case 3, 7, 9:
				must(t, p.Client.SetCiphersuites("TLS_AES_128_CCM_SHA256"))
			}
			must(t, connect(p))
		})
	}
}

// test_ciphersuite_change: a TLS 1.3 session resumes with another
// ciphersuite of the same digest, and a resumption offered with no suite of
// the session's digest connects without resuming. The C test's last step
// rewrites the session's cipher through libssl's internal structure to
// provoke SSL_R_CIPHERSUITE_DIGEST_HAS_CHANGED; no public function can.
func TestCiphersuiteChange(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1, 0)
	must(t, sctx.SetCiphersuites("TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_SHA256"))
	must(t, cctx.SetCiphersuites("TLS_AES_128_GCM_SHA256"))
	p := objects(t, sctx, cctx)
	must(t, connect(p))
	sess := p.Client.Session()
	defer func() { sess.Free() }()
	_, _ = shutdown(p, p.Client)
	_, _ = shutdown(p, p.Server)
	p.Free()

	// Resume with another SHA-256 ciphersuite.
	must(t, cctx.SetCiphersuites("TLS_AES_128_CCM_SHA256"))
	p = objects(t, sctx, cctx)
	must(t, p.Client.SetSession(sess))
	must(t, connect(p))
	if !p.Client.SessionReused() {
		t.Error("resumption with TLS_AES_128_CCM_SHA256 of a TLS_AES_128_GCM_SHA256 session did not resume")
	}
	sess.Free()
	sess = p.Client.Session()
	_, _ = shutdown(p, p.Client)
	_, _ = shutdown(p, p.Server)
	p.Free()

	// No SHA-256 ciphersuite left: the connection succeeds, not resumed.
	must(t, cctx.SetCiphersuites("TLS_AES_256_GCM_SHA384"))
	p = objects(t, sctx, cctx)
	must(t, p.Client.SetSession(sess))
	must(t, connect(p))
	if p.Client.SessionReused() {
		t.Error("a SHA-256 session resumed with only TLS_AES_256_GCM_SHA384 offered")
	}
	sess.Free()
	sess = nil
	_, _ = shutdown(p, p.Client)
	_, _ = shutdown(p, p.Server)
	p.Free()

	// A SHA-384 session: what C then rewrites internally.
	p = objects(t, sctx, cctx)
	must(t, connect(p))
}

// test_ccs_change_cipher: a TLS 1.2 resumption keeps the first handshake's
// cipher (and server session) even when the client prefers another; a
// renegotiation to another cipher makes a new server session.
func TestCCSChangeCipher(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1, libssl.TLS1_2)
	must(t, sctx.SetOptions(libssl.OpNoTicket))
	p := objects(t, sctx, cctx)
	must(t, p.Client.SetCipherList(ecdsaAES128GCM))
	must(t, connect(p))
	sesspre := p.Server.Session()
	sess := p.Client.Session()
	if sesspre == nil || sess == nil {
		t.Fatal("no session after the handshake")
	}
	defer func() { sesspre.Free() }()
	defer sess.Free()
	shutdownConn(p)

	// Resume, preferring another cipher: the server keeps the session's.
	p = objects(t, sctx, cctx)
	must(t, p.Client.SetSession(sess))
	must(t, p.Client.SetCipherList(ecdsaAES256GCM+":"+ecdsaAES128GCM))
	must(t, connect(p))
	if !p.Client.SessionReused() || !p.Server.SessionReused() {
		t.Fatalf("SSL_session_reused: client %v, server %v; want both", p.Client.SessionReused(), p.Server.SessionReused())
	}
	if !p.Server.SessionIs(sesspre) {
		t.Error("the resumed server session is not the first one")
	}
	if got := p.Client.CurrentCipherID(); got != idECDSAAES128GCM {
		t.Errorf("resumed with cipher %#04x, want %#04x", got, idECDSAAES128GCM)
	}
	shutdownConn(p)

	// A fresh connection renegotiates to another cipher.
	p = objects(t, sctx, cctx)
	must(t, p.Client.SetCipherList(ecdsaAES128GCM))
	must(t, connect(p))
	sesspre.Free()
	sesspre = p.Server.Session()
	must(t, p.Client.SetCipherList(ecdsaAES256GCM))
	must(t, p.Client.Renegotiate())
	if !p.Client.RenegotiatePending() {
		t.Fatal("SSL_renegotiate_pending = 0 after SSL_renegotiate")
	}
	// Drive the renegotiation with reads, as C does.
	for i := 0; i < 3; i++ {
		for _, s := range []*libssl.SSL{p.Client, p.Server} {
			var b [1]byte
			n, err := read(p, s, b[:])
			if err == nil && n != 0 {
				t.Fatalf("read %d bytes during the renegotiation", n)
			}
			if err != nil && code(err) != libssl.SSLErrorWantRead {
				t.Fatalf("SSL_read during the renegotiation: %v", err)
			}
			_, _ = p.Pump()
		}
	}
	if p.Client.RenegotiatePending() {
		t.Error("SSL_renegotiate_pending = 1 after the renegotiation")
	}
	if p.Client.SessionReused() || p.Server.SessionReused() {
		t.Error("SSL_session_reused after a full renegotiation")
	}
	if p.Server.SessionIs(sesspre) {
		t.Error("the server session did not change with the cipher")
	}
	if got := p.Client.CurrentCipherID(); got != idECDSAAES256GCM {
		t.Errorf("renegotiated cipher %#04x, want %#04x", got, idECDSAAES256GCM)
	}
	shutdownConn(p)
}

// test_tls13_ciphersuite: each TLS 1.3 ciphersuite list, set on the contexts
// (idx 0, 2) or the SSLs (1, 3), with a TLS 1.2 cipher list too (2, 3),
// negotiates the same suite on both sides: the list's first under TLS 1.3,
// the TLS 1.2 cipher under TLS 1.2.
func TestTLS13Ciphersuite(t *testing.T) {
	t13 := []string{
		"TLS_AES_128_GCM_SHA256",
		"TLS_AES_256_GCM_SHA384",
		"TLS_AES_128_CCM_SHA256",
		"TLS_CHACHA20_POLY1305_SHA256",
		"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
		"TLS_AES_128_CCM_8_SHA256:TLS_AES_128_CCM_SHA256",
	}
	for idx := 0; idx < 4; idx++ {
		atCtx, atSSL := idx == 0 || idx == 2, idx == 1 || idx == 3
		t12 := ""
		if idx >= 2 {
			t12 = ecdsaAES128SHA256
		}
		for _, maxVer := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
			for _, suite := range t13 {
				t.Run(fmt.Sprintf("%d/%v/%s", idx, maxVer, suite), func(t *testing.T) {
					noLeaks(t)
					sctx, cctx := ctxPair(t, libssl.TLS1, maxVer)
					if strings.Contains(suite, "CCM_8") {
						// CCM_8's short tag counts as below security level
						// 2 since OpenSSL 3.2 (Debian's default level); the
						// C test of 3.2 and later lowers the level to 0 for
						// it, which changes nothing on 3.0.
						must(t, sctx.SetSecurityLevel(0))
						must(t, cctx.SetSecurityLevel(0))
					}
					if atCtx {
						must(t, sctx.SetCiphersuites(suite))
						must(t, cctx.SetCiphersuites(suite))
						if t12 != "" {
							must(t, sctx.SetCipherList(t12))
							must(t, cctx.SetCipherList(t12))
						}
					}
					p := objects(t, sctx, cctx)
					if atSSL {
						must(t, p.Server.SetCiphersuites(suite))
						must(t, p.Client.SetCiphersuites(suite))
						if t12 != "" {
							must(t, p.Server.SetCipherList(t12))
							must(t, p.Client.SetCipherList(t12))
						}
					}
					must(t, connect(p))
					sc, cc := p.Server.CurrentCipher(), p.Client.CurrentCipher()
					if sc != cc {
						t.Fatalf("server negotiated %s, client %s", sc, cc)
					}
					if maxVer == libssl.TLS1_3 && !strings.HasPrefix(suite, sc) {
						t.Errorf("negotiated %s, want the first of %s", sc, suite)
					}
					if maxVer == libssl.TLS1_2 && t12 != "" && sc != t12 {
						t.Errorf("negotiated %s, want %s", sc, t12)
					}
				})
			}
		}
	}
}
