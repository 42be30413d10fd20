package libssl_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"weak"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// hookCtxs makes a server context with the test leaf and a bare client
// context, for the certificate-verify, certificate and key-log callbacks.
func hookCtxs(t *testing.T) (cctx, sctx *libssl.Ctx) {
	t.Helper()
	tc := testcerts.Get()
	sctx, err := libssl.NewCtx(libssl.TLSServerMethod)
	if err != nil {
		t.Fatal(err)
	}
	if err := sctx.UseCertificatePEM(tc.LeafChain); err != nil {
		t.Fatal(err)
	}
	if err := sctx.UsePrivateKeyPEM(tc.LeafKey); err != nil {
		t.Fatal(err)
	}
	cctx, err = libssl.NewCtx(libssl.TLSClientMethod)
	if err != nil {
		t.Fatal(err)
	}
	return cctx, sctx
}

// The certificate-verify, certificate and key-log callbacks ride in an
// SSL_CTX's box of callbacks: a panic in one is
// raised again by the call that ran the handshake; replacing a callback
// and freeing the context release the Go values (the cgo.Handle is
// deleted, so the closure can be collected); the destruction probe counts
// every object gone.
func TestCtxHookCallbacksLifecycle(t *testing.T) {
	before := libssl.LiveObjects()
	cctx, sctx := hookCtxs(t)
	type marker struct{ _ [64]byte }
	m := &marker{}
	wm := weak.Make(m)
	lines := 0
	keylog := func(held *marker) libssl.KeylogCallback {
		return func(*libssl.SSL, string) { _ = held; lines++ }
	}
	if err := cctx.SetKeylogCallback(keylog(m)); err != nil {
		t.Fatal(err)
	}
	if err := cctx.SetCertVerifyCallback(func(*libssl.SSL, *libssl.VerifyContext) bool { panic("boom in cert verify") }); err != nil {
		t.Fatal(err)
	}
	p, err := sslpair.New(cctx, sctx)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "boom") {
				t.Errorf("recovered %v, want the callback's panic", r)
			}
		}()
		_ = p.Handshake()
		t.Error("the handshake returned without re-raising the panic")
	}()
	p.Free()
	if lines == 0 {
		t.Error("the key log callback never ran")
	}
	// Replace the key log callback: the first closure's handle is released.
	if err := cctx.SetKeylogCallback(func(*libssl.SSL, string) {}); err != nil {
		t.Fatal(err)
	}
	m = nil
	for i := 0; i < 5 && wm.Value() != nil; i++ {
		runtime.GC()
	}
	if wm.Value() != nil {
		t.Error("the replaced key log callback is still referenced")
	}
	cctx.Free()
	sctx.Free()
	if after := libssl.LiveObjects(); after != before {
		t.Errorf("destruction probe: %+v before, %+v after", before, after)
	}
}

// A VerifyContext used after its callback returned, and the new calls on
// freed handles, return errors, not crashes.
func TestCtxHookMisuse(t *testing.T) {
	cctx, sctx := hookCtxs(t)
	defer cctx.Free()
	defer sctx.Free()
	var kept *libssl.VerifyContext
	if err := cctx.SetCertVerifyCallback(func(_ *libssl.SSL, v *libssl.VerifyContext) bool {
		kept = v
		raw, err := v.PeerChainDER()
		if err != nil || len(raw) != 2 {
			t.Errorf("PeerChainDER: %d certs, %v", len(raw), err)
		}
		ok, err := v.Verify()
		if code, _ := v.ErrorCode(); ok || err != nil || code == 0 {
			t.Errorf("Verify of an untrusted chain: %v %v, error %d", ok, err, code)
		}
		return true // accept anyway
	}); err != nil {
		t.Fatal(err)
	}
	if err := cctx.SetVerify(libssl.VerifyPeer, nil); err != nil {
		t.Fatal(err)
	}
	p, err := sslpair.New(cctx, sctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Handshake(); err != nil {
		t.Fatalf("the callback accepted, the handshake failed: %v", err)
	}
	if _, err := kept.Verify(); !errors.Is(err, libssl.ErrVerifyContextDone) {
		t.Errorf("Verify after the callback: %v", err)
	}
	if _, err := kept.PeerChainDER(); !errors.Is(err, libssl.ErrVerifyContextDone) {
		t.Errorf("PeerChainDER after the callback: %v", err)
	}
	if _, err := p.Client.ExportKeyingMaterial("x", nil, -1); err == nil {
		t.Error("negative length accepted")
	}
	if len(p.Client.Finished()) == 0 || len(p.Client.PeerFinished()) == 0 {
		t.Error("no Finished messages after the handshake")
	}
	if _, name := p.Client.NegotiatedGroup(); name == "" {
		t.Error("no negotiated group")
	}
	c := p.Client
	p.Free()
	if _, err := c.ExportKeyingMaterial("x", nil, 8); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("ExportKeyingMaterial on a freed SSL: %v", err)
	}
	if c.Finished() != nil {
		t.Error("Finished on a freed SSL")
	}
	freed, _ := libssl.NewCtx(libssl.TLSMethod)
	freed.Free()
	if err := freed.SetTicketKeys(make([]libssl.TicketKey, 1)); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetTicketKeys on a freed Ctx: %v", err)
	}
	if err := freed.SetKeylogCallback(func(*libssl.SSL, string) {}); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetKeylogCallback on a freed Ctx: %v", err)
	}
	if err := freed.SetGroupsList("X25519"); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetGroupsList on a freed Ctx: %v", err)
	}
	live, _ := libssl.NewCtx(libssl.TLSMethod)
	defer live.Free()
	if err := live.SetGroupsList("no-such-group"); err == nil {
		t.Error("an unknown group accepted")
	}
	if err := live.SetTicketKeys(make([]libssl.TicketKey, libssl.MaxTicketKeys+1)); err == nil {
		t.Error("too many ticket keys accepted")
	}
	if err := live.SetTicketKeys(make([]libssl.TicketKey, 2)); err != nil || live.TicketKeyCount() != 2 {
		t.Errorf("SetTicketKeys: %v, count %d", err, live.TicketKeyCount())
	}
	if err := live.SetTicketKeys(nil); err != nil || live.TicketKeyCount() != 0 {
		t.Errorf("SetTicketKeys(nil): %v, count %d", err, live.TicketKeyCount())
	}
}
