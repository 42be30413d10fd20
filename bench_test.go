package libssl_test

import (
	"runtime"
	"strings"
	"testing"
	"unsafe"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/bench/cbench"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// benchEnv is the Go side's equivalent of cbench's C contexts: the same
// certificates, versions, verify mode and session-id context.
type benchEnv struct {
	plain, cctx, sctx *libssl.Ctx
	sess              *libssl.Session
	der               []byte
}

func newBenchEnv(b *testing.B, v libssl.ProtocolVersion) *benchEnv {
	cs := testcerts.Get()
	e := &benchEnv{
		plain: must(libssl.NewCtx(libssl.TLSMethod)),
		sctx:  must(libssl.NewCtx(libssl.TLSServerMethod)),
		cctx:  must(libssl.NewCtx(libssl.TLSClientMethod)),
	}
	for _, err := range []error{
		e.sctx.UseCertificatePEM(cs.LeafCert), e.sctx.UsePrivateKeyPEM(cs.LeafKey),
		e.sctx.SetSessionIDContext([]byte("bench")),
		e.sctx.SetMinProtoVersion(v), e.sctx.SetMaxProtoVersion(v),
		e.cctx.SetMinProtoVersion(v), e.cctx.SetMaxProtoVersion(v),
		e.cctx.AddTrustedCertPEM(cs.CACert), e.cctx.SetVerify(libssl.VerifyPeer, nil),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := e.handshake(false); err != nil {
		b.Fatal(err)
	}
	e.der = must(e.sess.MarshalDER())
	return e
}

func (e *benchEnv) free() {
	e.sess.Free()
	e.plain.Free()
	e.cctx.Free()
	e.sctx.Free()
}

// handshake is one in-memory handshake with the same steps as cbench's.
func (e *benchEnv) handshake(resume bool) error {
	p, err := sslpair.New(e.cctx, e.sctx)
	if err != nil {
		return err
	}
	defer p.Free()
	if resume {
		if err := p.Client.SetSession(e.sess); err != nil {
			return err
		}
	}
	if err := p.Handshake(); err != nil {
		return err
	}
	if p.Client.Version() == libssl.TLS1_3 {
		if err := p.ReadTickets(); err != nil {
			return err
		}
	}
	if resume && !p.Client.SessionReused() {
		return errNotReused
	}
	if e.sess == nil {
		e.sess = p.Client.Session()
	}
	// As in cbench: a connection freed while open spoils its session.
	_ = p.Client.SetShutdownState(libssl.SentShutdown | libssl.ReceivedShutdown)
	_ = p.Server.SetShutdownState(libssl.SentShutdown | libssl.ReceivedShutdown)
	return nil
}

type benchError string

func (e benchError) Error() string { return string(e) }

const errNotReused = benchError("handshake did not resume")

type benchOp struct {
	name string
	v    libssl.ProtocolVersion
	c    func(ce *cbench.Env, n int) error
	g    func(b *testing.B, e *benchEnv)
}

// floorHandle is the shape of a handle: a native pointer and a cleanup.
type floorHandle struct {
	_ unsafe.Pointer
	c runtime.Cleanup
}

var floorSink *floorHandle

var benchOps = []benchOp{
	// Floors: what any call and any handle costs at least. C's column for
	// a call is a plain C function call.
	{"FloorCgoCall", libssl.TLS1_3, func(_ *cbench.Env, n int) error { return cbench.NopCalls(n) }, func(b *testing.B, e *benchEnv) {
		for i := 0; i < b.N; i++ {
			cbench.Nop()
		}
	}},
	{"FloorHandleAlloc", libssl.TLS1_3, nil, func(b *testing.B, e *benchEnv) {
		for i := 0; i < b.N; i++ {
			floorSink = &floorHandle{}
		}
	}},
	{"FloorCleanup", libssl.TLS1_3, nil, func(b *testing.B, e *benchEnv) {
		for i := 0; i < b.N; i++ {
			h := &floorHandle{}
			h.c = runtime.AddCleanup(h, func(unsafe.Pointer) {}, nil)
			h.c.Stop()
			floorSink = h
		}
	}},
	{"NewFree", libssl.TLS1_3, (*cbench.Env).NewFree, func(b *testing.B, e *benchEnv) {
		for i := 0; i < b.N; i++ {
			s, err := libssl.New(e.plain)
			if err != nil {
				b.Fatal(err)
			}
			s.Free()
		}
	}},
	{"DupFree", libssl.TLS1_3, (*cbench.Env).DupFree, func(b *testing.B, e *benchEnv) {
		s := must(libssl.New(e.plain))
		defer s.Free()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			d, err := s.Dup()
			if err != nil {
				b.Fatal(err)
			}
			d.Free()
		}
	}},
	{"UpRefFree", libssl.TLS1_3, (*cbench.Env).UpRefFree, func(b *testing.B, e *benchEnv) {
		s := must(libssl.New(e.plain))
		defer s.Free()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			u, err := s.UpRef()
			if err != nil {
				b.Fatal(err)
			}
			u.Free()
		}
	}},
	{"Clear", libssl.TLS1_3, (*cbench.Env).Clear, func(b *testing.B, e *benchEnv) {
		s := must(libssl.New(e.plain))
		defer s.Free()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := s.Clear(); err != nil {
				b.Fatal(err)
			}
		}
	}},
	{"Version", libssl.TLS1_3, (*cbench.Env).Version, func(b *testing.B, e *benchEnv) {
		s := must(libssl.New(e.plain))
		defer s.Free()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if s.Version() == 0 {
				b.Fatal("no version")
			}
		}
	}},
	{"SetSession", libssl.TLS1_3, (*cbench.Env).SetSession, func(b *testing.B, e *benchEnv) {
		s := must(libssl.New(e.cctx))
		defer s.Free()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := s.SetSession(e.sess); err != nil {
				b.Fatal(err)
			}
			if err := s.SetSession(nil); err != nil {
				b.Fatal(err)
			}
		}
	}},
	{"SessionFree", libssl.TLS1_3, (*cbench.Env).Get1Session, func(b *testing.B, e *benchEnv) {
		s := must(libssl.New(e.cctx))
		defer s.Free()
		_ = s.SetSession(e.sess)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			x := s.Session()
			if x == nil {
				b.Fatal("no session")
			}
			x.Free()
		}
	}},
	{"MarshalDER", libssl.TLS1_3, (*cbench.Env).MarshalDER, func(b *testing.B, e *benchEnv) {
		for i := 0; i < b.N; i++ {
			if _, err := e.sess.MarshalDER(); err != nil {
				b.Fatal(err)
			}
		}
	}},
	{"UnmarshalDER", libssl.TLS1_3, (*cbench.Env).UnmarshalDER, func(b *testing.B, e *benchEnv) {
		for i := 0; i < b.N; i++ {
			s, err := libssl.UnmarshalSessionDER(e.der)
			if err != nil {
				b.Fatal(err)
			}
			s.Free()
		}
	}},
}

func handshakeOps() []benchOp {
	var ops []benchOp
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_3, libssl.TLS1_2} {
		for _, resume := range []bool{false, true} {
			name := "Handshake" + map[libssl.ProtocolVersion]string{libssl.TLS1_3: "13", libssl.TLS1_2: "12"}[v]
			if resume {
				name += "Resumed"
			} else {
				name += "Full"
			}
			ops = append(ops, benchOp{name, v,
				func(ce *cbench.Env, n int) error { return ce.Handshakes(n, resume) },
				func(b *testing.B, e *benchEnv) {
					for i := 0; i < b.N; i++ {
						if err := e.handshake(resume); err != nil {
							b.Fatal(err)
						}
					}
				}})
		}
	}
	return ops
}

// BenchmarkOps measures each mirrored operation through the binding ("go")
// and as plain C ("c", one cgo call running the loop) in the same run.
// `make bench` turns the output into a table of medians and ratios. Under
// callgrind (internal/bench/instrcount.sh) the loops are bracketed by InstrZero and
// InstrDump, so that the dump holds the instructions of the loop alone, on
// every thread (the garbage collector's included).
func BenchmarkOps(b *testing.B) {
	cs := testcerts.Get()
	for _, op := range append(append([]benchOp{}, benchOps...), handshakeOps()...) {
		b.Run(op.name, func(b *testing.B) {
			if op.c != nil {
				b.Run("c", func(b *testing.B) {
					ce, err := cbench.NewEnv(cs.LeafCert, cs.LeafKey, cs.CACert, int(op.v))
					if err != nil {
						b.Fatal(err)
					}
					defer ce.Free()
					runtime.GC() // no cycle of the set-up's garbage inside the count
					b.ResetTimer()
					cbench.InstrZero()
					if err := op.c(ce, b.N); err != nil {
						b.Fatal(err)
					}
					cbench.InstrDump()
				})
			}
			// The C loop runs on one OS thread; so does "go", which
			// measures what the binding adds. Between two cgo calls an
			// unlocked goroutine may move to another thread and core, and
			// OpenSSL's per-thread state and the caches go cold:
			// "go-unlocked" shows that cost for the handshakes.
			b.Run("go", func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				e := newBenchEnv(b, op.v)
				defer e.free()
				b.ReportAllocs()
				runtime.GC() // no cycle of the set-up's garbage inside the count
				b.ResetTimer()
				cbench.InstrZero()
				op.g(b, e)
				cbench.InstrDump()
			})
			if strings.HasPrefix(op.name, "Handshake") {
				b.Run("go-unlocked", func(b *testing.B) {
					e := newBenchEnv(b, op.v)
					defer e.free()
					b.ResetTimer()
					op.g(b, e)
				})
			}
		})
	}
}
