package libssl_test

import (
	"bytes"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// pskCtxs makes a TLS 1.2 pair of contexts that offer only a PSK cipher
// suite.
func pskCtxs(t *testing.T) (cctx, sctx *libssl.Ctx) {
	t.Helper()
	sctx = serverCtx(t, ctxOpts{version: libssl.TLS1_2})
	cctx = clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	check(t, sctx.SetCipherList("PSK-AES128-GCM-SHA256"))
	check(t, cctx.SetCipherList("PSK-AES128-GCM-SHA256"))
	return cctx, sctx
}

// A PSK handshake runs both callbacks: the client gets the server's hint
// and sends its identity, the server finds the key by that identity and
// reports the identity; a key that differs, or an identity the server does
// not know, fails the handshake.
func TestPSKCallbacks(t *testing.T) {
	key := []byte("0123456789abcdef")
	for _, tc := range []struct {
		name      string
		clientKey []byte
		identity  string
		ok        bool
	}{
		{"match", key, "alice", true},
		{"wrong key", []byte("fedcba9876543210"), "alice", false},
		{"unknown identity", key, "bob", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cctx, sctx := pskCtxs(t)
			defer cctx.Free()
			defer sctx.Free()
			check(t, sctx.SetPSKIdentityHint("the-hint"))
			var gotHint, gotIdentity string
			check(t, cctx.SetPSKClientCallback(func(_ *libssl.SSL, hint string) (string, []byte, bool) {
				gotHint = hint
				return tc.identity, tc.clientKey, true
			}))
			check(t, sctx.SetPSKServerCallback(func(_ *libssl.SSL, identity string) ([]byte, bool) {
				gotIdentity = identity
				return key, identity == "alice"
			}))
			p := newPair(t, cctx, sctx)
			defer p.Free()
			err := p.Handshake()
			if gotHint != "the-hint" || gotIdentity != tc.identity {
				t.Errorf("the client saw hint %q, the server identity %q; want %q, %q", gotHint, gotIdentity, "the-hint", tc.identity)
			}
			if (err == nil) != tc.ok {
				t.Fatalf("handshake: %v, want success %v", err, tc.ok)
			}
			if !tc.ok {
				return
			}
			if got := p.Server.PSKIdentity(); got != tc.identity {
				t.Errorf("server PSKIdentity = %q, want %q", got, tc.identity)
			}
			if got := p.Server.CurrentCipher(); got != "PSK-AES128-GCM-SHA256" {
				t.Errorf("cipher %q", got)
			}
			msg, err := p.Send(p.Client, p.Server, []byte("over psk"))
			check(t, err)
			if !bytes.Equal(msg, []byte("over psk")) {
				t.Errorf("received %q", msg)
			}
		})
	}
}

// Without a client callback no PSK suite is offered; a callback that
// declines, or returns what does not fit libssl's buffers, fails the
// handshake; a panic in a callback fails it and is raised again by the
// handshake's caller.
func TestPSKCallbackRefusalsAndPanic(t *testing.T) {
	key := []byte("0123456789abcdef")
	for _, tc := range []struct {
		name string
		cb   libssl.PSKClientCallback
	}{
		{"none", nil},
		{"declines", func(*libssl.SSL, string) (string, []byte, bool) { return "alice", key, false }},
		{"empty key", func(*libssl.SSL, string) (string, []byte, bool) { return "alice", nil, true }},
		{"key too long", func(*libssl.SSL, string) (string, []byte, bool) { return "alice", make([]byte, 1<<12), true }},
		{"identity too long", func(*libssl.SSL, string) (string, []byte, bool) { return string(make([]byte, 1<<12)), key, true }},
		{"NUL in identity", func(*libssl.SSL, string) (string, []byte, bool) { return "al\x00ice", key, true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cctx, sctx := pskCtxs(t)
			defer cctx.Free()
			defer sctx.Free()
			check(t, cctx.SetPSKClientCallback(tc.cb))
			check(t, sctx.SetPSKServerCallback(func(*libssl.SSL, string) ([]byte, bool) { return key, true }))
			p := newPair(t, cctx, sctx)
			defer p.Free()
			if err := p.Handshake(); err == nil {
				t.Fatal("the handshake succeeded")
			}
		})
	}
	cctx, sctx := pskCtxs(t)
	defer cctx.Free()
	defer sctx.Free()
	check(t, cctx.SetPSKClientCallback(func(*libssl.SSL, string) (string, []byte, bool) { return "alice", key, true }))
	check(t, sctx.SetPSKServerCallback(func(*libssl.SSL, string) ([]byte, bool) { panic("boom in psk") }))
	p := newPair(t, cctx, sctx)
	defer p.Free()
	defer func() {
		if r := recover(); r != "boom in psk" {
			t.Fatalf("recovered %v, want the callback's panic", r)
		}
	}()
	_ = p.Handshake()
	t.Fatal("the callback's panic was not raised")
}

// SetPSKIdentityHint refuses a NUL byte; a freed handle reports no
// identity.
func TestPSKMisuse(t *testing.T) {
	cctx, sctx := pskCtxs(t)
	defer cctx.Free()
	if err := sctx.SetPSKIdentityHint("a\x00b"); err == nil {
		t.Error("SetPSKIdentityHint took a NUL byte")
	}
	check(t, sctx.SetPSKIdentityHint(""))
	sctx.Free()
	p, err := libssl.New(cctx)
	check(t, err)
	p.Free()
	if got := p.PSKIdentity(); got != "" {
		t.Errorf("PSKIdentity on a freed SSL = %q", got)
	}
}

// The callbacks give TLS 1.2 keys only: a TLS 1.3 handshake runs neither
// (libssl's ClientHello-time call for an external TLS 1.3 PSK is answered
// with no key), and resumes as usual.
func TestPSKCallbacksNotInTLS13(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_3})
	cctx := clientCtx(t, ctxOpts{version: libssl.TLS1_3})
	defer sctx.Free()
	defer cctx.Free()
	ran := 0
	check(t, cctx.SetPSKClientCallback(func(*libssl.SSL, string) (string, []byte, bool) {
		ran++
		return "alice", []byte("0123456789abcdef"), true
	}))
	check(t, sctx.SetPSKServerCallback(func(*libssl.SSL, string) ([]byte, bool) {
		ran++
		return []byte("0123456789abcdef"), true
	}))
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Handshake())
	if ran != 0 {
		t.Errorf("the PSK callbacks ran %d times in a TLS 1.3 handshake", ran)
	}
	cert := p.Client.PeerCertificate()
	if cert == nil {
		t.Fatal("the TLS 1.3 handshake did not authenticate the server by certificate")
	}
	cert.Free()
}
