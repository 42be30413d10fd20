package libssl_test

// Misuse: every exported method of every handle type, found by
// reflection so that a new method cannot slip past, is called on a nil handle
// and on a freed handle with zero-value arguments. It must not panic, must
// not create or destroy a native object, and must return ErrFreed for its
// error result and the zero value (or the documented value) for the others.
// Then: concurrent Free from two goroutines, and Free racing the cleanup
// backstop, release each reference exactly once.

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

var errorType = reflect.TypeOf((*error)(nil)).Elem()

// documentedFreed lists the results that are documented to be something
// other than the zero value on a nil or freed handle, by "Type.Method".
var documentedFreed = map[string][]any{
	"SSL.VerifyResult":  {-1},                   // "-1 on a freed handle"
	"SSL.KeyUpdateType": {libssl.KeyUpdateNone}, // SSL_KEY_UPDATE_NONE is -1
}

// handleKinds are the handle types: a nil handle, and a function that makes
// a live handle and frees it. VerifyContext has no Free; only nil and its
// zero value (what a callback's argument is after the call) are checked.
func handleKinds(t *testing.T) []struct {
	name  string
	nilH  reflect.Value
	freed func() []reflect.Value
} {
	cs := testcerts.Get()
	sessionDER := func() []byte {
		sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2}), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
		defer sctx.Free()
		defer cctx.Free()
		_ = cctx.SetSessionCacheMode(libssl.SessCacheOff)
		p := newPair(t, cctx, sctx)
		defer p.Free()
		check(t, p.Handshake())
		s := p.Client.Session()
		defer s.Free()
		return must(s.MarshalDER())
	}()
	return []struct {
		name  string
		nilH  reflect.Value
		freed func() []reflect.Value
	}{
		{"SSL", reflect.ValueOf((*libssl.SSL)(nil)), func() []reflect.Value {
			ctx := must(libssl.NewCtx(libssl.TLSMethod))
			defer ctx.Free()
			s := must(libssl.New(ctx))
			u := must(s.UpRef()) // a freed handle whose object lives on
			s.Free()
			d := must(libssl.New(ctx))
			d.Free()
			t.Cleanup(u.Free)
			return []reflect.Value{reflect.ValueOf(s), reflect.ValueOf(d)}
		}},
		{"Ctx", reflect.ValueOf((*libssl.Ctx)(nil)), func() []reflect.Value {
			c := must(libssl.NewCtx(libssl.TLSMethod))
			c.Free()
			return []reflect.Value{reflect.ValueOf(c)}
		}},
		{"Session", reflect.ValueOf((*libssl.Session)(nil)), func() []reflect.Value {
			s := must(libssl.UnmarshalSessionDER(sessionDER))
			s.Free()
			return []reflect.Value{reflect.ValueOf(s)}
		}},
		{"BIO", reflect.ValueOf((*libssl.BIO)(nil)), func() []reflect.Value {
			b := must(libssl.NewMemBIO())
			b.Free()
			return []reflect.Value{reflect.ValueOf(b)}
		}},
		{"X509", reflect.ValueOf((*libssl.X509)(nil)), func() []reflect.Value {
			x := must(libssl.ParseX509PEM(cs.LeafCert))
			x.Free()
			return []reflect.Value{reflect.ValueOf(x)}
		}},
		{"PKey", reflect.ValueOf((*libssl.PKey)(nil)), func() []reflect.Value {
			ctx := must(libssl.NewCtx(libssl.TLSMethod))
			defer ctx.Free()
			s := must(libssl.New(ctx))
			defer s.Free()
			check(t, s.UseCertificatePEM(cs.LeafCert))
			check(t, s.UsePrivateKeyPEM(cs.LeafKey))
			k := s.PrivateKey()
			if k == nil {
				t.Fatal("PrivateKey() is nil after UsePrivateKeyPEM")
			}
			k.Free()
			return []reflect.Value{reflect.ValueOf(k)}
		}},
		{"VerifyContext", reflect.ValueOf((*libssl.VerifyContext)(nil)), func() []reflect.Value {
			return []reflect.Value{reflect.ValueOf(&libssl.VerifyContext{})}
		}},
	}
}

// callZero calls method m of recv with zero-value arguments, recovering a
// panic into an error.
func callZero(recv reflect.Value, m reflect.Method) (out []reflect.Value, panicked any) {
	f := recv.MethodByName(m.Name)
	ft := f.Type()
	args := make([]reflect.Value, ft.NumIn())
	for i := range args {
		args[i] = reflect.Zero(ft.In(i))
	}
	defer func() { panicked = recover() }()
	if ft.IsVariadic() {
		return f.CallSlice(args), nil
	}
	return f.Call(args), nil
}

// checkResults verifies the results of a call on a nil or freed handle.
func checkResults(t *testing.T, key, name string, out []reflect.Value) {
	t.Helper()
	doc, documented := documentedFreed[key]
	for i, v := range out {
		if v.Type() == errorType {
			err, _ := v.Interface().(error)
			if !errors.Is(err, libssl.ErrFreed) {
				t.Errorf("%s: error result %v, want ErrFreed", name, err)
			}
			continue
		}
		if documented {
			if got := v.Interface(); fmt.Sprint(got) != fmt.Sprint(doc[i]) {
				t.Errorf("%s: result %d is %v, documented %v", name, i, got, doc[i])
			}
			continue
		}
		if !v.IsZero() {
			t.Errorf("%s: result %d is %#v, want the zero value", name, i, v.Interface())
		}
	}
}

func TestMisuseNilAndFreedHandles(t *testing.T) {
	kinds := handleKinds(t)
	seen := map[string]bool{}
	recvsOf := make([]map[string]reflect.Value, len(kinds))
	for i, k := range kinds {
		recvsOf[i] = map[string]reflect.Value{"nil": k.nilH}
		for j, f := range k.freed() {
			recvsOf[i][fmt.Sprintf("freed#%d", j)] = f
		}
	}
	quiesce()
	before := libssl.LiveObjects()
	calls := 0
	for ki, k := range kinds {
		typ := k.nilH.Type()
		if typ.NumMethod() == 0 {
			t.Fatalf("%s has no exported methods: reflection found nothing", k.name)
		}
		recvs := recvsOf[ki]
		for i := 0; i < typ.NumMethod(); i++ {
			m := typ.Method(i)
			name := k.name + "." + m.Name
			seen[name] = true
			for rname, recv := range recvs {
				// Free is the one method that must be callable again
				// and again; call it twice.
				for rep := 0; rep < 1+btoi(m.Name == "Free"); rep++ {
					out, p := callZero(recv, m)
					calls++
					if p != nil {
						t.Errorf("%s on a %s handle panicked: %v", name, rname, p)
						continue
					}
					checkResults(t, name, name+" ("+rname+")", out)
				}
			}
		}
	}
	for name := range documentedFreed {
		if !seen[name] {
			t.Errorf("documentedFreed names %s, which is not an exported method", name)
		}
	}
	// The package-level function that takes a handle: New(nil) and New(freed).
	for _, c := range []*libssl.Ctx{nil, func() *libssl.Ctx { c := must(libssl.NewCtx(libssl.TLSMethod)); c.Free(); return c }()} {
		if s, err := libssl.New(c); s != nil || err == nil {
			t.Errorf("New(%v) = %v, %v; want an error", c, s, err)
		}
	}
	runtime.GC()
	if after := libssl.LiveObjects(); after != before {
		t.Errorf("calls on nil and freed handles changed the live objects: %+v -> %+v", before, after)
	}
	t.Logf("%d methods, %d calls", len(seen), calls)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestMisuseFreedArguments passes nil and freed handles as the arguments of
// every method of a live handle that takes a handle: no panic, no object
// made or lost, and the receiver stays usable.
func TestMisuseFreedArguments(t *testing.T) {
	freedCtx := must(libssl.NewCtx(libssl.TLSMethod))
	freedCtx.Free()
	freedBIO := must(libssl.NewMemBIO())
	freedBIO.Free()
	freedSess := must(libssl.UnmarshalSessionDER(func() []byte {
		sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2}), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
		defer sctx.Free()
		defer cctx.Free()
		_ = cctx.SetSessionCacheMode(libssl.SessCacheOff)
		p := newPair(t, cctx, sctx)
		defer p.Free()
		check(t, p.Handshake())
		s := p.Client.Session()
		defer s.Free()
		return must(s.MarshalDER())
	}()))
	freedSess.Free()
	fctx := must(libssl.NewCtx(libssl.TLSMethod))
	freedSSL := must(libssl.New(fctx))
	freedSSL.Free()
	fctx.Free()
	freedX := must(libssl.ParseX509PEM(testcerts.Get().LeafCert))
	freedX.Free()
	freedArgs := map[reflect.Type]reflect.Value{
		reflect.TypeOf(freedCtx):  reflect.ValueOf(freedCtx),
		reflect.TypeOf(freedBIO):  reflect.ValueOf(freedBIO),
		reflect.TypeOf(freedSess): reflect.ValueOf(freedSess),
		reflect.TypeOf(freedSSL):  reflect.ValueOf(freedSSL),
		reflect.TypeOf(freedX):    reflect.ValueOf(freedX),
	}
	quiesce()
	before := libssl.LiveObjects()
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	s := must(libssl.New(ctx))
	b := must(libssl.NewMemBIO())
	x := must(libssl.ParseX509PEM(testcerts.Get().LeafCert))
	sess := must(libssl.UnmarshalSessionDER(must(freedSessDER(t))))
	for _, recv := range []reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(s), reflect.ValueOf(b), reflect.ValueOf(x), reflect.ValueOf(sess)} {
		typ := recv.Type()
		for i := 0; i < typ.NumMethod(); i++ {
			m := typ.Method(i)
			if m.Name == "Free" {
				continue
			}
			ft := recv.MethodByName(m.Name).Type()
			takes := false
			for j := 0; j < ft.NumIn(); j++ {
				if _, ok := freedArgs[ft.In(j)]; ok {
					takes = true
				}
			}
			if !takes {
				continue
			}
			for _, mode := range []string{"nil", "freed"} {
				args := make([]reflect.Value, ft.NumIn())
				for j := range args {
					args[j] = reflect.Zero(ft.In(j))
					if fa, ok := freedArgs[ft.In(j)]; ok && mode == "freed" {
						args[j] = fa
					}
				}
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Errorf("%s.%s(%s handle) panicked: %v", typ.Elem().Name(), m.Name, mode, p)
						}
					}()
					out := recv.MethodByName(m.Name).Call(args)
					// Handles a method returned are owned: free them.
					for _, v := range out {
						if f := v.MethodByName("Free"); f.IsValid() && !v.IsNil() {
							f.Call(nil)
						}
					}
				}()
			}
		}
	}
	if s.Version() == 0 || ctx.Method() != libssl.TLSMethod || x.Equal(nil) {
		t.Error("a live handle was disturbed by misuse of its arguments")
	}
	for _, f := range []func(){s.Free, ctx.Free, b.Free, x.Free, sess.Free} {
		f()
	}
	if after := libssl.LiveObjects(); after != before {
		t.Errorf("live objects %+v -> %+v", before, after)
	}
}

func freedSessDER(t *testing.T) ([]byte, error) {
	sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_3}), clientCtx(t, ctxOpts{version: libssl.TLS1_3})
	defer sctx.Free()
	defer cctx.Free()
	_ = cctx.SetSessionCacheMode(libssl.SessCacheOff)
	p := newPair(t, cctx, sctx)
	defer p.Free()
	if err := p.Handshake(); err != nil {
		return nil, err
	}
	if err := p.ReadTickets(); err != nil {
		return nil, err
	}
	s := p.Client.Session()
	defer s.Free()
	return s.MarshalDER()
}

// freeRace is one kind of handle for the Free races: make an object kept
// alive by a base handle, make extra handles on it, and count live objects
// of its kind.
type freeRace struct {
	name  string
	base  func() (upref func() func(), free func())
	count func(libssl.Objects) int64
}

func freeRaces(t *testing.T) []freeRace {
	return []freeRace{
		{"SSL", func() (func() func(), func()) {
			ctx := must(libssl.NewCtx(libssl.TLSMethod))
			s := must(libssl.New(ctx))
			ctx.Free()
			return func() func() { return must(s.UpRef()).Free }, s.Free
		}, func(o libssl.Objects) int64 { return o.SSL }},
		{"Ctx", func() (func() func(), func()) {
			c := must(libssl.NewCtx(libssl.TLSMethod))
			return func() func() { return must(c.UpRef()).Free }, c.Free
		}, func(o libssl.Objects) int64 { return o.Ctx }},
		{"Session", func() (func() func(), func()) {
			s := must(libssl.UnmarshalSessionDER(must(freedSessDER(t))))
			return func() func() { return must(s.UpRef()).Free }, s.Free
		}, func(o libssl.Objects) int64 { return o.Session }},
	}
}

// TestConcurrentFreeFreesOnce: two goroutines free the same handle at once,
// many times over. The object is also held by a base handle, so a second
// SSL_free would destroy it early, which the probe sees.
func TestConcurrentFreeFreesOnce(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	for _, k := range freeRaces(t) {
		t.Run(k.name, func(t *testing.T) {
			quiesce()
			before := libssl.LiveObjects()
			upref, freeBase := k.base()
			live := k.count(libssl.LiveObjects())
			for i := 0; i < n; i++ {
				free := upref()
				var wg sync.WaitGroup
				start := make(chan struct{})
				for g := 0; g < 2; g++ {
					wg.Add(1)
					go func() { defer wg.Done(); <-start; free() }()
				}
				close(start)
				wg.Wait()
				if got := k.count(libssl.LiveObjects()); got != live {
					t.Fatalf("round %d: %s objects %d, want %d: a concurrent Free freed twice", i, k.name, got, live)
				}
			}
			freeBase()
			if after := libssl.LiveObjects(); after != before {
				t.Fatalf("after freeing the base: %+v, want %+v", after, before)
			}
		})
	}
}

// TestFreeRacesCleanup frees some handles on an object while the GC runs and
// drops the others, so that explicit Frees, Frees of handles that become
// unreachable at once, and cleanups all run together. Exactly the dropped
// handles must be released by cleanups, and the object must outlive them
// all while the base handle holds it.
func TestFreeRacesCleanup(t *testing.T) {
	rounds, per := 20, 100
	if testing.Short() {
		rounds = 5
	}
	for _, k := range freeRaces(t) {
		t.Run(k.name, func(t *testing.T) {
			quiesce()
			before, cf0 := libssl.LiveObjects(), libssl.CleanupFrees()
			upref, freeBase := k.base()
			live := k.count(libssl.LiveObjects())
			dropped := int64(0)
			stop := make(chan struct{})
			var gcwg sync.WaitGroup
			gcwg.Add(1)
			go func() {
				defer gcwg.Done()
				for {
					select {
					case <-stop:
						return
					default:
						runtime.GC()
					}
				}
			}()
			for r := 0; r < rounds; r++ {
				frees := make([]func(), per)
				for i := range frees {
					frees[i] = upref()
				}
				var wg sync.WaitGroup
				for i := range frees {
					switch i % 3 {
					case 0: // freed on another goroutine; unreachable right after
						f := frees[i]
						frees[i] = nil
						wg.Add(1)
						go func() { defer wg.Done(); f() }()
					case 1: // dropped: the cleanup releases it
						frees[i] = nil
						dropped++
					}
				}
				for i := range frees {
					if frees[i] != nil {
						frees[i]()
						frees[i] = nil
					}
				}
				wg.Wait()
				if got := k.count(libssl.LiveObjects()); got != live {
					t.Fatalf("round %d: %s objects %d, want %d", r, k.name, got, live)
				}
			}
			close(stop)
			gcwg.Wait()
			deadline := time.Now().Add(10 * time.Second)
			for libssl.CleanupFrees()-cf0 < dropped && time.Now().Before(deadline) {
				runtime.GC()
				time.Sleep(time.Millisecond)
			}
			if got := libssl.CleanupFrees() - cf0; got != dropped {
				t.Fatalf("cleanups released %d references, %d handles were dropped", got, dropped)
			}
			if got := k.count(libssl.LiveObjects()); got != live {
				t.Fatalf("after the cleanups: %s objects %d, want %d (a reference was released twice)", k.name, got, live)
			}
			freeBase()
			if after := libssl.LiveObjects(); after != before {
				t.Fatalf("after freeing the base: %+v, want %+v", after, before)
			}
		})
	}
}
