package libssl_test

import (
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// A TLS 1.2 handshake uses the extended master secret unless a side turns
// it off (SSL_OP_NO_EXTENDED_MASTER_SECRET, 1 << 0, from OpenSSL 3.0; 1.1.1
// always uses it); neither side reports it before the handshake.
func TestExtendedMasterSecret(t *testing.T) {
	offs := []bool{false, true}
	if libssl.RuntimeVersion() < 0x30000000 {
		offs = offs[:1]
	}
	for _, off := range offs {
		sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2})
		cctx := clientCtx(t, ctxOpts{version: libssl.TLS1_2})
		if off {
			check(t, cctx.SetOptions(libssl.Options(1<<0)))
		}
		p := newPair(t, cctx, sctx)
		if p.Client.ExtendedMasterSecret() {
			t.Error("ExtendedMasterSecret before the handshake")
		}
		check(t, p.Handshake())
		if c, s := p.Client.ExtendedMasterSecret(), p.Server.ExtendedMasterSecret(); c != !off || s != !off {
			t.Errorf("client turned it off %v: client %v, server %v", off, c, s)
		}
		p.Free()
		sctx.Free()
		cctx.Free()
	}
}

// TotalRenegotiations counts the renegotiations a connection started.
func TestTotalRenegotiations(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2})
	cctx := clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	defer sctx.Free()
	defer cctx.Free()
	check(t, sctx.SetOptions(libssl.OpAllowClientRenegotiation))
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Handshake())
	for i := 1; i <= 2; i++ {
		check(t, p.Client.Renegotiate())
		driveRenegotiation(t, p.Client, p.Server, p.Pump)
		if got := p.Client.TotalRenegotiations(); got != i {
			t.Fatalf("after %d renegotiations: TotalRenegotiations = %d", i, got)
		}
	}
	p.Free()
	if got := p.Client.TotalRenegotiations(); got != 0 {
		t.Errorf("TotalRenegotiations on a freed SSL = %d", got)
	}
}
