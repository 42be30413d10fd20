package libssl_test

import (
	"bytes"
	"errors"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// framed is shaped like net/http's connReader and x/net/http2's framer: a
// small byte array that is a field of a struct which also holds pointers.
// cgo's dynamic check scans the whole heap object behind an unsafe.Pointer
// argument, so passing &f.buf[0] as a void* panicked with "Go pointer to
// unpinned Go pointer"; the buffer itself holds no pointers and is legal.
type framed struct {
	next *framed
	name *string
	buf  [1]byte
	big  [64]byte
	tail []byte
}

func newFramed() *framed {
	s := "held"
	f := &framed{name: &s}
	f.next = f
	f.tail = make([]byte, 8)
	return f
}

// TestBuffersInsidePointerStructs passes such buffers to SSL.Write, SSL.Read,
// SSL.Peek, BIO.Write and BIO.Read, one byte long and longer. It runs under
// the default cgo check (and GOEXPERIMENT=cgocheck2 in make test).
func TestBuffersInsidePointerStructs(t *testing.T) {
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	sctx := serverCtx(t, ctxOpts{})
	defer sctx.Free()
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Handshake())

	out := newFramed()
	copy(out.big[:], "a record from a struct field")
	out.buf[0] = '!'
	if n, err := p.Client.Write(out.buf[:]); n != 1 || err != nil {
		t.Fatalf("SSL_write of a 1-byte field: %d, %v", n, err)
	}
	if n, err := p.Client.Write(out.big[:28]); n != 28 || err != nil {
		t.Fatalf("SSL_write of a 64-byte field: %d, %v", n, err)
	}
	if _, err := p.Pump(); err != nil {
		t.Fatal(err)
	}

	in := newFramed()
	var got []byte
	// Peek at one byte, then read the rest one byte at a time into the
	// 1-byte field, as net/http's background read does.
	if n, err := p.Server.Peek(in.buf[:]); n != 1 || err != nil || in.buf[0] != '!' {
		t.Fatalf("SSL_peek into a 1-byte field: %d, %v, %q", n, err, in.buf[:])
	}
	for len(got) < 29 {
		n, err := p.Server.Read(in.buf[:])
		if err != nil {
			t.Fatalf("SSL_read into a 1-byte field after %d bytes: %v", len(got), err)
		}
		got = append(got, in.buf[:n]...)
	}
	if want := "!" + string(out.big[:28]); string(got) != want {
		t.Fatalf("read %q, want %q", got, want)
	}

	// The BIO layer: a memory BIO written from and read into struct fields.
	b, err := libssl.NewMemBIO()
	check(t, err)
	defer b.Free()
	if n, err := b.Write(out.big[:]); n != 64 || err != nil {
		t.Fatalf("BIO_write of a struct field: %d, %v", n, err)
	}
	var back bytes.Buffer
	for back.Len() < 64 {
		n, err := b.Read(in.buf[:])
		if err != nil {
			t.Fatalf("BIO_read into a 1-byte field: %v", err)
		}
		back.Write(in.buf[:n])
	}
	if !bytes.Equal(back.Bytes(), out.big[:]) {
		t.Fatalf("BIO round trip changed the bytes")
	}
	if _, err := b.Read(in.big[:]); !errors.Is(err, libssl.ErrWantRead) {
		t.Fatalf("empty BIO read: %v, want ErrWantRead", err)
	}
}
