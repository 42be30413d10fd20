package libssl_test

// Tests of the functions added so that OpenSSL's own test/sslapitest.c
// cases can be expressed through Go (sslapitest/ runs those cases). Each
// checks what the C function does, with the destruction probe.

import (
	"bytes"
	"errors"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

func TestSessionDupAndTimes(t *testing.T) {
	p := newProbe(t)
	func() {
		sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2}), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
		defer sctx.Free()
		defer cctx.Free()
		pair := newPair(t, cctx, sctx)
		defer pair.Free()
		check(t, pair.Handshake())
		sess := pair.Client.Session()
		defer sess.Free()
		d, err := sess.Dup()
		check(t, err)
		defer d.Free()
		if d.SameObject(sess) {
			t.Fatal("SSL_SESSION_dup returned the same object")
		}
		a, _ := sess.MarshalDER()
		b, _ := d.MarshalDER()
		if !bytes.Equal(a, b) {
			t.Fatal("the copy encodes differently")
		}
		at := time.Unix(1_900_000_000, 0) // after 2038 in 32 bits? no: 2030; Y2038-safe path either way
		check(t, d.SetTime(at))
		check(t, d.SetTimeout(90*time.Second))
		if !d.Time().Equal(at) || d.Timeout() != 90*time.Second {
			t.Fatalf("copy time %v timeout %v, want %v and 90s", d.Time(), d.Timeout(), at)
		}
		if sess.Time().Equal(at) || sess.Timeout() == 90*time.Second {
			t.Fatal("setting the copy changed the original")
		}
	}()
	p.expect("after Dup, SetTime, SetTimeout", obj(0, 0, 0))
	var nilSess *libssl.Session
	if _, err := nilSess.Dup(); !errors.Is(err, libssl.ErrFreed) {
		t.Fatalf("Dup of a nil session: %v", err)
	}
}

func TestKeyUpdate(t *testing.T) {
	sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	pair := newPair(t, cctx, sctx)
	defer pair.Free()
	check(t, pair.Handshake())
	check(t, pair.Client.KeyUpdate(true))
	if got := pair.Client.KeyUpdateType(); got != libssl.KeyUpdateRequested {
		t.Fatalf("KeyUpdateType after SSL_key_update(REQUESTED) = %v", got)
	}
	// The update goes out with the next write; the server answers with its
	// own, which the client reads. Data flows both ways throughout.
	for _, dir := range [][2]*libssl.SSL{{pair.Client, pair.Server}, {pair.Server, pair.Client}, {pair.Client, pair.Server}} {
		if got, err := pair.Send(dir[0], dir[1], []byte("after key update")); err != nil || string(got) != "after key update" {
			t.Fatalf("send after key update: %q, %v", got, err)
		}
	}
	if got := pair.Client.KeyUpdateType(); got != libssl.KeyUpdateNone {
		t.Fatalf("KeyUpdateType after the update went out = %v", got)
	}
	// TLS 1.2 has no key update: SSL_key_update fails.
	s12, c12 := serverCtx(t, ctxOpts{version: libssl.TLS1_2}), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	defer s12.Free()
	defer c12.Free()
	p12 := newPair(t, c12, s12)
	defer p12.Free()
	check(t, p12.Handshake())
	if err := p12.Client.KeyUpdate(false); err == nil {
		t.Fatal("SSL_key_update succeeded on TLS 1.2")
	}
}

func TestPostHandshakeAuth(t *testing.T) {
	cs := testcerts.Get()
	for _, offer := range []bool{true, false} {
		sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
		check(t, sctx.AddTrustedCertPEM(cs.CACert))
		check(t, cctx.UseCertificatePEM(cs.LeafChain))
		check(t, cctx.UsePrivateKeyPEM(cs.LeafKey))
		check(t, cctx.SetPostHandshakeAuth(offer))
		pair := newPair(t, cctx, sctx)
		check(t, pair.Server.SetVerify(libssl.VerifyPeer, nil))
		check(t, pair.Handshake())
		err := pair.Server.VerifyClientPostHandshake()
		if !offer {
			if err == nil {
				t.Fatal("SSL_verify_client_post_handshake succeeded for a client that did not offer it")
			}
		} else {
			check(t, err)
			// The request goes out with the server's next write; the
			// client answers with its certificate when it reads.
			if _, err := pair.Send(pair.Server, pair.Client, []byte("x")); err != nil {
				t.Fatal(err)
			}
			if _, err := pair.Send(pair.Client, pair.Server, []byte("y")); err != nil {
				t.Fatal(err)
			}
			peer := pair.Server.PeerCertificate()
			if peer == nil {
				t.Fatal("no client certificate after post-handshake authentication")
			}
			peer.Free()
		}
		pair.Free()
		sctx.Free()
		cctx.Free()
	}
}

func TestEarlyData(t *testing.T) {
	p := newProbe(t)
	func() {
		sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
		defer sctx.Free()
		defer cctx.Free()
		check(t, sctx.SetMaxEarlyData(1024))
		if sctx.MaxEarlyData() != 1024 {
			t.Fatalf("SSL_CTX_get_max_early_data = %d", sctx.MaxEarlyData())
		}
		first := newPair(t, cctx, sctx)
		check(t, first.Handshake())
		check(t, first.ReadTickets())
		sess := first.Client.Session()
		defer sess.Free()
		check(t, first.Shutdown()) // SSL_free of an open connection spoils its session
		first.Free()

		pair := newPair(t, cctx, sctx)
		defer pair.Free()
		check(t, pair.Client.SetSession(sess))
		msg := []byte("early hello")
		n, err := pair.Client.WriteEarlyData(msg)
		if err != nil || n != len(msg) {
			var e *libssl.Error
			errors.As(err, &e)
			t.Fatalf("SSL_write_early_data: %d, %v %+v", n, err, e)
		}
		if _, err := pair.Pump(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		var got []byte
		for i := 0; i < 10; i++ {
			n, res, err := pair.Server.ReadEarlyData(buf)
			got = append(got, buf[:n]...)
			if res == libssl.ReadEarlyDataFinish || (err != nil && !errors.Is(err, libssl.ErrWantRead) && !errors.Is(err, libssl.ErrWantWrite)) {
				break
			}
			if _, err := pair.Pump(); err != nil {
				t.Fatal(err)
			}
			if len(got) == len(msg) {
				break
			}
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("SSL_read_early_data got %q, want %q", got, msg)
		}
		check(t, pair.Handshake())
		if pair.Server.EarlyDataStatus() != libssl.EarlyDataAccepted || pair.Client.EarlyDataStatus() != libssl.EarlyDataAccepted {
			t.Fatalf("early data status server %v client %v, want accepted", pair.Server.EarlyDataStatus(), pair.Client.EarlyDataStatus())
		}
	}()
	p.expect("after early data", obj(0, 0, 0))
}

func TestCertificatesAsObjects(t *testing.T) {
	cs := testcerts.Get()
	p := newProbe(t)
	func() {
		leaf, err := libssl.ParseX509PEM(cs.LeafCert)
		check(t, err)
		defer leaf.Free()
		ca, err := libssl.ParseX509PEM(cs.CACert)
		check(t, err)
		defer ca.Free()
		keyCtx := serverCtx(t, ctxOpts{}) // only to get the key as an object
		defer keyCtx.Free()
		ks, err := libssl.New(keyCtx)
		check(t, err)
		key := ks.PrivateKey()
		ks.Free()
		defer key.Free()

		sctx, err := libssl.NewCtx(libssl.TLSServerMethod)
		check(t, err)
		defer sctx.Free()
		check(t, sctx.UseCertificate(leaf))
		check(t, sctx.UsePrivateKey(key))
		check(t, sctx.AddExtraChainCert(ca))
		check(t, sctx.SetReadAhead(true))
		if !sctx.ReadAhead() {
			t.Fatal("SSL_CTX_get_read_ahead after SSL_CTX_set_read_ahead(1)")
		}
		cctx := clientCtx(t, ctxOpts{})
		defer cctx.Free()
		pair := newPair(t, cctx, sctx)
		defer pair.Free()
		check(t, pair.Handshake())
		if n := pair.Client.PeerChainLen(); n != 2 {
			t.Fatalf("peer chain length %d, want leaf plus the extra chain certificate", n)
		}
		// The SSL-level setters: a server SSL given the other certificate.
		other, err := libssl.ParseX509PEM(cs.OtherCert)
		check(t, err)
		defer other.Free()
		p2 := newPair(t, cctx, sctx)
		defer p2.Free()
		check(t, p2.Server.UseCertificatePEM(cs.OtherCert))
		check(t, p2.Server.UsePrivateKeyPEM(cs.OtherKey))
		check(t, p2.Server.UseCertificate(leaf))
		check(t, p2.Server.UsePrivateKey(key))
		check(t, p2.Handshake())
		pc := p2.Client.PeerCertificate()
		defer pc.Free()
		if !pc.Equal(leaf) {
			t.Fatal("SSL_use_certificate did not choose the served certificate")
		}
	}()
	p.expect("after certificates as objects", obj(0, 0, 0))
}

// A servername callback that moves the connection to another context, as
// an SNI server does; the client sees the other context's certificate.
func TestServerNameCallbackSwitchesContext(t *testing.T) {
	cs := testcerts.Get()
	p := newProbe(t)
	func() {
		sctx := serverCtx(t, ctxOpts{})
		defer sctx.Free()
		other, err := libssl.NewCtx(libssl.TLSServerMethod)
		check(t, err)
		defer other.Free()
		check(t, other.UseCertificatePEM(cs.OtherCert))
		check(t, other.UsePrivateKeyPEM(cs.OtherKey))
		var seen []string
		check(t, sctx.SetServerNameCallback(func(s *libssl.SSL) libssl.TLSExtResult {
			seen = append(seen, s.ServerName())
			if s.ServerName() == "other.example" {
				if err := s.SetSSLCtx(other); err != nil {
					t.Errorf("SSL_set_SSL_CTX in the callback: %v", err)
				}
			}
			return libssl.TLSExtOK
		}))
		cctx := clientCtx(t, ctxOpts{})
		defer cctx.Free()
		for _, name := range []string{"localhost", "other.example"} {
			pair := newPair(t, cctx, sctx)
			check(t, pair.Client.SetHostName(name))
			check(t, pair.Handshake())
			pc := pair.Client.PeerCertificate()
			der, _ := pc.DER()
			pc.Free()
			want := cs.LeafDER
			if name == "other.example" {
				want = nil
			}
			if want != nil && !bytes.Equal(der, want) || want == nil && bytes.Equal(der, cs.LeafDER) {
				t.Errorf("%s: served the wrong certificate", name)
			}
			pair.Free()
		}
		if len(seen) != 2 || seen[0] != "localhost" || seen[1] != "other.example" {
			t.Fatalf("callback saw %v", seen)
		}
		// A fatal verdict fails the handshake; a panic is raised again.
		check(t, sctx.SetServerNameCallback(func(*libssl.SSL) libssl.TLSExtResult { return libssl.TLSExtAlertFatal }))
		pair := newPair(t, cctx, sctx)
		check(t, pair.Client.SetHostName("localhost"))
		if err := pair.Handshake(); err == nil {
			t.Fatal("handshake passed a fatal servername verdict")
		}
		pair.Free()
		check(t, sctx.SetServerNameCallback(func(*libssl.SSL) libssl.TLSExtResult { panic("sni") }))
		pair = newPair(t, cctx, sctx)
		check(t, pair.Client.SetHostName("localhost"))
		if v := catch(func() { _ = pair.Handshake() }); v != "sni" {
			t.Fatalf("Handshake raised %v, want the callback's panic", v)
		}
		pair.Free()
	}()
	p.expect("after the servername callbacks", obj(0, 0, 0))
}

// The new-session callback gets an owned reference per session (per ticket
// on a TLS 1.3 client); the remove callback runs when the cache drops one.
func TestSessionCallbacks(t *testing.T) {
	p := newProbe(t)
	var kept []*libssl.Session
	removed := 0
	func() {
		sctx := serverCtx(t, ctxOpts{})
		defer sctx.Free()
		cctx := clientCtx(t, ctxOpts{})
		check(t, cctx.SetSessionCallbacks(func(s *libssl.SSL, sess *libssl.Session) {
			if s.IsServer() {
				t.Error("client new-session callback got a server SSL")
			}
			kept = append(kept, sess)
		}, func(sess *libssl.Session) {
			removed++
			sess.Free()
		}))
		pair := newPair(t, cctx, sctx)
		check(t, pair.Handshake())
		check(t, pair.ReadTickets())
		// A clean shutdown first: SSL_free of an open connection would mark
		// its session non-resumable and drop it from the cache.
		check(t, pair.Shutdown())
		pair.Free()
		if removed != 0 {
			t.Fatalf("remove callback ran %d times before any removal", removed)
		}
		if len(kept) != 2 {
			t.Fatalf("new-session callback ran %d times, want 2 (the server's two TLS 1.3 tickets)", len(kept))
		}
		for _, s := range kept {
			if !s.IsResumable() {
				t.Error("a session from the callback is not resumable")
			}
		}
		cached := cctx.CachedSessions()
		if !cctx.RemoveSession(kept[0]) {
			t.Fatal("SSL_CTX_remove_session found nothing")
		}
		if removed != 1 {
			t.Fatalf("remove callback ran %d times after one removal", removed)
		}
		cctx.Free() // flushes the rest of the cache through the callback
		if removed != cached {
			t.Fatalf("remove callback ran %d times in all, want %d", removed, cached)
		}
	}()
	for _, s := range kept {
		s.Free()
	}
	p.expect("after the session callbacks", obj(0, 0, 0))
}
