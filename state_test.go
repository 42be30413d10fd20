package libssl_test

import (
	"errors"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// StateString and StateStringShort read libssl's state names before and
// after a handshake; HasPending is false with nothing buffered, true while a
// record is partly read (the rest of it processed inside libssl), false once
// it is consumed.
func TestStateStringsAndHasPending(t *testing.T) {
	pr := newProbe(t)
	func() {
		sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
		defer sctx.Free()
		defer cctx.Free()
		p := newPair(t, cctx, sctx)
		defer p.Free()
		if got := p.Client.StateString(); got != "before SSL initialization" {
			t.Fatalf("state before the handshake: %q", got)
		}
		check(t, p.Handshake())
		// SSL_state_string's code is padded to six letters in 1.1.1, not in 3.x.
		wantShort := "SSLOK"
		if libssl.RuntimeVersion() < 0x30000000 {
			wantShort = "SSLOK "
		}
		if got, short := p.Client.StateString(), p.Client.StateStringShort(); got != "SSL negotiation finished successfully" || short != wantShort {
			t.Fatalf("state after the handshake: %q %q", got, short)
		}
		if p.Client.HasPending() {
			t.Fatal("HasPending with nothing sent")
		}
		if _, err := p.Server.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		must(p.Pump())
		var b [1]byte
		if n, err := p.Client.Read(b[:]); n != 1 || err != nil {
			t.Fatalf("read %d, %v", n, err)
		}
		if !p.Client.HasPending() || p.Client.Pending() != 4 {
			t.Fatalf("HasPending %v, Pending %d after reading 1 of 5 bytes", p.Client.HasPending(), p.Client.Pending())
		}
		var rest [8]byte
		if n, err := p.Client.Read(rest[:]); n != 4 || err != nil {
			t.Fatalf("read %d, %v", n, err)
		}
		if p.Client.HasPending() {
			t.Fatal("HasPending after reading everything")
		}
		var freed *libssl.SSL
		if freed.HasPending() || freed.StateString() != "" {
			t.Fatal("a nil handle reports state")
		}
	}()
	pr.expect("after freeing everything", obj(0, 0, 0))
}

// NewSessionTicket makes a TLS 1.3 server send one more ticket with its
// next write (3.0+): the client's new-session callback runs once more. On
// 1.1.1 it reports ErrUnsupported.
func TestNewSessionTicket(t *testing.T) {
	pr := newProbe(t)
	func() {
		sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
		defer sctx.Free()
		defer cctx.Free()
		tickets := 0
		check(t, cctx.SetSessionCallbacks(func(_ *libssl.SSL, s *libssl.Session) { tickets++; s.Free() }, nil))
		p := newPair(t, cctx, sctx)
		defer p.Free()
		check(t, p.Handshake())
		check(t, p.ReadTickets())
		before := tickets
		err := p.Server.NewSessionTicket()
		if libssl.RuntimeVersion() < 0x30000000 {
			if !errors.Is(err, libssl.ErrUnsupported) {
				t.Fatalf("NewSessionTicket on 1.1.1: %v, want ErrUnsupported", err)
			}
			return
		}
		check(t, err)
		if _, err := p.Send(p.Server, p.Client, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if tickets != before+1 {
			t.Fatalf("%d tickets after NewSessionTicket, want %d", tickets, before+1)
		}
	}()
	pr.expect("after freeing everything", obj(0, 0, 0))
}

// NewSession (SSL_SESSION_new) makes an empty session that the probe counts
// and Free releases.
func TestNewSession(t *testing.T) {
	pr := newProbe(t)
	s, err := libssl.NewSession()
	check(t, err)
	pr.expect("after SSL_SESSION_new", obj(0, 0, 1))
	if s.IsResumable() || len(s.ID()) != 0 {
		t.Fatal("a new session is resumable or has an id")
	}
	s.Free()
	pr.expect("after Free", obj(0, 0, 0))
}
