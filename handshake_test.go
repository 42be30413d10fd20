package libssl_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

func TestHandshakeDataShutdownResume(t *testing.T) {
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		t.Run(v.String(), func(t *testing.T) {
			p := newProbe(t)
			sctx, cctx := serverCtx(t, ctxOpts{version: v}), clientCtx(t, ctxOpts{version: v})
			pair := newPair(t, cctx, sctx)
			check(t, pair.Client.SetHostName("localhost"))
			check(t, pair.Client.SetVerifyHost("localhost"))
			check(t, pair.Handshake())
			if pair.Client.Version() != v || pair.Server.Version() != v {
				t.Fatalf("negotiated %v/%v, want %v", pair.Client.Version(), pair.Server.Version(), v)
			}
			if r := pair.Client.VerifyResult(); r != libssl.VerifyOK {
				t.Fatalf("client verify result %d, want 0", r)
			}
			if pair.Server.ServerName() != "localhost" {
				t.Fatalf("server saw SNI %q", pair.Server.ServerName())
			}
			peer := pair.Client.PeerCertificate()
			if peer == nil {
				t.Fatal("no peer certificate")
			}
			der := must(peer.DER())
			peer.Free()
			if !bytes.Equal(der, testcerts.Get().LeafDER) {
				t.Fatal("peer certificate is not the server's leaf")
			}
			if pair.Client.CurrentCipher() == "" || pair.Client.SessionReused() {
				t.Fatal("cipher missing or first handshake reported reuse")
			}
			// Data both ways, larger than one record.
			big := bytes.Repeat([]byte("0123456789abcdef"), 3000)
			got := must(pair.Send(pair.Client, pair.Server, big))
			if !bytes.Equal(got, big) {
				t.Fatal("client→server data differs")
			}
			got = must(pair.Send(pair.Server, pair.Client, []byte("pong")))
			if string(got) != "pong" {
				t.Fatalf("server→client data %q", got)
			}
			sess := pair.Client.Session()
			if sess == nil || !sess.IsResumable() || sess.ProtocolVersion() != v || !sess.HasPeerCertificate() {
				t.Fatalf("client session not resumable TLS %v with a peer cert", v)
			}
			check(t, pair.Shutdown())
			if pair.Client.ShutdownState() != libssl.SentShutdown|libssl.ReceivedShutdown {
				t.Fatalf("client shutdown state %v", pair.Client.ShutdownState())
			}
			pair.Free()

			// Resume with SetSession on a new pair.
			pair = newPair(t, cctx, sctx)
			check(t, pair.Client.SetSession(sess))
			check(t, pair.Handshake())
			if !pair.Client.SessionReused() || !pair.Server.SessionReused() {
				t.Fatal("the second handshake did not resume")
			}
			// NegotiatedGroup: no key exchange in a TLS 1.2 resumption;
			// TLS 1.3 resumes with a (EC)DHE key exchange (psk_dhe_ke).
			for _, s := range []*libssl.SSL{pair.Client, pair.Server} {
				nid, name := s.NegotiatedGroup()
				if (v == libssl.TLS1_2) != (nid == 0 && name == "") {
					t.Errorf("%v resumption: NegotiatedGroup %d %q", v, nid, name)
				}
			}
			// A resumed session still carries the peer certificate.
			p2 := pair.Client.PeerCertificate()
			if p2 == nil {
				t.Fatal("no peer certificate after resumption")
			}
			p2.Free()
			check(t, pair.Shutdown())
			pair.Free()
			sess.Free()
			sctx.Free()
			cctx.Free()
			p.expect("all freed", obj(0, 0, 0))
		})
	}
}

func TestSessionDERRoundTrip(t *testing.T) {
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		t.Run(v.String(), func(t *testing.T) {
			sctx, cctx := serverCtx(t, ctxOpts{version: v}), clientCtx(t, ctxOpts{version: v})
			defer sctx.Free()
			defer cctx.Free()
			pair := newPair(t, cctx, sctx)
			check(t, pair.Handshake())
			check(t, pair.ReadTickets())
			sess := pair.Client.Session()
			check(t, pair.Shutdown())
			pair.Free()
			der := must(sess.MarshalDER())
			p := newProbe(t)
			back := must(libssl.UnmarshalSessionDER(der))
			p.expect("UnmarshalSessionDER", obj(0, 0, 1))
			if back.SameObject(sess) {
				t.Fatal("decoded session is the same object")
			}
			for name, f := range map[string]func(*libssl.Session) any{
				"ID":        func(s *libssl.Session) any { return s.ID() },
				"IDContext": func(s *libssl.Session) any { return s.IDContext() },
				"Version":   func(s *libssl.Session) any { return s.ProtocolVersion() },
				"Time":      func(s *libssl.Session) any { return s.Time() },
				"Timeout":   func(s *libssl.Session) any { return s.Timeout() },
				"Resumable": func(s *libssl.Session) any { return s.IsResumable() },
				"Peer":      func(s *libssl.Session) any { return s.HasPeerCertificate() },
			} {
				if diff := cmp.Diff(f(sess), f(back)); diff != "" {
					t.Errorf("%s differs after DER round trip (-orig +decoded):\n%s", name, diff)
				}
			}
			sess.Free()
			// The decoded session resumes.
			pair = newPair(t, cctx, sctx)
			check(t, pair.Client.SetSession(back))
			check(t, pair.Handshake())
			if !pair.Client.SessionReused() {
				t.Error("decoded session did not resume")
			}
			pair.Free()
			back.Free()
			// Garbage and trailing bytes are errors, not crashes.
			for _, bad := range [][]byte{nil, {0x30}, []byte("not a session"), append(append([]byte{}, der...), 0)} {
				if s, err := libssl.UnmarshalSessionDER(bad); err == nil {
					s.Free()
					t.Errorf("UnmarshalSessionDER(%d bytes of garbage) succeeded", len(bad))
				}
			}
		})
	}
}

func TestTLS13SessionResumableOnlyAfterTicket(t *testing.T) {
	sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_3}), clientCtx(t, ctxOpts{version: libssl.TLS1_3})
	defer sctx.Free()
	defer cctx.Free()
	pair := newPair(t, cctx, sctx)
	defer pair.Free()
	check(t, pair.Handshake())
	early := pair.Client.Session()
	defer early.Free()
	if early.IsResumable() {
		t.Fatal("TLS 1.3 session resumable before its ticket arrived")
	}
	check(t, pair.ReadTickets())
	late := pair.Client.Session()
	defer late.Free()
	if !late.IsResumable() || late.SameObject(early) {
		t.Fatal("after the ticket the client should hold a new, resumable session")
	}
}

func TestDupSettingsDiff(t *testing.T) {
	cs := testcerts.Get()
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	defer ctx.Free()
	s := must(libssl.New(ctx))
	defer s.Free()
	r, w := must(libssl.NewMemBIO()), must(libssl.NewMemBIO())
	defer r.Free()
	defer w.Free()
	steps := []error{
		s.SetOptions(libssl.OpNoTicket | libssl.OpCipherServerPreference),
		s.SetMode(libssl.ModeReleaseBuffers),
		s.SetMinProtoVersion(libssl.TLS1_2),
		s.SetMaxProtoVersion(libssl.TLS1_2),
		s.SetReadAhead(true),
		s.SetMaxCertList(12345),
		s.SetSecurityLevel(0),
		s.SetShutdownState(libssl.ReceivedShutdown),
		s.SetVerify(libssl.VerifyPeer|libssl.VerifyFailIfNoPeerCert, func(ok bool, _ *libssl.VerifyContext) bool { return ok }),
		s.SetVerifyDepth(3),
		s.SetVerifyParamFlags(libssl.VFlagPartialChain),
		s.SetInfoCallback(func(int, int) {}),
		s.SetCipherList("ECDHE-ECDSA-AES128-GCM-SHA256"),
		s.AddCAName(cs.CACert),
		s.UseCertificatePEM(cs.LeafCert),
		s.UsePrivateKeyPEM(cs.LeafKey),
		s.SetBIO(r, w),
		s.SetHostName("example.org"),
		s.SetQuietShutdown(true),
		s.SetNumTickets(5),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("setting %d: %v", i, err)
		}
	}
	d := must(s.Dup())
	defer d.Free()
	if d.SameObject(s) {
		t.Fatal("Dup of a fresh SSL returned the same object")
	}
	orig, dup := s.Settings(), d.Settings()
	// What libssl's SSL_dup does not copy, and nothing else.
	want := orig
	want.HasRBIO, want.HasWBIO = false, false
	want.ServerName = ""
	want.QuietShutdown = ctx.QuietShutdown()
	want.NumTickets = ctx.NumTickets()
	if diff := cmp.Diff(want, dup); diff != "" {
		t.Errorf("Dup settings beyond the documented differences (-want +got):\n%s", diff)
	}
	diff := cmp.Diff(orig, dup)
	t.Logf("what SSL_dup did not copy (-orig +dup):\n%s", diff)
}

func TestHandshakeFailsOnUntrustedPeer(t *testing.T) {
	cs := testcerts.Get()
	sctx := must(libssl.NewCtx(libssl.TLSServerMethod))
	defer sctx.Free()
	check(t, sctx.UseCertificatePEM(cs.SelfCert))
	check(t, sctx.UsePrivateKeyPEM(cs.SelfKey))
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	pair := newPair(t, cctx, sctx)
	defer pair.Free()
	err := pair.Handshake()
	var e *libssl.Error
	if !errors.As(err, &e) || e.Code != libssl.SSLErrorSSL {
		t.Fatalf("handshake with an untrusted self-signed server: %v, want an SSL error", err)
	}
	if r := pair.Client.VerifyResult(); r != libssl.VerifyErrDepthZeroSelfSigned {
		t.Fatalf("verify result %d, want %d", r, libssl.VerifyErrDepthZeroSelfSigned)
	}
	if !bytes.Contains([]byte(err.Error()), []byte("certificate verify failed")) {
		t.Errorf("error text %q lacks OpenSSL's reason", err.Error())
	}
	// The same after Dup (mid-handshake: same object) is still usable.
	if pair.Client.InBefore() {
		t.Error("a failed handshake left the SSL in its before state")
	}
}

func TestVerifyCallbackRunsAndDecides(t *testing.T) {
	cs := testcerts.Get()
	sctx := must(libssl.NewCtx(libssl.TLSServerMethod))
	defer sctx.Free()
	check(t, sctx.UseCertificatePEM(cs.SelfCert))
	check(t, sctx.UsePrivateKeyPEM(cs.SelfKey))
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	var seen []int
	check(t, cctx.SetVerify(libssl.VerifyPeer, func(ok bool, v *libssl.VerifyContext) bool {
		code, err := v.ErrorCode()
		if err != nil {
			t.Errorf("ErrorCode inside the callback: %v", err)
		}
		seen = append(seen, code)
		c, err := v.Certificate()
		if err != nil {
			t.Errorf("Certificate inside the callback: %v", err)
			return false
		}
		defer c.Free()
		der, _ := c.DER()
		return bytes.Equal(der, cs.SelfDER) // pin the self-signed leaf
	}))
	if !cctx.HasVerifyCallback() {
		t.Fatal("HasVerifyCallback false after SetVerify with a callback")
	}
	var infos int
	pair := newPair(t, cctx, sctx)
	defer pair.Free()
	check(t, pair.Client.SetInfoCallback(func(where, ret int) { infos++ }))
	check(t, pair.Handshake())
	if len(seen) == 0 || seen[0] != libssl.VerifyErrDepthZeroSelfSigned {
		t.Fatalf("callback saw %v, want the self-signed error first", seen)
	}
	if infos == 0 {
		t.Fatal("info callback never ran")
	}
}

func TestConcurrentSharedCtx(t *testing.T) {
	p := newProbe(t)
	sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var sess *libssl.Session
			defer func() { sess.Free() }()
			for i := 0; i < rounds; i++ {
				pair, err := sslpair.New(cctx, sctx)
				if err != nil {
					errs <- err
					return
				}
				if sess != nil {
					_ = pair.Client.SetSession(sess)
				}
				err = pair.Handshake()
				if err == nil {
					var got []byte
					msg := []byte(fmt.Sprintf("worker %d round %d", w, i))
					if got, err = pair.Send(pair.Client, pair.Server, msg); err == nil && !bytes.Equal(got, msg) {
						err = fmt.Errorf("data mismatch")
					}
				}
				if err == nil {
					err = pair.ReadTickets()
				}
				if err == nil && sess != nil && !pair.Client.SessionReused() {
					err = fmt.Errorf("worker %d round %d did not resume", w, i)
				}
				if err == nil {
					next := pair.Client.Session()
					sess.Free()
					sess = next
					err = pair.Shutdown()
				}
				pair.Free()
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	sctx.Free()
	cctx.Free()
	p.expect("after all workers", obj(0, 0, 0))
}

// TestErrorQueuesEmptyOnEveryThread makes failing calls on many goroutines,
// then holds every OS thread at once with locked goroutines and checks that
// no thread's OpenSSL error queue has anything left on it.
func TestErrorQueuesEmptyOnEveryThread(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				_, _ = libssl.New(nil)
				_, _ = libssl.UnmarshalSessionDER([]byte("garbage"))
				c, _ := libssl.NewCtx(libssl.TLSMethod)
				_ = c.SetCipherList("NO-SUCH-CIPHER")
				_ = c.UseCertificatePEM([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
				c.Free()
			}
		}()
	}
	wg.Wait()
	if dirty := dirtyThreads(); dirty > 0 {
		t.Fatalf("%d OS threads have entries on their OpenSSL error queue", dirty)
	}
}

// dirtyThreads locks more goroutines than the process has threads, all at
// once, so that together they visit every existing thread, and counts the
// threads whose error queue is not empty.
func dirtyThreads() int {
	n := threadCount() + 4
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	var mu sync.Mutex
	dirty := 0
	ready.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if !libssl.ErrorQueueEmpty() {
				mu.Lock()
				dirty++
				mu.Unlock()
			}
			ready.Done()
			<-release
		}()
	}
	ready.Wait()
	close(release)
	done.Wait()
	return dirty
}
