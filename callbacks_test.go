package libssl_test

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// catch runs f and returns what it panicked with, or nil.
func catch(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// together runs each of loops on its own goroutine, all released at once,
// and returns when every one has returned.
func together(loops ...func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, loop := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			loop()
		}()
	}
	close(start)
	wg.Wait()
}

// A panic in a verify callback must not be swallowed: the handshake step
// that ran the callback fails (the callback's verdict is a failure), and
// the panic is raised again on the goroutine that called Handshake, after
// the C call returned. The probe shows nothing leaks on the way.
func TestVerifyCallbackPanicIsRaisedAgain(t *testing.T) {
	p := newProbe(t)
	func() {
		sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
		defer sctx.Free()
		defer cctx.Free()
		type boom struct{ n int }
		check(t, cctx.SetVerify(libssl.VerifyPeer, func(bool, *libssl.VerifyContext) bool { panic(boom{7}) }))
		pair := newPair(t, cctx, sctx)
		defer pair.Free()
		got := catch(func() { _ = pair.Handshake() })
		if b, ok := got.(boom); !ok || b.n != 7 {
			t.Fatalf("Handshake raised %v, want the callback's boom{7}", got)
		}
		// The verdict was a failure: the client's handshake is dead.
		if err := pair.Client.Handshake(); err == nil {
			t.Fatal("client handshake succeeded after its verify callback panicked")
		}
		// The panic was raised once, not kept for later calls.
		if v := catch(func() { _ = pair.Client.Handshake() }); v != nil {
			t.Fatalf("a second Handshake raised %v again", v)
		}
	}()
	p.expect("after the panicking handshake", obj(0, 0, 0))
}

// The same for the info callback, which runs inside SSL_read and
// SSL_do_handshake.
func TestInfoCallbackPanicIsRaisedAgain(t *testing.T) {
	sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	pair := newPair(t, cctx, sctx)
	defer pair.Free()
	check(t, pair.Server.SetInfoCallback(func(where, ret int) { panic("info") }))
	if got := catch(func() { _ = pair.Handshake() }); got != "info" {
		t.Fatalf("Handshake raised %v, want the info callback's panic", got)
	}
}

// A VerifyContext kept past its callback gives an error, never a stale
// X509_STORE_CTX pointer.
func TestVerifyContextAfterCallback(t *testing.T) {
	sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	var kept *libssl.VerifyContext
	var during error
	check(t, cctx.SetVerify(libssl.VerifyPeer, func(ok bool, v *libssl.VerifyContext) bool {
		kept = v
		x, err := v.Certificate()
		during = err
		x.Free()
		return ok
	}))
	pair := newPair(t, cctx, sctx)
	defer pair.Free()
	check(t, pair.Handshake())
	if kept == nil || during != nil {
		t.Fatalf("callback did not run or Certificate failed inside it: %v", during)
	}
	if x, err := kept.Certificate(); !errors.Is(err, libssl.ErrVerifyContextDone) || x != nil {
		t.Fatalf("Certificate after the callback: %v, %v; want ErrVerifyContextDone", x, err)
	}
}

// libssl's rule for the verify callback: SSL_new copies the context's into
// the SSL, and neither a later SSL_CTX_set_verify nor SSL_set_SSL_CTX
// changes it. (conformance/inherit_test.go compares the same steps with C.)
func TestVerifyCallbackInheritedAtSSLNew(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{})
	defer sctx.Free()
	var ran []string
	cb := func(name string) libssl.VerifyCallback {
		return func(ok bool, v *libssl.VerifyContext) bool { ran = append(ran, name); return ok }
	}
	cases := []struct {
		name string
		then func(t *testing.T, ctx *libssl.Ctx, s *libssl.SSL)
	}{
		{"ctx gets cb2", func(t *testing.T, ctx *libssl.Ctx, s *libssl.SSL) {
			check(t, ctx.SetVerify(libssl.VerifyPeer, cb("cb2")))
		}},
		{"ctx callback removed", func(t *testing.T, ctx *libssl.Ctx, s *libssl.SSL) {
			check(t, ctx.SetVerify(libssl.VerifyPeer, nil))
		}},
		{"SSL moved to ctx2 with cb2", func(t *testing.T, ctx *libssl.Ctx, s *libssl.SSL) {
			ctx2 := clientCtx(t, ctxOpts{})
			defer ctx2.Free()
			check(t, ctx2.SetVerify(libssl.VerifyPeer, cb("cb2")))
			check(t, s.SetSSLCtx(ctx2))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ran = nil
			cctx := clientCtx(t, ctxOpts{})
			defer cctx.Free()
			check(t, cctx.SetVerify(libssl.VerifyPeer, cb("cb1")))
			pair := newPair(t, cctx, sctx)
			defer pair.Free()
			c.then(t, cctx, pair.Client)
			check(t, pair.Handshake())
			if len(ran) == 0 || ran[0] != "cb1" {
				t.Fatalf("callbacks run: %v, want cb1 (copied at SSL_new)", ran)
			}
			for _, r := range ran {
				if r != "cb1" {
					t.Fatalf("callbacks run: %v, want only cb1", ran)
				}
			}
		})
	}
}

// Read after the peer's close_notify matches io.EOF, and after a transport
// that ended without one io.ErrUnexpectedEOF, as errors.go documents.
func TestReadEndsMatchIOErrors(t *testing.T) {
	sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	pair := newPair(t, cctx, sctx)
	defer pair.Free()
	check(t, pair.Handshake())
	if _, err := pair.Server.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if _, err := pair.Pump(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if _, err := pair.Client.Read(buf); !errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Read after close_notify: %v; want io.EOF only", err)
	}

	p2 := newPair(t, cctx, sctx)
	defer p2.Free()
	check(t, p2.Handshake())
	rb := p2.Client.RBIO()
	defer rb.Free()
	check(t, rb.SetEOF())
	if _, err := p2.Client.Read(buf); !errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		t.Fatalf("Read after a bare EOF: %v; want io.ErrUnexpectedEOF only", err)
	}
}

// Setting a callback is one C call that swaps one slot: two goroutines
// that set different kinds on the same Ctx many times each keep what they
// set. After each set, the goroutine reads its slot back and finds its own
// last value (the other goroutine never writes that slot); a read-modify-
// write of a shared record would put back a stale value there.
func TestConcurrentCallbackSetsOnCtxLoseNothing(t *testing.T) {
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	defer ctx.Free()
	const n = 20000
	var infoTag, nameTag atomic.Int64
	info := func(i int) libssl.InfoCallback { return func(int, int) { infoTag.Store(int64(i)) } }
	name := func(i int) libssl.ServerNameCallback {
		return func(*libssl.SSL) libssl.TLSExtResult { nameTag.Store(int64(i)); return libssl.TLSExtOK }
	}
	readInfo := func() int64 {
		infoTag.Store(-1)
		if f := libssl.CtxInfoCallback(ctx); f != nil {
			f(0, 0)
		}
		return infoTag.Load()
	}
	readName := func() int64 {
		nameTag.Store(-1)
		if f := libssl.CtxServerNameCallback(ctx); f != nil {
			f(nil)
		}
		return nameTag.Load()
	}
	var lostInfo, lostName atomic.Int64
	together(func() {
		for i := 1; i <= n; i++ {
			if err := ctx.SetInfoCallback(info(i)); err != nil {
				t.Errorf("SetInfoCallback: %v", err)
				return
			}
			if readInfo() != int64(i) {
				lostInfo.Add(1)
			}
		}
	}, func() {
		for i := 1; i <= n; i++ {
			if err := ctx.SetServerNameCallback(name(i)); err != nil {
				t.Errorf("SetServerNameCallback: %v", err)
				return
			}
			if readName() != int64(i) {
				lostName.Add(1)
			}
		}
	})
	if lostInfo.Load() != 0 || lostName.Load() != 0 {
		t.Errorf("updates lost: %d info callbacks, %d servername callbacks", lostInfo.Load(), lostName.Load())
	}
	if got := readInfo(); got != n {
		t.Errorf("info slot holds the callback of set %d, want %d", got, n)
	}
	if got := readName(); got != n {
		t.Errorf("servername slot holds the callback of set %d, want %d", got, n)
	}
}

// The same on one SSL, whose calls the per-SSL guard serialises: a set
// may be refused with ErrConcurrentUse (then it did not happen), never
// lost. At the end each slot holds the last value its goroutine set.
func TestConcurrentCallbackSetsOnSSLLoseNothing(t *testing.T) {
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	defer ctx.Free()
	s := must(libssl.New(ctx))
	defer s.Free()
	const n = 20000
	var infoTag atomic.Int64
	info := func(i int) libssl.InfoCallback { return func(int, int) { infoTag.Store(int64(i)) } }
	type tag struct{ i int }
	var lastInfo, lastData int
	together(func() {
		for i := 1; i <= n; i++ {
			switch err := s.SetInfoCallback(info(i)); {
			case err == nil:
				lastInfo = i
			case !errors.Is(err, libssl.ErrConcurrentUse):
				t.Errorf("SetInfoCallback: %v", err)
				return
			}
		}
	}, func() {
		for i := 1; i <= n; i++ {
			switch err := s.SetUserData(&tag{i}); {
			case err == nil:
				lastData = i
			case !errors.Is(err, libssl.ErrConcurrentUse):
				t.Errorf("SetUserData: %v", err)
				return
			}
		}
	})
	if lastInfo == 0 || lastData == 0 {
		t.Fatalf("no set succeeded: info %d, user data %d", lastInfo, lastData)
	}
	if d, _ := s.UserData().(*tag); d == nil || d.i != lastData {
		t.Errorf("user data %v, want the last one set (%d)", d, lastData)
	}
	infoTag.Store(-1)
	if f := libssl.SSLInfoCallback(s); f != nil {
		f(0, 0)
	}
	if got := infoTag.Load(); got != int64(lastInfo) {
		t.Errorf("info slot holds the callback of set %d, want %d", got, lastInfo)
	}
}

// UserData racing SetUserData on one SSL (concurrent use, which libssl
// forbids) must never crash: the getter reads the slot's handle in C and
// looks it up in Go, and the setter may delete it in between. UserData then
// answers nil or a value some set stored (or, when the guard refuses it,
// panics with ErrConcurrentUse as documented), never cgo's invalid-handle
// panic.
func TestUserDataRacingSetUserDataNeverCrashes(t *testing.T) {
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	defer ctx.Free()
	s := must(libssl.New(ctx))
	defer s.Free()
	const n = 20000
	type tag struct{ i int }
	together(func() {
		for i := 1; i <= n; i++ {
			if err := s.SetUserData(&tag{i}); err != nil && !errors.Is(err, libssl.ErrConcurrentUse) {
				t.Errorf("SetUserData: %v", err)
				return
			}
		}
	}, func() {
		for i := 1; i <= n; i++ {
			var v any
			if p := catch(func() { v = s.UserData() }); p != nil {
				// A getter the guard refuses panics with ErrConcurrentUse, as
				// documented; any other panic is the defect.
				if err, ok := p.(error); ok && errors.Is(err, libssl.ErrConcurrentUse) {
					continue
				}
				t.Errorf("UserData panicked: %v", p)
				return
			}
			if d, ok := v.(*tag); v != nil && (!ok || d.i < 1 || d.i > n) {
				t.Errorf("UserData = %#v, want nil or a value SetUserData stored", v)
				return
			}
		}
	})
}

// SetUserData (package openssl sets it on every connection, to find the
// Conn from the SSL) gives the SSL a box of the slots an SSL can have, not
// one of every kind a context has. Everywhere: no box before a callback is
// set, then the SSL's box (and SSL_dup's copy) has the SSL's kinds and the
// context's every kind. Where glibc's mallinfo2 reads the C heap (glibc
// 2.33 or newer): per SSL, the heap grows by the box (112 bytes) and the
// handle's cell (32), where a box of every kind took 224 and the cell 32;
// the bound leaves a little room for the runtime's own mallocs during the
// loop, and a tcache hit only lowers the delta. Where it cannot, the reader
// says so with -1, never with a figure.
func TestUserDataCHeapPerSSL(t *testing.T) {
	if libssl.SSLBoxKinds >= libssl.CtxBoxKinds || libssl.SSLBoxKinds < 1 {
		t.Fatalf("an SSL's box kinds %d, a context's %d: want fewer for the SSL", libssl.SSLBoxKinds, libssl.CtxBoxKinds)
	}
	func() {
		ctx := must(libssl.NewCtx(libssl.TLSMethod))
		defer ctx.Free()
		s := must(libssl.New(ctx))
		defer s.Free()
		if got := libssl.SSLBoxSlots(s); got != -1 {
			t.Errorf("a fresh SSL's box has %d slots, want no box before a callback is set (-1)", got)
		}
		if err := s.SetUserData(1); err != nil {
			t.Fatalf("SetUserData: %v", err)
		}
		if got := libssl.SSLBoxSlots(s); got != libssl.SSLBoxKinds {
			t.Errorf("the SSL's box has %d slots after SetUserData, want the %d kinds an SSL has", got, libssl.SSLBoxKinds)
		}
		d := must(s.Dup())
		defer d.Free()
		if got := libssl.SSLBoxSlots(d); got != libssl.SSLBoxKinds {
			t.Errorf("SSL_dup's copy of the box has %d slots, want %d", got, libssl.SSLBoxKinds)
		}
		if got := libssl.CtxBoxSlots(ctx); got != libssl.CtxBoxKinds {
			t.Errorf("the context's box has %d slots, want every kind (%d)", got, libssl.CtxBoxKinds)
		}
	}()
	if h := libssl.CHeapInUse(); h < 0 {
		if h != -1 {
			t.Errorf("the C heap reader returned %d, want a byte count or -1 (no mallinfo2)", h)
		}
		return // no mallinfo2 (glibc before 2.33, or another C library): the slot counts above are the check
	}
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	defer ctx.Free()
	const n = 2000
	ssls := make([]*libssl.SSL, n)
	for i := range ssls {
		ssls[i] = must(libssl.New(ctx))
	}
	defer func() {
		for _, s := range ssls {
			s.Free()
		}
	}()
	type tag struct{ i int }
	before := libssl.CHeapInUse()
	for i, s := range ssls {
		if err := s.SetUserData(&tag{i}); err != nil {
			t.Fatalf("SetUserData: %v", err)
		}
	}
	perSSL := float64(libssl.CHeapInUse()-before) / n
	t.Logf("C heap per SSL of SetUserData: %.1f bytes", perSSL)
	if perSSL > 160 {
		t.Errorf("SetUserData took %.1f bytes of C heap per SSL, want at most 160 (a box of the SSL's slots and a cell)", perSSL)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		if got, ok := ssls[i].UserData().(*tag); !ok || got.i != i {
			t.Errorf("UserData of SSL %d = %#v, want &tag{%d}", i, ssls[i].UserData(), i)
		}
	}
}
