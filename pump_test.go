package libssl_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// The pump methods (FeedAndRead, WriteAndDrain) against the plain calls
// they combine, on a handshaken TLS 1.3 pair whose BIOs belong to the pair.

func pumpPair(t *testing.T) (cl, sv *libssl.SSL, done func()) {
	t.Helper()
	sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_3}), clientCtx(t, ctxOpts{version: libssl.TLS1_3})
	pair := newPair(t, cctx, sctx)
	check(t, pair.Handshake())
	check(t, pair.ReadTickets())
	return pair.Client, pair.Server, func() {
		pair.Free()
		cctx.Free()
		sctx.Free()
	}
}

func TestPumpMovesRecordsLikeThePlainCalls(t *testing.T) {
	p := newProbe(t)
	cl, sv, done := pumpPair(t)
	msg := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB: four records
	out := make([]byte, 80<<10)
	n, d, pend, err := cl.WriteAndDrain(msg, out)
	check(t, err)
	if n != len(msg) || d == 0 || pend != 0 {
		t.Fatalf("WriteAndDrain(64 KiB): n=%d drained=%d pending=%d, want n=%d, records drained, none pending", n, d, pend, len(msg))
	}
	if w := cl.WBIO(); w.Pending() != 0 {
		t.Fatalf("the write BIO still holds %d bytes after the drain", w.Pending())
	} else {
		w.Free()
	}
	// The server takes the records in one call, and the rest with plain reads.
	got := make([]byte, len(msg))
	k, pend, err := sv.FeedAndRead(out[:d], false, got)
	check(t, err)
	if pend != 0 {
		t.Fatalf("reading application data left %d bytes to send", pend)
	}
	for k < len(msg) {
		m, err := sv.Read(got[k:])
		check(t, err)
		k += m
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("the server read other bytes than the client wrote")
	}
	// Nothing is left: the next step is a bare want-read.
	if _, _, err := sv.FeedAndRead(nil, false, got); err != libssl.ErrWantRead {
		t.Fatalf("FeedAndRead with nothing buffered: %v, want ErrWantRead itself", err)
	}
	done()
	p.expect("pair freed", obj(0, 0, 0))
}

func TestPumpSmallOutBufferLeavesTheRestPending(t *testing.T) {
	cl, sv, done := pumpPair(t)
	defer done()
	msg := bytes.Repeat([]byte{7}, 16<<10)
	small := make([]byte, 100)
	n, d, pend, err := cl.WriteAndDrain(msg, small)
	check(t, err)
	if n != len(msg) || d != len(small) || pend <= 0 {
		t.Fatalf("WriteAndDrain into 100 bytes: n=%d drained=%d pending=%d", n, d, pend)
	}
	wire := append([]byte(nil), small[:d]...)
	for pend > 0 {
		var m int
		_, m, pend, err = cl.WriteAndDrain(nil, small) // drain only
		check(t, err)
		wire = append(wire, small[:m]...)
	}
	got := make([]byte, len(msg))
	k := 0
	feed := wire
	for k < len(msg) {
		m, _, err := sv.FeedAndRead(feed, false, got[k:])
		feed = nil
		check(t, err)
		k += m
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("records drained in 100-byte pieces did not carry the message")
	}
}

func TestPumpSteadyStateAllocatesNothing(t *testing.T) {
	cl, sv, done := pumpPair(t)
	defer done()
	msg, out, in := make([]byte, 64), make([]byte, 4096), make([]byte, 64)
	allocs := testing.AllocsPerRun(100, func() {
		_, d, _, err := cl.WriteAndDrain(msg, out)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := sv.FeedAndRead(out[:d], false, in); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sv.FeedAndRead(nil, false, in); err != libssl.ErrWantRead {
			t.Fatalf("want-read: %v", err)
		}
	})
	if asanBuild {
		// The pump still ran 100 rounds with the checks above.
		t.Logf("-asan build: %.1f allocations per round, counted by the sanitizer's instrumentation; asserted in the other builds", allocs)
		return
	}
	if allocs != 0 {
		t.Fatalf("write, read and want-read: %.1f allocations per round, want none", allocs)
	}
}

func TestPumpEndings(t *testing.T) {
	t.Run("close_notify", func(t *testing.T) {
		cl, sv, done := pumpPair(t)
		defer done()
		if _, err := cl.Shutdown(); err != nil && !wouldBlock(err) {
			t.Fatal(err)
		}
		out := make([]byte, 1024)
		_, d, _, err := cl.WriteAndDrain(nil, out)
		check(t, err)
		_, _, err = sv.FeedAndRead(out[:d], false, make([]byte, 16))
		if !errors.Is(err, libssl.ErrZeroReturn) || !errors.Is(err, io.EOF) {
			t.Fatalf("after close_notify: %v, want ErrZeroReturn (io.EOF)", err)
		}
	})
	t.Run("transport end without close_notify", func(t *testing.T) {
		_, sv, done := pumpPair(t)
		defer done()
		_, _, err := sv.FeedAndRead(nil, true, make([]byte, 16))
		if !errors.Is(err, libssl.ErrUnexpectedEOF) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("eof without close_notify: %v, want ErrUnexpectedEOF", err)
		}
	})
	t.Run("garbage record", func(t *testing.T) {
		_, sv, done := pumpPair(t)
		defer done()
		garbage := []byte{23, 3, 3, 0, 32}
		garbage = append(garbage, bytes.Repeat([]byte{0xA5}, 32)...)
		_, pend, err := sv.FeedAndRead(garbage, false, make([]byte, 64))
		var e *libssl.Error
		if !errors.As(err, &e) || e.Code != libssl.SSLErrorSSL {
			t.Fatalf("garbage record: %v, want an SSL error", err)
		}
		if pend == 0 {
			t.Fatal("no alert waits in the write BIO after a bad record")
		}
		out := make([]byte, 1024)
		_, d, pend2, err := sv.WriteAndDrain(nil, out)
		check(t, err)
		// TLS 1.3 sends the alert as an encrypted record (outer type 23).
		if d != pend || pend2 != 0 || (out[0] != 21 && out[0] != 23) {
			t.Fatalf("draining the alert: drained %d of %d (left %d), first byte %d, want the whole alert record", d, pend, pend2, out[0])
		}
		// A write after the fatal error fails and drains nothing.
		if _, d, _, err := sv.WriteAndDrain([]byte("late"), out); err == nil || d != 0 {
			t.Fatalf("write after a fatal alert: drained %d, err %v; want an error and nothing drained", d, err)
		}
	})
}

func TestPumpBadInput(t *testing.T) {
	var nilSSL *libssl.SSL
	if _, _, err := nilSSL.FeedAndRead([]byte("x"), false, make([]byte, 1)); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("nil SSL FeedAndRead: %v, want ErrFreed", err)
	}
	if _, _, _, err := nilSSL.WriteAndDrain([]byte("x"), make([]byte, 1)); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("nil SSL WriteAndDrain: %v, want ErrFreed", err)
	}
	ctx := must(libssl.NewCtx(libssl.TLSClientMethod))
	defer ctx.Free()
	s := must(libssl.New(ctx))
	check(t, s.SetConnectState())
	// No BIOs: the feed is refused with a clear error, the write fails.
	if _, _, err := s.FeedAndRead([]byte("x"), false, make([]byte, 8)); err == nil || !bytes.Contains([]byte(err.Error()), []byte("no read BIO")) {
		t.Errorf("FeedAndRead on an SSL without a read BIO: %v, want an error naming the missing BIO", err)
	}
	if _, d, _, err := s.WriteAndDrain([]byte("x"), make([]byte, 8)); err == nil || d != 0 {
		t.Errorf("WriteAndDrain on an SSL without BIOs: drained %d, err %v; want an error", d, err)
	}
	s.Free()
	if _, _, err := s.FeedAndRead(nil, false, make([]byte, 8)); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("freed SSL FeedAndRead: %v, want ErrFreed", err)
	}
	if _, _, _, err := s.WriteAndDrain(nil, make([]byte, 8)); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("freed SSL WriteAndDrain: %v, want ErrFreed", err)
	}
}
