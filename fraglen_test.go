package libssl_test

import (
	"errors"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// A client that asks for 512-byte fragments gets them: the session records
// the mode, and data larger than a fragment still flows both ways.
func TestMaxFragmentLength(t *testing.T) {
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		sctx := serverCtx(t, ctxOpts{version: v})
		cctx := clientCtx(t, ctxOpts{version: v})
		check(t, cctx.SetTLSExtMaxFragmentLength(libssl.MaxFragmentLength512))
		p := newPair(t, cctx, sctx)
		check(t, p.Handshake())
		sess := p.Client.Session()
		if got := sess.MaxFragmentLength(); got != libssl.MaxFragmentLength512 {
			t.Errorf("%v: client session MaxFragmentLength = %d, want %d", v, got, libssl.MaxFragmentLength512)
		}
		msg := make([]byte, 3000)
		for _, dir := range [][2]*libssl.SSL{{p.Client, p.Server}, {p.Server, p.Client}} {
			if got, err := p.Send(dir[0], dir[1], msg); err != nil || len(got) != len(msg) {
				t.Errorf("%v: 3000 bytes over 512-byte fragments: %d bytes, %v", v, len(got), err)
			}
		}
		sess.Free()
		if got := sess.MaxFragmentLength(); got != 0 {
			t.Errorf("MaxFragmentLength on a freed session = %d", got)
		}
		p.Free()
		sctx.Free()
		cctx.Free()
	}
}

// wireBytes is how many bytes the server writes for n bytes of data.
func wireBytes(t *testing.T, sctx, cctx *libssl.Ctx, n int) int {
	t.Helper()
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Handshake())
	if err := p.ReadTickets(); err != nil {
		t.Fatal(err)
	}
	w := p.Server.WBIO()
	defer w.Free()
	before := w.Pending()
	if _, err := p.Server.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	return w.Pending() - before
}

// SetMaxSendFragment splits what a side writes into records of at most n
// bytes: 2048 bytes take four records of 512 instead of one.
func TestMaxSendFragment(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_3})
	cctx := clientCtx(t, ctxOpts{version: libssl.TLS1_3})
	defer sctx.Free()
	defer cctx.Free()
	one := wireBytes(t, sctx, cctx, 2048)
	check(t, sctx.SetMaxSendFragment(512))
	four := wireBytes(t, sctx, cctx, 2048)
	// A TLS 1.3 record adds 22 bytes (header, type, tag) to its data.
	if one != 2048+22 || four != 2048+4*22 {
		t.Errorf("wire bytes for 2048 bytes: %d with the default, %d with 512; want %d and %d", one, four, 2048+22, 2048+4*22)
	}
}

func TestFragmentLengthErrors(t *testing.T) {
	cctx := clientCtx(t, ctxOpts{})
	for _, bad := range []int{-1, 5, 256} {
		if err := cctx.SetTLSExtMaxFragmentLength(bad); err == nil {
			t.Errorf("SetTLSExtMaxFragmentLength(%d) succeeded", bad)
		}
	}
	for _, bad := range []int{0, 511, 16385, 1 << 40} {
		if err := cctx.SetMaxSendFragment(bad); err == nil {
			t.Errorf("SetMaxSendFragment(%d) succeeded", bad)
		}
	}
	check(t, cctx.SetTLSExtMaxFragmentLength(libssl.MaxFragmentLengthDisabled))
	check(t, cctx.SetMaxSendFragment(16384))
	cctx.Free()
	if err := cctx.SetMaxSendFragment(512); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetMaxSendFragment on a freed Ctx: %v", err)
	}
	if err := cctx.SetTLSExtMaxFragmentLength(1); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetTLSExtMaxFragmentLength on a freed Ctx: %v", err)
	}
}
