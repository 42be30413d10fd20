package libssl_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

const tlsAES128GCMSHA256 = 0x1301

// pskKey is a 32-byte key, the size of SHA-256's output.
var pskKey = []byte("0123456789abcdef0123456789abcdef")

// newPSKSession makes a TLS 1.3 external PSK session with key, using the
// cipher suite id that s's method knows.
func newPSKSession(t *testing.T, s *libssl.SSL, key []byte, id uint16) *libssl.Session {
	t.Helper()
	c := s.FindCipher(id)
	if c == nil {
		t.Fatalf("FindCipher(%#04x) = nil", id)
	}
	sess, err := libssl.NewSession()
	check(t, err)
	for _, err := range []error{sess.SetMasterKey(key), sess.SetCipher(c), sess.SetProtocolVersion(libssl.TLS1_3)} {
		if err != nil {
			sess.Free()
			t.Fatal(err)
		}
	}
	return sess
}

// pskRun is one TLS 1.3 handshake whose client offers identity "alice"
// with clientKey through its PSK callback, and whose server knows "alice"
// with serverKey through its own; the server has a certificate when
// withCert. It returns the pair (handshake not run) and the sessions the
// callbacks hand out, which the caller frees.
type pskRun struct {
	cctx, sctx     *libssl.Ctx
	clientSess     *libssl.Session
	serverSess     *libssl.Session
	useCalls       int
	findIdentities []string
}

func newPSKRun(t *testing.T, withCert bool, clientKey, serverKey []byte) *pskRun {
	t.Helper()
	r := &pskRun{cctx: clientCtx(t, ctxOpts{version: libssl.TLS1_3})}
	if withCert {
		r.sctx = serverCtx(t, ctxOpts{version: libssl.TLS1_3})
	} else {
		r.sctx = must(libssl.NewCtx(libssl.TLSServerMethod))
		check(t, r.sctx.SetMinProtoVersion(libssl.TLS1_3))
	}
	// libssl chooses the cipher suite before it looks at the PSK, and
	// ignores a PSK whose digest is not the suite's: both sides use only
	// the PSK's suite.
	check(t, r.cctx.SetCiphersuites("TLS_AES_128_GCM_SHA256"))
	check(t, r.sctx.SetCiphersuites("TLS_AES_128_GCM_SHA256"))
	tmp := must(libssl.New(r.cctx))
	r.clientSess = newPSKSession(t, tmp, clientKey, tlsAES128GCMSHA256)
	r.serverSess = newPSKSession(t, tmp, serverKey, tlsAES128GCMSHA256)
	tmp.Free()
	check(t, r.cctx.SetPSKUseSessionCallback(func(_ *libssl.SSL, md string) ([]byte, *libssl.Session, bool) {
		r.useCalls++
		return []byte("alice"), r.clientSess, true
	}))
	check(t, r.sctx.SetPSKFindSessionCallback(func(_ *libssl.SSL, id []byte) (*libssl.Session, bool) {
		r.findIdentities = append(r.findIdentities, string(id))
		if string(id) == "alice" {
			return r.serverSess, true
		}
		return nil, true
	}))
	return r
}

func (r *pskRun) free() {
	r.clientSess.Free()
	r.serverSess.Free()
	r.cctx.Free()
	r.sctx.Free()
}

// A TLS 1.3 handshake with an external PSK on both sides: the client's
// callback runs once with no digest, the server's with the identity sent,
// both report a resumption (SSL_session_reused), the server sends no
// certificate (PSK authentication) even when it has one, and data flows
// both ways.
func TestPSKSessionHandshake(t *testing.T) {
	for _, withCert := range []bool{false, true} {
		name := "PSK only"
		if withCert {
			name = "server with certificate"
		}
		t.Run(name, func(t *testing.T) {
			r := newPSKRun(t, withCert, pskKey, pskKey)
			defer r.free()
			p := newPair(t, r.cctx, r.sctx)
			defer p.Free()
			check(t, p.Handshake())
			if r.useCalls != 1 || len(r.findIdentities) != 1 || r.findIdentities[0] != "alice" {
				t.Errorf("use callback ran %d times, find saw %q; want 1, [alice]", r.useCalls, r.findIdentities)
			}
			if !p.Client.SessionReused() || !p.Server.SessionReused() {
				t.Errorf("SessionReused: client %v, server %v; want both", p.Client.SessionReused(), p.Server.SessionReused())
			}
			if cert := p.Client.PeerCertificate(); cert != nil {
				cert.Free()
				t.Error("the server sent a certificate in a PSK handshake")
			}
			for _, dir := range [][2]*libssl.SSL{{p.Client, p.Server}, {p.Server, p.Client}} {
				got, err := p.Send(dir[0], dir[1], []byte("over an external psk"))
				check(t, err)
				if !bytes.Equal(got, []byte("over an external psk")) {
					t.Errorf("received %q", got)
				}
			}
		})
	}
}

// A key that differs on the two sides fails the binder check: the server
// reports "binder does not verify" and sends illegal_parameter in 1.1.1 and
// 3.0, decrypt_error (RFC 8446's choice) from 3.5 on (3.5.x and 4.0.3 as run
// on the image legs), which the client reports.
func TestPSKSessionWrongKey(t *testing.T) {
	r := newPSKRun(t, true, pskKey, bytes.Repeat([]byte{7}, 32))
	defer r.free()
	p := newPair(t, r.cctx, r.sctx)
	defer p.Free()
	err := p.Handshake()
	if err == nil || !strings.Contains(err.Error(), "binder does not verify") {
		t.Fatalf("handshake: %v, want the server's binder error", err)
	}
	cerr := p.Client.Handshake()
	want := "alert illegal parameter"
	if libssl.RuntimeVersion() >= 0x30500000 {
		want = "alert decrypt error"
	}
	if cerr == nil || !strings.Contains(cerr.Error(), want) {
		t.Errorf("client: %v, want %q", cerr, want)
	}
}

// An identity the server does not know (its callback returns no session)
// falls back to a certificate handshake where the server has one, and
// fails where it has none.
func TestPSKSessionUnknownIdentity(t *testing.T) {
	for _, withCert := range []bool{true, false} {
		r := newPSKRun(t, withCert, pskKey, pskKey)
		check(t, r.sctx.SetPSKFindSessionCallback(func(*libssl.SSL, []byte) (*libssl.Session, bool) { return nil, true }))
		p := newPair(t, r.cctx, r.sctx)
		err := p.Handshake()
		switch {
		case withCert && err != nil:
			t.Errorf("with a certificate: %v", err)
		case withCert:
			if p.Client.SessionReused() {
				t.Error("with a certificate: the handshake resumed")
			}
			cert := p.Client.PeerCertificate()
			if cert == nil {
				t.Error("with a certificate: the server sent none")
			}
			cert.Free()
		case err == nil:
			t.Error("without a certificate: the handshake succeeded")
		}
		p.Free()
		r.free()
	}
}

// The callbacks' refusals: a client callback returning ok false fails the
// handshake with libssl's "bad psk"; ok true with no session offers no PSK
// (the server's callback never runs); a server callback returning ok false
// fails it too; an empty identity with a session, and a freed session, fail
// it with an error naming the mistake.
func TestPSKSessionRefusals(t *testing.T) {
	freed := must(libssl.NewSession())
	freed.Free()
	for _, tc := range []struct {
		name     string
		use      libssl.PSKUseSessionCallback
		find     libssl.PSKFindSessionCallback
		ok       bool
		wantText string
	}{
		{name: "client refuses", use: func(*libssl.SSL, string) ([]byte, *libssl.Session, bool) { return nil, nil, false }, wantText: "bad psk"},
		{name: "client offers none", use: func(*libssl.SSL, string) ([]byte, *libssl.Session, bool) { return nil, nil, true }, ok: true},
		{name: "server refuses", find: func(*libssl.SSL, []byte) (*libssl.Session, bool) { return nil, false }, wantText: "bad extension"},
		{name: "client empty identity", use: func(*libssl.SSL, string) ([]byte, *libssl.Session, bool) { return nil, freed, true }, wantText: "empty identity"},
		{name: "client freed session", use: func(*libssl.SSL, string) ([]byte, *libssl.Session, bool) { return []byte("alice"), freed, true }, wantText: "freed Session"},
		{name: "server freed session", find: func(*libssl.SSL, []byte) (*libssl.Session, bool) { return freed, true }, wantText: "freed Session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newPSKRun(t, true, pskKey, pskKey)
			defer r.free()
			if tc.use != nil {
				check(t, r.cctx.SetPSKUseSessionCallback(tc.use))
			}
			if tc.find != nil {
				check(t, r.sctx.SetPSKFindSessionCallback(tc.find))
			}
			p := newPair(t, r.cctx, r.sctx)
			defer p.Free()
			err := p.Handshake()
			if tc.ok {
				check(t, err)
				if p.Client.SessionReused() || len(r.findIdentities) != 0 {
					t.Errorf("a PSK was used (server saw %q)", r.findIdentities)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("handshake: %v, want an error with %q", err, tc.wantText)
			}
		})
	}
}

// Ownership: libssl frees the reference each callback hands it, and the
// Go handles stay the callbacks' — across a PSK handshake, one that
// fails (wrong key), one whose callback refuses, and one whose callback
// panics (raised again, not swallowed). Once the handles and the contexts
// are freed every SSL, SSL_CTX and SSL_SESSION made is destroyed, and the
// handles were usable to the end.
func TestPSKSessionOwnership(t *testing.T) {
	base := libssl.LiveObjects()
	for _, tc := range []string{"success", "wrong key", "refused", "panic"} {
		func() {
			serverKey := pskKey
			if tc == "wrong key" {
				serverKey = bytes.Repeat([]byte{7}, 32)
			}
			r := newPSKRun(t, true, pskKey, serverKey)
			defer r.free()
			switch tc {
			case "refused":
				check(t, r.sctx.SetPSKFindSessionCallback(func(*libssl.SSL, []byte) (*libssl.Session, bool) { return r.serverSess, false }))
			case "panic":
				check(t, r.sctx.SetPSKFindSessionCallback(func(*libssl.SSL, []byte) (*libssl.Session, bool) { panic("boom in find") }))
			}
			p := newPair(t, r.cctx, r.sctx)
			defer p.Free()
			func() {
				defer func() {
					rec := recover()
					if (tc == "panic") != (rec != nil) || rec != nil && rec != "boom in find" {
						t.Errorf("%s: recovered %v", tc, rec)
					}
				}()
				err := p.Handshake()
				if (tc == "success") != (err == nil) {
					t.Errorf("%s: handshake: %v", tc, err)
				}
			}()
			p.Free()
			for _, s := range []*libssl.Session{r.clientSess, r.serverSess} {
				if k := s.MasterKey(); len(k) != 32 {
					t.Errorf("%s: a PSK session handle lost its key after the handshake (%d bytes)", tc, len(k))
				}
			}
		}()
	}
	if live, ok := settle(base); !ok {
		t.Fatalf("live objects %+v after freeing everything, want %+v", live, base)
	}
}

// An SSL runs the PSK callback its context had at SSL_new (libssl copies
// it), or the one set on the SSL itself; changing the context's later does
// not reach it.
func TestPSKSessionCallbackCopiedAtNew(t *testing.T) {
	r := newPSKRun(t, true, pskKey, pskKey)
	defer r.free()
	p := newPair(t, r.cctx, r.sctx)
	defer p.Free()
	later := 0
	check(t, r.cctx.SetPSKUseSessionCallback(func(*libssl.SSL, string) ([]byte, *libssl.Session, bool) {
		later++
		return nil, nil, false
	}))
	check(t, r.cctx.SetPSKUseSessionCallback(nil))
	own := 0
	check(t, p.Client.SetPSKUseSessionCallback(func(_ *libssl.SSL, _ string) ([]byte, *libssl.Session, bool) {
		own++
		return []byte("alice"), r.clientSess, true
	}))
	check(t, p.Handshake())
	if own != 1 || later != 0 || r.useCalls != 0 || !p.Client.SessionReused() {
		t.Errorf("the SSL's own callback ran %d times, the context's later one %d, its first %d; reused %v", own, later, r.useCalls, p.Client.SessionReused())
	}
	// A second SSL made after the context's callback was removed offers no PSK.
	p2 := newPair(t, r.cctx, r.sctx)
	defer p2.Free()
	check(t, p2.Handshake())
	if p2.Client.SessionReused() || len(r.findIdentities) != 1 {
		t.Errorf("an SSL made without a callback offered a PSK (server saw %q)", r.findIdentities)
	}
}

// The session fields a PSK session is made of read back as set, and the
// cipher lookup knows the TLS 1.3 suites and their digests.
func TestPSKSessionFields(t *testing.T) {
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	s := must(libssl.New(cctx))
	defer s.Free()
	c := s.FindCipher(0x1302)
	if c == nil || c.ID() != 0x1302 || c.Name() != "TLS_AES_256_GCM_SHA384" || c.HandshakeDigest() != "SHA384" {
		t.Fatalf("FindCipher(0x1302) = %v", c)
	}
	if s.FindCipher(0xfefe) != nil {
		t.Error("FindCipher found an unknown suite")
	}
	sess := must(libssl.NewSession())
	defer sess.Free()
	if sess.Cipher() != nil || sess.MaxEarlyData() != 0 || sess.ALPNSelected() != "" {
		t.Error("a new session has fields set")
	}
	check(t, sess.SetMasterKey(pskKey))
	check(t, sess.SetCipher(c))
	check(t, sess.SetProtocolVersion(libssl.TLS1_3))
	check(t, sess.SetMaxEarlyData(1000))
	check(t, sess.SetALPNSelected("h2"))
	if !bytes.Equal(sess.MasterKey(), pskKey) || sess.Cipher().ID() != 0x1302 || sess.ProtocolVersion() != libssl.TLS1_3 ||
		sess.MaxEarlyData() != 1000 || sess.ALPNSelected() != "h2" {
		t.Error("the fields do not read back as set")
	}
	if err := sess.SetMasterKey(make([]byte, 4096)); err == nil {
		t.Error("SetMasterKey took a key longer than libssl's buffer")
	}
	if err := sess.SetCipher(nil); err == nil {
		t.Error("SetCipher took nil")
	}
	sess.Free()
	if err := sess.SetMasterKey(pskKey); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetMasterKey on a freed session: %v", err)
	}
}

// Early data with an external PSK whose session allows it: the client
// writes early data before the handshake, the server reads it, and the
// status on both sides is accepted.
func TestPSKSessionEarlyData(t *testing.T) {
	r := newPSKRun(t, true, pskKey, pskKey)
	defer r.free()
	check(t, r.clientSess.SetMaxEarlyData(1024))
	check(t, r.serverSess.SetMaxEarlyData(1024))
	check(t, r.sctx.SetMaxEarlyData(1024))
	p := newPair(t, r.cctx, r.sctx)
	defer p.Free()
	msg := []byte("early over a psk")
	if n, err := p.Client.WriteEarlyData(msg); err != nil || n != len(msg) {
		t.Fatalf("WriteEarlyData: %d, %v", n, err)
	}
	if _, err := p.Pump(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, res, err := p.Server.ReadEarlyData(buf)
	if res != libssl.ReadEarlyDataSuccess || !bytes.Equal(buf[:n], msg) {
		t.Fatalf("ReadEarlyData: %q, %v, %v", buf[:n], res, err)
	}
	check(t, p.Handshake())
	if p.Client.EarlyDataStatus() != libssl.EarlyDataAccepted || p.Server.EarlyDataStatus() != libssl.EarlyDataAccepted {
		t.Errorf("early data status: client %v, server %v", p.Client.EarlyDataStatus(), p.Server.EarlyDataStatus())
	}
}
