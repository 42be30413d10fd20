package libssl_test

// The error-queue invariant: no public method of the package leaves an entry
// on the calling thread's OpenSSL error queue, whatever it is called with
// and whatever was called before it: live, freed and nil handles, zero, junk
// and plausible arguments, callbacks that refuse or panic, failed
// handshakes. The wrappers shim.def marks onfail rely on it: they do not
// clear the queue before their call, and drain it only when the call fails
// (see shim.def's header). The queue belongs to an OS thread, so each sweep
// runs locked to one and peeks the queue after every step.

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// sweepTrace (SWEEP_TRACE=1) prints each call before it is made: a call
// that crashes in C ends the process before the test can name it.
var sweepTrace = os.Getenv("SWEEP_TRACE") != ""

// argMode is how a sweep fills a method's arguments.
type argMode int

const (
	argsZero  argMode = iota // zero values: nil handles, "", 0, nil callbacks
	argsJunk                 // freed handles, malformed strings and bytes, -1, callbacks returning zero values
	argsLive                 // live handles, PEM and names, 1, callbacks returning zero values
	argsPanic                // as argsLive, with callbacks that panic
)

func (m argMode) String() string {
	return [...]string{"zero", "junk", "live", "panic"}[m]
}

// recvState is the state of the receiver a method is called on.
type recvState int

const (
	recvFresh       recvState = iota // just made (an SSL of a pair not yet handshaken)
	recvEstablished                  // an SSL, or its session, after a completed handshake
	recvFreed
	recvNil
)

func (s recvState) String() string {
	return [...]string{"fresh", "established", "freed", "nil"}[s]
}

// queueSweep makes the handles the sweep calls methods on and passes as
// arguments, and records every step after which the queue was not empty.
type queueSweep struct {
	t          *testing.T
	cctx, sctx *libssl.Ctx
	cleanups   []func()
	dirty      []string
}

// step records name as a violation when the thread's queue holds an entry,
// and empties it so that the next step is judged on its own.
func (w *queueSweep) step(name string) {
	if !libssl.ErrorQueueEmpty() {
		w.dirty = append(w.dirty, name)
		libssl.ClearErrorQueue()
	}
}

func (w *queueSweep) later(f func()) { w.cleanups = append(w.cleanups, f) }

func (w *queueSweep) runCleanups() {
	for i := len(w.cleanups) - 1; i >= 0; i-- {
		// A callback that panics may run when its object goes (a context's
		// remove-session callback as SSL_CTX_free empties the cache).
		_, _ = call(func() []reflect.Value { w.cleanups[i](); return nil })
	}
	w.cleanups = nil
}

var (
	typSSL      = reflect.TypeOf((*libssl.SSL)(nil))
	typCtx      = reflect.TypeOf((*libssl.Ctx)(nil))
	typSession  = reflect.TypeOf((*libssl.Session)(nil))
	typBIO      = reflect.TypeOf((*libssl.BIO)(nil))
	typX509     = reflect.TypeOf((*libssl.X509)(nil))
	typPKey     = reflect.TypeOf((*libssl.PKey)(nil))
	typConfCtx  = reflect.TypeOf((*libssl.ConfCtx)(nil))
	typLibCtx   = reflect.TypeOf((*libssl.LibCtx)(nil))
	typECHStore = reflect.TypeOf((*libssl.ECHStore)(nil))
)

// sweptTypes are the handle types whose exported methods the sweep calls.
var sweptTypes = []reflect.Type{typSSL, typCtx, typSession, typBIO, typX509, typPKey, typConfCtx, typLibCtx, typECHStore}

// established handshakes a fresh pair and returns it (freed later).
func (w *queueSweep) established() *sslpair.Pair {
	p, err := sslpair.New(w.cctx, w.sctx)
	if err != nil {
		w.t.Fatal(err)
	}
	w.later(p.Free)
	if err := p.Handshake(); err != nil {
		w.t.Fatal(err)
	}
	if err := p.ReadTickets(); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// live makes a live handle of type typ (nil where the linked OpenSSL
// cannot make one), freed by runCleanups. A fresh SSL comes with the pair
// it is the client of, whose handshake drive runs.
func (w *queueSweep) live(typ reflect.Type) (v reflect.Value, drive func()) {
	cs := testcerts.Get()
	keep := func(h interface{ Free() }) { w.later(h.Free) }
	switch typ {
	case typSSL:
		p, err := sslpair.New(w.cctx, w.sctx)
		if err != nil {
			w.t.Fatal(err)
		}
		w.later(p.Free)
		return reflect.ValueOf(p.Client), func() { _ = p.Handshake() }
	case typCtx:
		c := serverCtx(w.t, ctxOpts{})
		keep(c)
		return reflect.ValueOf(c), func() {
			p, err := sslpair.New(w.cctx, c)
			if err != nil {
				return
			}
			defer p.Free()
			_ = p.Handshake()
		}
	case typSession:
		s := w.established().Client.Session()
		keep(s)
		return reflect.ValueOf(s), nil
	case typBIO:
		b, err := libssl.NewMemBIO()
		if err != nil {
			w.t.Fatal(err)
		}
		keep(b)
		return reflect.ValueOf(b), nil
	case typX509:
		x, err := libssl.ParseX509PEM(cs.LeafCert)
		if err != nil {
			w.t.Fatal(err)
		}
		keep(x)
		return reflect.ValueOf(x), nil
	case typPKey:
		k := w.established().Server.PrivateKey()
		if k == nil {
			w.t.Fatal("the server SSL has no private key")
		}
		keep(k)
		return reflect.ValueOf(k), nil
	case typConfCtx:
		c, err := libssl.NewConfCtx()
		if err != nil {
			w.t.Fatal(err)
		}
		keep(c)
		return reflect.ValueOf(c), nil
	case typLibCtx:
		l, err := libssl.NewLibCtx()
		if errors.Is(err, libssl.ErrUnsupported) {
			return reflect.Zero(typ), nil
		}
		if err != nil {
			w.t.Fatal(err)
		}
		keep(l)
		return reflect.ValueOf(l), nil
	case typECHStore:
		e, err := libssl.NewECHStore(nil)
		if errors.Is(err, libssl.ErrUnsupported) {
			return reflect.Zero(typ), nil
		}
		if err != nil {
			w.t.Fatal(err)
		}
		keep(e)
		return reflect.ValueOf(e), nil
	}
	return reflect.Value{}, nil
}

// receiver makes the receiver of type typ in state st; drive (nil where
// there is nothing to drive) runs a handshake that reaches what the method
// set up.
func (w *queueSweep) receiver(typ reflect.Type, st recvState) (reflect.Value, func()) {
	switch st {
	case recvNil:
		if typ == typLibCtx {
			// A nil *LibCtx is the process's default library context,
			// not a missing handle: loading a provider or setting
			// properties there would reconfigure every later test.
			return reflect.Value{}, nil
		}
		return reflect.Zero(typ), nil
	case recvEstablished:
		switch typ {
		case typSSL:
			return reflect.ValueOf(w.established().Client), nil
		case typSession:
			return w.live(typ)
		}
		return reflect.Value{}, nil // no such state for this type
	case recvFreed:
		v, _ := w.live(typ)
		if v.IsNil() && typ == typLibCtx {
			return reflect.Value{}, nil // see recvNil
		}
		if !v.IsNil() {
			v.MethodByName("Free").Call(nil)
		}
		return v, nil
	}
	v, drive := w.live(typ)
	if v.IsNil() && typ == typLibCtx {
		return reflect.Value{}, nil // no library contexts before 3.0; see recvNil
	}
	return v, drive
}

// arg makes one argument of type typ for mode m.
func (w *queueSweep) arg(typ reflect.Type, m argMode) reflect.Value {
	cs := testcerts.Get()
	for _, h := range sweptTypes {
		if typ == h {
			switch m {
			case argsZero:
				return reflect.Zero(typ)
			case argsJunk:
				v, _ := w.receiver(typ, recvFreed)
				return v
			default:
				if typ == typSession {
					// A session in no cache: the established ones sit in
					// the client context's, and one session in two
					// contexts' caches corrupts both (SSL_CTX_add_session(3):
					// a session is used with one SSL_CTX only).
					s, err := libssl.NewSession()
					if err != nil {
						w.t.Fatal(err)
					}
					w.later(s.Free)
					return reflect.ValueOf(s)
				}
				v, _ := w.live(typ)
				return v
			}
		}
	}
	switch typ.Kind() {
	case reflect.Func:
		if m == argsZero {
			return reflect.Zero(typ)
		}
		return reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
			if m == argsPanic {
				panic("a callback of the error-queue sweep panics")
			}
			out := make([]reflect.Value, typ.NumOut())
			for i := range out {
				out[i] = reflect.Zero(typ.Out(i))
			}
			return out
		})
	case reflect.String:
		switch m {
		case argsZero:
			return reflect.Zero(typ)
		case argsJunk:
			return reflect.ValueOf("no:such:thing!\xff").Convert(typ)
		default:
			return reflect.ValueOf("localhost").Convert(typ)
		}
	case reflect.Bool:
		return reflect.ValueOf(m != argsZero).Convert(typ)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := map[argMode]int64{argsZero: 0, argsJunk: -1, argsLive: 1, argsPanic: 1}[m]
		return reflect.ValueOf(n).Convert(typ)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v := reflect.New(typ).Elem()
		switch m {
		case argsJunk:
			v.SetUint(^uint64(0) >> (64 - 8*typ.Size()))
		case argsLive, argsPanic:
			v.SetUint(1)
		}
		return v
	case reflect.Slice:
		v := reflect.MakeSlice(typ, 0, 2)
		switch {
		case m == argsZero:
			return reflect.Zero(typ)
		case typ.Elem().Kind() == reflect.Uint8 && m == argsJunk:
			return reflect.ValueOf([]byte{0x30, 0x82, 0xff, 0xff, 0x00, 'x'}).Convert(typ)
		case typ.Elem().Kind() == reflect.Uint8:
			return reflect.ValueOf(append([]byte(nil), cs.LeafCert...)).Convert(typ)
		}
		return reflect.Append(v, w.arg(typ.Elem(), m), w.arg(typ.Elem(), m))
	case reflect.Ptr:
		if m == argsZero {
			return reflect.Zero(typ)
		}
		return reflect.New(typ.Elem())
	}
	return reflect.Zero(typ) // interfaces, structs, maps: their zero value
}

// call calls f, recovering a panic (a callback's, raised again by the
// package, or the package's own for misuse), and returns what f returned.
func call(f func() []reflect.Value) (out []reflect.Value, panicked any) {
	defer func() { panicked = recover() }()
	return f(), nil
}

// freeResults frees the handles a method returned.
func freeResults(out []reflect.Value) {
	for _, v := range out {
		if v.Kind() == reflect.Ptr && !v.IsNil() {
			if f := v.MethodByName("Free"); f.IsValid() && f.Type().NumIn() == 0 {
				_, _ = call(func() []reflect.Value { return f.Call(nil) })
			}
		}
	}
}

func TestNoErrorQueueEntrySurvivesAPublicMethod(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	libssl.ClearErrorQueue()
	w := &queueSweep{t: t, sctx: serverCtx(t, ctxOpts{}), cctx: clientCtx(t, ctxOpts{})}
	defer w.cctx.Free()
	defer w.sctx.Free()
	w.step("the sweep's contexts")
	modes := []argMode{argsZero, argsJunk, argsLive, argsPanic}
	calls := 0
	for _, typ := range sweptTypes {
		for i := 0; i < typ.NumMethod(); i++ {
			m := typ.Method(i)
			for _, st := range []recvState{recvFresh, recvEstablished, recvFreed, recvNil} {
				for _, mode := range modes {
					name := fmt.Sprintf("(%s).%s on a %s receiver, %s arguments", typ, m.Name, st, mode)
					recv, drive := w.receiver(typ, st)
					if !recv.IsValid() {
						w.runCleanups()
						continue
					}
					args := []reflect.Value{recv}
					for j := 1; j < m.Type.NumIn(); j++ {
						in := m.Type.In(j)
						if m.Type.IsVariadic() && j == m.Type.NumIn()-1 {
							in = in.Elem()
						}
						args = append(args, w.arg(in, mode))
					}
					w.step(name + ": making the receiver and arguments")
					if sweepTrace {
						fmt.Fprintln(os.Stderr, name)
					}
					out, _ := call(func() []reflect.Value { return m.Func.Call(args) })
					calls++
					w.step(name)
					if drive != nil && (mode == argsLive || mode == argsPanic) {
						_, _ = call(func() []reflect.Value { drive(); return nil })
						w.step(name + ", then a handshake")
					}
					freeResults(out)
					w.runCleanups()
					w.step(name + ": freeing what it returned and the handles")
				}
			}
		}
	}
	// The package's functions, on their failure paths and beside them.
	cs := testcerts.Get()
	for _, f := range []struct {
		name string
		call func() []reflect.Value
	}{
		{"New(nil)", func() []reflect.Value { return reflect.ValueOf(libssl.New).Call([]reflect.Value{reflect.Zero(typCtx)}) }},
		{"NewCtx(bad method)", func() []reflect.Value { c, err := libssl.NewCtx(libssl.Method(-1)); c.Free(); _ = err; return nil }},
		{"NewCtxEx(bad property query)", func() []reflect.Value {
			c, _ := libssl.NewCtxEx(nil, "no-such-property=yes", libssl.TLSMethod)
			c.Free()
			return nil
		}},
		{"UnmarshalSessionDER(junk)", func() []reflect.Value {
			s, _ := libssl.UnmarshalSessionDER([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
			s.Free()
			return nil
		}},
		{"ParseX509PEM(junk)", func() []reflect.Value {
			x, _ := libssl.ParseX509PEM([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
			x.Free()
			return nil
		}},
		{"ParseX509PEM(a key)", func() []reflect.Value { x, _ := libssl.ParseX509PEM(cs.LeafKey); x.Free(); return nil }},
		{"ParseDHParametersPEM(junk)", func() []reflect.Value { k, _ := libssl.ParseDHParametersPEM(cs.LeafCert); k.Free(); return nil }},
		{"LoadConfigFile(missing)", func() []reflect.Value { _ = libssl.LoadConfigFile("/nonexistent/openssl.cnf", "x"); return nil }},
		{"LoadStore(missing)", func() []reflect.Value { o, _ := libssl.LoadStore("file:/nonexistent/x.pem", nil); o.Free(); return nil }},
		{"NewOCSPResponseDER(bad status)", func() []reflect.Value { _, _ = libssl.NewOCSPResponseDER(99); return nil }},
		{"OCSPResponseStatus(junk)", func() []reflect.Value { _, _ = libssl.OCSPResponseStatus([]byte{0x30, 0x01}); return nil }},
		{"CheckOCSPResponse(junk)", func() []reflect.Value {
			_, _ = libssl.CheckOCSPResponse([]byte{0x30, 0x01}, nil, nil, libssl.OCSPCheckOptions{})
			return nil
		}},
		{"ObjectNID(unknown)", func() []reflect.Value { _ = libssl.ObjectNID("no-such-object"); return nil }},
		{"ObjectShortName(-1)", func() []reflect.Value { _ = libssl.ObjectShortName(-1); return nil }},
		{"NewSession, NewMemBIO, NewDatagramMemBIO, NewConfCtx", func() []reflect.Value {
			s, _ := libssl.NewSession()
			s.Free()
			b, _ := libssl.NewMemBIO()
			b.Free()
			d, _ := libssl.NewDatagramMemBIO()
			d.Free()
			c, _ := libssl.NewConfCtx()
			c.Free()
			return nil
		}},
	} {
		_, _ = call(f.call)
		calls++
		w.step(f.name)
	}
	w.runCleanups()
	t.Logf("%d calls, %d with entries left", calls, len(w.dirty))
	if len(w.dirty) > 0 {
		if len(w.dirty) > 30 {
			w.dirty = append(w.dirty[:30], fmt.Sprintf("... and %d more", len(w.dirty)-30))
		}
		t.Fatalf("entries left on the thread's error queue after:\n%s", strings.Join(w.dirty, "\n"))
	}
}

// The calls whose result SSL_get_error judges clear the queue before the
// call: an entry that code outside the package left on the thread does not
// turn a read's want-read into SSL_ERROR_SSL, and is not reported as the
// read's own. (SSL_read, unlike a handshake step, does not clear the queue
// itself.)
func TestIOCallsClearTheQueueFirst(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	sctx := serverCtx(t, ctxOpts{})
	defer sctx.Free()
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Handshake())
	check(t, p.ReadTickets())
	libssl.PushErrorEntry()
	if libssl.ErrorQueueEmpty() {
		t.Fatal("PushErrorEntry left the queue empty")
	}
	buf := make([]byte, 64)
	_, err := p.Client.Read(buf)
	if !errors.Is(err, libssl.ErrWantRead) {
		t.Fatalf("a read with nothing to read after a foreign entry: %v, want SSL_ERROR_WANT_READ", err)
	}
	var e *libssl.Error
	if errors.As(err, &e) && len(e.Entries) > 0 {
		t.Fatalf("the read reports %d entries, the foreign one among them: %v", len(e.Entries), e)
	}
	if !libssl.ErrorQueueEmpty() {
		t.Fatal("the read left the foreign entry on the queue")
	}
}
