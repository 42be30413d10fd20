package libssl_test

// Fuzz targets. The seed corpus under testdata/fuzz/<Name>/ runs
// in every `go test`; `make fuzz` and `make check-ci` run the engine.
//
// Each target checks: no crash, no hang (every loop is bounded and memory
// BIOs never block), a failure is an *Error with text, the calling thread's
// error queue is left empty, and the destruction probe is back to its
// baseline once the handles are freed.
//
// The openssl.Conn target (garbage, truncation, stalls) belongs to the
// openssl/ package and is not here.

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// fuzzBaseline waits for pending cleanups of earlier tests, so that the
// probe moves only by what the fuzz function does.
func fuzzBaseline() libssl.Objects {
	quiesce()
	return libssl.LiveObjects()
}

func checkFuzzError(t *testing.T, what string, err error) {
	t.Helper()
	var e *libssl.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %T %v, want *libssl.Error", what, err, err)
	}
	if e.Error() == "" || e.Op == "" {
		t.Fatalf("%s: error without text or operation: %#v", what, e)
	}
}

func FuzzUnmarshalSessionDER(f *testing.F) {
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		if der, err := sessionDERFor(f, v); err == nil {
			f.Add(der)
		}
	}
	f.Add([]byte{0x30, 0x00})
	base := fuzzBaseline()
	f.Fuzz(func(t *testing.T, data []byte) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		s, err := libssl.UnmarshalSessionDER(data)
		if err != nil {
			if s != nil {
				t.Fatal("an error and a session")
			}
			checkFuzzError(t, "UnmarshalSessionDER", err)
		} else {
			// Round trip: what decodes re-encodes, and the re-encoding
			// is a fixed point.
			der, err := s.MarshalDER()
			if err != nil {
				t.Fatalf("a decoded session does not encode: %v", err)
			}
			back, err := libssl.UnmarshalSessionDER(der)
			if err != nil {
				t.Fatalf("re-encoded session does not decode: %v", err)
			}
			der2, err := back.MarshalDER()
			if err != nil || !bytes.Equal(der, der2) {
				t.Fatalf("encoding is not stable: %v\n%x\n%x", err, der, der2)
			}
			if s.ProtocolVersion() != back.ProtocolVersion() || !bytes.Equal(s.ID(), back.ID()) ||
				!bytes.Equal(s.IDContext(), back.IDContext()) || s.IsResumable() != back.IsResumable() ||
				s.HasPeerCertificate() != back.HasPeerCertificate() {
				t.Fatal("round trip changed the session")
			}
			if x := back.PeerCertificate(); x != nil {
				_, _ = x.DER()
				x.Free()
			}
			back.Free()
			s.Free()
		}
		if !libssl.ErrorQueueEmpty() {
			t.Fatal("entries left on the thread's error queue")
		}
		if got := libssl.LiveObjects(); got != base {
			t.Fatalf("live objects %+v, baseline %+v", got, base)
		}
	})
}

// sessionDERFor makes a real session of version v.
func sessionDERFor(tb testing.TB, v libssl.ProtocolVersion) ([]byte, error) {
	sctx, cctx := serverCtx(tb, ctxOpts{version: v}), clientCtx(tb, ctxOpts{version: v})
	defer sctx.Free()
	defer cctx.Free()
	_ = cctx.SetSessionCacheMode(libssl.SessCacheOff)
	p := newPair(tb, cctx, sctx)
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

// fuzzContexts makes the contexts a handshake target shares across its
// inputs, with the session caches off so that the probe is exact. They are
// freed when the target ends.
func fuzzContexts(f *testing.F) (sctx, cctx *libssl.Ctx) {
	sctx, cctx = serverCtx(f, ctxOpts{}), clientCtx(f, ctxOpts{})
	f.Cleanup(sctx.Free)
	f.Cleanup(cctx.Free)
	check2(f, sctx.SetSessionCacheMode(libssl.SessCacheOff))
	check2(f, cctx.SetSessionCacheMode(libssl.SessCacheOff))
	return sctx, cctx
}

func check2(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// feed runs one side's handshake on input: the bytes arrive in chunks of
// the given sizes (the rest at once), then end of file. It returns the final
// error. The loop is bounded: a memory BIO never blocks.
func feed(t *testing.T, s *libssl.SSL, rb, wb *libssl.BIO, input []byte, chunk int) error {
	var sink [16 << 10]byte
	drain := func() {
		for wb.Pending() > 0 {
			if _, err := wb.Read(sink[:]); err != nil {
				t.Fatalf("draining the write BIO: %v", err)
			}
		}
	}
	if chunk <= 0 {
		chunk = len(input)
	}
	var err error
	for calls := 0; ; calls++ {
		if calls > 10000 {
			t.Fatal("handshake loop did not end")
		}
		err = s.Handshake()
		drain()
		if err == nil || !errors.Is(err, libssl.ErrWantRead) {
			break
		}
		if len(input) == 0 {
			if rb.Pending() == 0 {
				// Transport closed: the next step must end it.
				if e := rb.SetEOF(); e != nil {
					t.Fatal(e)
				}
				err = s.Handshake()
				drain()
				if errors.Is(err, libssl.ErrWantRead) {
					t.Fatalf("handshake still wants to read after end of file: %v", err)
				}
				break
			}
			continue
		}
		n := min(chunk, len(input))
		if _, e := rb.Write(input[:n]); e != nil {
			t.Fatal(e)
		}
		input = input[n:]
	}
	if err != nil {
		checkFuzzError(t, "SSL_do_handshake", err)
	}
	// Whatever happened, the SSL stays usable for the calls that follow.
	var b [64]byte
	_, _ = s.Read(b[:])
	_, _ = s.Shutdown()
	drain()
	return err
}

// chunkOf picks a chunk size from the first byte of the input (0: all at
// once), so that the engine explores record and message boundaries.
func chunkOf(data []byte) (int, []byte) {
	if len(data) == 0 {
		return 0, data
	}
	return int(data[0]), data[1:]
}

func FuzzServerClientFlight(f *testing.F) {
	sctx, cctx := fuzzContexts(f)
	if hello, err := clientHello(cctx); err == nil {
		f.Add(append([]byte{0}, hello...))
		f.Add(append([]byte{7}, hello...))
	}
	f.Add([]byte{0, 0x16, 0x03, 0x01, 0x00, 0x00})
	base := fuzzBaseline()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFlight(t, sctx, true, base, data) })
}

func FuzzClientServerFlight(f *testing.F) {
	sctx, cctx := fuzzContexts(f)
	if flight, err := serverFlight(sctx, cctx); err == nil {
		f.Add(append([]byte{0}, flight...))
		f.Add(append([]byte{5}, flight...))
	}
	f.Add([]byte{0, 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28}) // a fatal alert
	base := fuzzBaseline()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFlight(t, cctx, false, base, data) })
}

// fuzzFlight feeds data (its first byte picks the chunk size) to a fresh
// server or client SSL as the peer's flight. The handshake must fail, with
// the thread's error queue left empty and the probe back at base.
func fuzzFlight(t *testing.T, ctx *libssl.Ctx, server bool, base libssl.Objects, data []byte) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	chunk, input := chunkOf(data)
	s, rb, wb := fuzzSSL(t, ctx, server)
	err := feed(t, s, rb, wb, input, chunk)
	if err == nil {
		t.Fatalf("a handshake (server %v) finished with a fuzzed peer", server)
	}
	s.Free()
	rb.Free()
	wb.Free()
	if !libssl.ErrorQueueEmpty() {
		t.Fatal("entries left on the thread's error queue")
	}
	if got := libssl.LiveObjects(); got != base {
		t.Fatalf("live objects %+v, baseline %+v", got, base)
	}
}

func fuzzSSL(t *testing.T, ctx *libssl.Ctx, server bool) (*libssl.SSL, *libssl.BIO, *libssl.BIO) {
	s := must(libssl.New(ctx))
	if server {
		check(t, s.SetAcceptState())
	} else {
		check(t, s.SetConnectState())
	}
	rb, wb := must(libssl.NewMemBIO()), must(libssl.NewMemBIO())
	check(t, s.SetBIO(rb, wb))
	return s, rb, wb
}

// clientHello returns a real client's first flight.
func clientHello(cctx *libssl.Ctx) ([]byte, error) {
	c, err := libssl.New(cctx)
	if err != nil {
		return nil, err
	}
	defer c.Free()
	_ = c.SetConnectState()
	rb, _ := libssl.NewMemBIO()
	wb, _ := libssl.NewMemBIO()
	defer rb.Free()
	defer wb.Free()
	_ = c.SetBIO(rb, wb)
	_ = c.Handshake()
	buf := make([]byte, wb.Pending())
	n, err := wb.Read(buf)
	return buf[:n], err
}

// serverFlight returns a real server's answer to a ClientHello (ServerHello
// and, for TLS 1.3, the encrypted rest of its flight).
func serverFlight(sctx, cctx *libssl.Ctx) ([]byte, error) {
	hello, err := clientHello(cctx)
	if err != nil {
		return nil, err
	}
	s, err := libssl.New(sctx)
	if err != nil {
		return nil, err
	}
	defer s.Free()
	_ = s.SetAcceptState()
	rb, _ := libssl.NewMemBIO()
	wb, _ := libssl.NewMemBIO()
	defer rb.Free()
	defer wb.Free()
	_ = s.SetBIO(rb, wb)
	if _, err := rb.Write(hello); err != nil {
		return nil, err
	}
	_ = s.Handshake()
	buf := make([]byte, wb.Pending())
	n, err := wb.Read(buf)
	return buf[:n], err
}

// TestWriteFuzzCorpus writes the seed corpus files under testdata/fuzz from
// real handshakes. It runs only with LIBSSL_GO_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("LIBSSL_GO_WRITE_CORPUS") != "1" {
		t.Skip("not needed in a normal run: it only rewrites the committed seed corpus, and requires LIBSSL_GO_WRITE_CORPUS=1")
	}
	sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	write := func(target, name string, data []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		check(t, os.MkdirAll(dir, 0o755))
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		check(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		der := must(sessionDERFor(t, v))
		write("FuzzUnmarshalSessionDER", "session-"+v.String(), der)
		write("FuzzUnmarshalSessionDER", "truncated-"+v.String(), der[:len(der)/2])
		c12, _ := clientCtxVersion(t, v)
		hello := must(clientHello(c12))
		write("FuzzServerClientFlight", "clienthello-"+v.String(), append([]byte{0}, hello...))
		write("FuzzServerClientFlight", "clienthello-bytewise-"+v.String(), append([]byte{1}, hello...))
		s12 := serverCtx(t, ctxOpts{version: v})
		flight := must(serverFlight(s12, c12))
		write("FuzzClientServerFlight", "serverflight-"+v.String(), append([]byte{0}, flight...))
		write("FuzzClientServerFlight", "serverflight-chunked-"+v.String(), append([]byte{3}, flight...))
		s12.Free()
		c12.Free()
	}
	write("FuzzServerClientFlight", "sslv2-hello", []byte{0, 0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10})
	write("FuzzClientServerFlight", "alert", []byte{0, 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})
	write("FuzzClientServerFlight", "huge-record-length", []byte{0, 0x16, 0x03, 0x03, 0xff, 0xff, 0x02})
}

func clientCtxVersion(t *testing.T, v libssl.ProtocolVersion) (*libssl.Ctx, error) {
	c := clientCtx(t, ctxOpts{version: v})
	return c, c.SetSessionCacheMode(libssl.SessCacheOff)
}
