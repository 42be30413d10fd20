package libssl_test

import (
	"errors"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// driveRenegotiation runs a renegotiation the client asked for with reads
// on both sides, as C's ssl-tests do.
func driveRenegotiation(t *testing.T, c, s *libssl.SSL, pump func() (int, error)) {
	t.Helper()
	for i := 0; i < 4; i++ {
		for _, ssl := range []*libssl.SSL{c, s} {
			var b [1]byte
			if n, err := ssl.Read(b[:]); n != 0 || (err != nil && !wouldBlock(err)) {
				t.Fatalf("read during the renegotiation: %d, %v", n, err)
			}
			if _, err := pump(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TLS 1.2 peers support secure renegotiation; an abbreviated renegotiation
// resumes the session, a full one does not. TLS 1.3 has neither.
func TestRenegotiateAbbreviated(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2})
	cctx := clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	defer sctx.Free()
	defer cctx.Free()
	check(t, sctx.SetOptions(libssl.OpAllowClientRenegotiation))
	for _, abbreviated := range []bool{true, false} {
		p := newPair(t, cctx, sctx)
		if p.Client.SecureRenegotiationSupport() {
			t.Error("SecureRenegotiationSupport before the handshake")
		}
		check(t, p.Handshake())
		if !p.Client.SecureRenegotiationSupport() || !p.Server.SecureRenegotiationSupport() {
			t.Errorf("SecureRenegotiationSupport: client %v, server %v; want both",
				p.Client.SecureRenegotiationSupport(), p.Server.SecureRenegotiationSupport())
		}
		if abbreviated {
			check(t, p.Client.RenegotiateAbbreviated())
		} else {
			check(t, p.Client.Renegotiate())
		}
		driveRenegotiation(t, p.Client, p.Server, p.Pump)
		if p.Client.RenegotiatePending() {
			t.Fatal("the renegotiation did not finish")
		}
		if got := p.Server.SessionReused(); got != abbreviated {
			t.Errorf("abbreviated %v: the renegotiation resumed %v", abbreviated, got)
		}
		p.Free()
	}
	// TLS 1.3: no renegotiation.
	s3, c3 := serverCtx(t, ctxOpts{version: libssl.TLS1_3}), clientCtx(t, ctxOpts{version: libssl.TLS1_3})
	defer s3.Free()
	defer c3.Free()
	p := newPair(t, c3, s3)
	defer p.Free()
	check(t, p.Handshake())
	if p.Client.SecureRenegotiationSupport() {
		t.Error("SecureRenegotiationSupport in TLS 1.3")
	}
	if err := p.Client.RenegotiateAbbreviated(); errOp(err) != "SSL_renegotiate_abbreviated" {
		t.Errorf("RenegotiateAbbreviated in TLS 1.3: %v, want an error naming SSL_renegotiate_abbreviated", err)
	}
	p.Free()
	if err := p.Client.RenegotiateAbbreviated(); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("RenegotiateAbbreviated on a freed SSL: %v", err)
	}
}
