package sslapitest

import (
	"slices"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// TestClientHelloCB is test_client_hello_cb: the server's ClientHello
// callback first asks to be called back (SSL_CLIENT_HELLO_RETRY), so the
// connection stops with SSL_ERROR_WANT_CLIENT_HELLO_CB; called again, it
// checks the client's offer: exactly the two configured ciphers and the
// renegotiation SCSV (from 3.5 on, the renegotiation_info extension instead:
// see below), one compression method (null), and the extensions
// ec_point_formats, supported_groups, session_ticket, encrypt_then_mac,
// extended_master_secret, signature_algorithms in that order. Then the
// connection completes.
func TestClientHelloCB(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1, 0)
	calls := 0
	var failed string
	must(t, sctx.SetClientHelloCallback(func(s *libssl.SSL, al *int) libssl.ClientHelloResult {
		calls++
		if calls == 1 {
			return libssl.ClientHelloRetry
		}
		// Secure renegotiation is signalled by the SCSV (0x00ff) up to 3.0,
		// as C's test expects. 3.5.9 and 4.0.3 send the two ciphers alone;
		// RFC 5746 then requires the renegotiation_info extension (65281)
		// instead, and exactly one of the two: checked here by version.
		ciphers, exts := s.ClientHelloCiphers(), s.ClientHelloExtensionTypes()
		scsv, reneg := slices.Contains(ciphers, 0x00ff), slices.Contains(exts, 65281)
		wantCiphers := []uint16{0x009d, 0xc02c, 0x00ff}
		if libssl.RuntimeVersion() >= 0x30500000 {
			wantCiphers = []uint16{0x009d, 0xc02c}
			if reneg == scsv {
				failed = "renegotiation signal"
				t.Errorf("SCSV %v, renegotiation_info %v: want exactly one (RFC 5746)", scsv, reneg)
				return libssl.ClientHelloError
			}
			t.Logf("%s signals secure renegotiation with: SCSV %v, renegotiation_info %v", libssl.RuntimeVersionText(), scsv, reneg)
			exts = slices.DeleteFunc(slices.Clone(exts), func(e int) bool { return e == 65281 })
		}
		if !slices.Equal(ciphers, wantCiphers) {
			failed = "ciphers"
			t.Errorf("ciphers %04x, want %04x", ciphers, wantCiphers)
			return libssl.ClientHelloError
		}
		if got := s.ClientHelloCompressionMethods(); len(got) != 1 || got[0] != 0 {
			failed = "compression"
			t.Errorf("compression methods %v, want [0]", got)
			return libssl.ClientHelloError
		}
		wantExts := []int{11, 10, 35, 22, 23, 13}
		if !slices.Equal(exts, wantExts) {
			failed = "extensions"
			t.Errorf("extensions %v, want %v", exts, wantExts)
			return libssl.ClientHelloError
		}
		return libssl.ClientHelloSuccess
	}))
	// The cipher list below cannot do TLS 1.3.
	must(t, cctx.SetMaxProtoVersion(libssl.TLS1_2))
	must(t, cctx.SetCipherList("AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384"))
	p := objects(t, sctx, cctx)
	err := connect(p)
	if err == nil {
		t.Fatal("the connection completed although the callback asked to be called back")
	}
	if c := code(err); c != libssl.SSLErrorWantClientHelloCB {
		t.Fatalf("connection stopped with %v (%v), want SSL_ERROR_WANT_CLIENT_HELLO_CB", c, err)
	}
	if err := connect(p); err != nil {
		t.Fatalf("second attempt (%s): %v", failed, err)
	}
	if calls != 2 {
		t.Fatalf("the callback ran %d times, want 2", calls)
	}
}

// TestPHAKeyUpdate is test_pha_key_update: over TLS 1.3, the server asks for
// post-handshake authentication while the client starts a key update
// (SSL_KEY_UPDATE_NOT_REQUESTED); the server's SSL_do_handshake succeeds at
// once (it only sends), and a create_ssl_connection afterwards completes
// both the authentication and the key update.
func TestPHAKeyUpdate(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1, 0)
	for _, c := range []*libssl.Ctx{sctx, cctx} {
		must(t, c.SetMinProtoVersion(libssl.TLS1_3))
		must(t, c.SetMaxProtoVersion(libssl.TLS1_3))
	}
	must(t, cctx.SetPostHandshakeAuth(true))
	p := objects(t, sctx, cctx)
	must(t, connect(p))
	must(t, p.Server.SetVerify(libssl.VerifyPeer, nil))
	must(t, p.Server.VerifyClientPostHandshake())
	must(t, p.Client.KeyUpdate(false))
	if err := p.Server.Handshake(); err != nil {
		t.Fatalf("SSL_do_handshake(serverssl) after SSL_verify_client_post_handshake: %v, want 1", err)
	}
	if _, err := p.Pump(); err != nil {
		t.Fatal(err)
	}
	must(t, connect(p))
	_, _ = p.Client.Shutdown()
	_, _ = p.Server.Shutdown()
}
