package openssl

// The pump: every use of the SSL (withSSL), and the bytes between the
// memory BIOs and the transport: fill and feed the read BIO, read records
// for Read, flush and send the write BIO's records, hold a TLS 1.3
// server's tickets for the next output.

import (
	"errors"
	"fmt"
	"io"
	"net"

	libssl "github.com/libssl-go/libssl"
)

// withSSL runs f on the SSL under sslMu, or returns net.ErrClosed once the
// SSL has been freed; it is the only place that takes sslMu. The unlock is
// deferred, so that a panic f raises (a Config hook's, which the root
// package raises again on the goroutine of the C call) leaves the SSL to
// Close. f must not do transport I/O.
//
// Lock order (see Conn): handshakeMu, writeMu, in, out, then sslMu last: f
// may take no other lock of the Conn. f is called directly and does not
// escape, so a closure passed here is not allocated.
func (c *Conn) withSSL(f func(*libssl.SSL) error) error {
	c.sslMu.Lock()
	defer c.sslMu.Unlock()
	if c.freed {
		return net.ErrClosed
	}
	return f(c.ssl)
}

// isWantRead reports whether err is libssl's want-read (the identity test
// first: it is what the pump's calls return).
func isWantRead(err error) bool {
	return err == libssl.ErrWantRead || errors.Is(err, libssl.ErrWantRead)
}

// fill reads once from the transport into the read BIO (the handshake's
// pump; Read feeds and reads in one call). At the transport's end it marks
// the BIO's end, so that libssl reports it.
func (c *Conn) fill() error {
	if c.eofSeen {
		return libssl.ErrUnexpectedEOF
	}
	buf := readBufs.Get().(*[inBufSize]byte)
	defer readBufs.Put(buf)
	n, err := c.conn.Read(buf[:])
	if n > 0 || err == io.EOF {
		if werr := c.feed(buf[:n], err == io.EOF); werr != nil {
			return werr
		}
		if err == io.EOF {
			return nil
		}
	}
	return err
}

// feed writes what the transport gave into the read BIO, and marks the
// BIO's end when the transport has ended.
func (c *Conn) feed(in []byte, eof bool) error {
	return c.withSSL(func(*libssl.SSL) error {
		var err error
		if len(in) > 0 {
			_, err = c.rbio.Write(in)
		}
		if eof {
			c.eofSeen = true
			_ = c.rbio.SetEOF()
		}
		return err
	})
}

// transportIn is a Read's buffer for the transport, taken from a pool when
// the Read first waits for the network, and what the last transport read
// put in it, for the next FeedAndRead.
//
// The transport read goes into a small buffer unless the last one filled
// it: a Read that waits on an idle connection then holds 2 KiB, not a
// record's 18 KiB, and bulk transfer reads whole records.
type transportIn struct {
	big   *[inBufSize]byte
	small *[smallInBufSize]byte
	buf   []byte // the buffer the last transport read used
	n     int    // what it put there, not yet fed
	eof   bool   // the transport ended
}

// buffer returns the buffer for the next transport read.
func (in *transportIn) buffer(big bool) []byte {
	if big {
		if in.big == nil {
			in.big = readBufs.Get().(*[inBufSize]byte)
		}
		in.buf = in.big[:]
	} else {
		if in.small == nil {
			in.small = smallReadBufs.Get().(*[smallInBufSize]byte)
		}
		in.buf = in.small[:]
	}
	return in.buf
}

// take returns what is to be fed, and forgets it.
func (in *transportIn) take() (feed []byte, eof bool) {
	if in.n > 0 {
		feed = in.buf[:in.n]
	}
	eof = in.eof
	in.n, in.eof = 0, false
	return feed, eof
}

// release gives the buffers back to their pools.
func (in *transportIn) release() {
	if in.big != nil {
		readBufs.Put(in.big)
	}
	if in.small != nil {
		smallReadBufs.Put(in.small)
	}
}

// readRecord feeds what the transport gave and reads b (one FeedAndRead).
// It returns the bytes read, or needInput when libssl needs the transport's
// next bytes, or the error that ends this Read (sticky in c.in unless the
// SSL was freed); nothing of the three when it must simply be called
// again. The caller holds c.in.
func (c *Conn) readRecord(b []byte, in *transportIn) (n int, needInput bool, _ error) {
	var err error
	pending := false
	if serr := c.withSSL(func(s *libssl.SSL) error {
		feed, eof := in.take()
		if eof {
			c.eofSeen = true
		}
		var outPending int
		n, outPending, err = s.FeedAndRead(feed, eof, b)
		if err != nil && outPending > 0 {
			// Something to send (an alert, a KeyUpdate answer). While a
			// Write is under way the output may be its records: leave them
			// to its flush (which drains the BIO until empty), so that this
			// reader never blocks on the transport for the writer.
			c.wantFlush.Store(true)
			pending = !c.writing
		}
		if c.needPut {
			c.storeSessionLocked(s)
		}
		return nil
	}); serr != nil {
		return 0, false, serr
	}
	if n > 0 {
		return n, false, nil
	}
	switch {
	case err == nil:
		return 0, false, nil // no data and no error: try again
	case isWantRead(err):
		if pending {
			c.tryFlush()
		}
		if c.eofSeen {
			return 0, false, c.in.setError(c.fail("read", fmt.Errorf(msgTruncated, libssl.ErrUnexpectedEOF)))
		}
		return 0, true, nil
	case errors.Is(err, libssl.ErrZeroReturn):
		if pending {
			c.tryFlush()
		}
		return 0, false, c.in.setError(io.EOF)
	case errors.Is(err, libssl.ErrUnexpectedEOF):
		err = fmt.Errorf(msgTruncated, err)
	default:
		err = fmt.Errorf("openssl: read: %w", err)
	}
	// Recorded before the alert libssl queued goes out, so that a
	// transport that refuses the alert cannot take its place.
	err = c.in.setError(c.fail("read", err))
	if pending {
		c.tryFlush()
	}
	return 0, false, err
}

// readTransport reads once from the transport into in, for the next
// readRecord. A timeout can be retried; any other failure stays. The
// caller holds c.in.
func (c *Conn) readTransport(in *transportIn) error {
	buf := in.buffer(c.bigReads)
	m, err := c.conn.Read(buf)
	c.bigReads = m == len(buf) || c.bigReads && m > smallInBufSize
	if err == nil || err == io.EOF {
		in.n, in.eof = m, err == io.EOF
		return nil
	}
	if m > 0 {
		// Data and an error together: keep the data for the next Read
		// before reporting the error.
		if ferr := c.feed(buf[:m], false); ferr != nil {
			err = ferr
		}
	}
	if isTimeout(err) {
		return err
	}
	// A reset or a closed transport stays.
	return c.in.setError(c.fail("read", fmt.Errorf("openssl: read: %w", err)))
}

// flush writes everything the write BIO holds to the transport.
func (c *Conn) flush() error {
	c.out.Lock()
	defer c.unlockOut()
	return c.flushLocked()
}

// tryFlush flushes the write BIO unless another goroutine holds out (its
// holder then flushes: see unlockOut).
func (c *Conn) tryFlush() {
	if !c.out.TryLock() {
		return
	}
	defer c.unlockOut()
	_ = c.flushLocked()
}

// flushLocked drains the write BIO to the transport until it is empty; the
// caller holds out. Output a reader adds meanwhile sets wantFlush, which
// unlockOut serves.
func (c *Conn) flushLocked() error {
	if c.sock.raw != nil {
		return c.flushSocketLocked()
	}
	var buf *[outBufSize]byte
	defer func() {
		if buf != nil {
			writeBufs.Put(buf)
		}
	}()
	for {
		if c.out.err != nil {
			c.wantFlush.Store(false)
			return c.out.err
		}
		d, pend := 0, 0
		if err := c.withSSL(func(s *libssl.SSL) error {
			c.wantFlush.Store(false)
			if buf == nil {
				buf = writeBufs.Get().(*[outBufSize]byte)
			}
			_, d, pend, _ = s.WriteAndDrain(nil, buf[:])
			return nil
		}); err != nil {
			c.wantFlush.Store(false) // freed: nothing is left to send
		}
		if d > 0 {
			if err := c.sendLocked(buf[:d]); err != nil {
				return err
			}
		}
		if pend == 0 {
			return nil
		}
	}
}

// sendLocked writes records to the transport, after a TLS 1.3 server's
// held tickets; the caller holds out. A failed write breaks the
// connection for every later write.
func (c *Conn) sendLocked(out []byte) error {
	if len(c.held) > 0 {
		out = append(c.held, out...)
		c.held = nil
	}
	if _, err := c.conn.Write(out); err != nil {
		// Part of a record may have reached the peer: the stream is lost.
		perr := c.out.setError(&permanentError{err: err})
		if !isTimeout(err) {
			c.fail("write", perr)
		}
		return perr
	}
	return nil
}

// holdsTickets reports whether what s's completing handshake step wrote
// (a TLS 1.3 server's session tickets) waits for the next output: unless
// Config.SendTicketsAtHandshake, when it goes out now, as libssl's own
// socket BIO would send it.
func (c *Conn) holdsTickets(s *libssl.SSL) bool {
	return !c.isClient && !c.config.SendTicketsAtHandshake && s.Version() >= libssl.TLS1_3
}

// holdTickets keeps what a TLS 1.3 server's last handshake step wrote: only
// its session tickets. Sending them now would block the handshake on a peer
// that does not read (net.Pipe), and left unread by a client that only
// writes they make its close a TCP reset that destroys what it sent. They
// go out with this side's next output (data, alert, close_notify) instead.
func (c *Conn) holdTickets() {
	c.out.Lock()
	defer c.out.Unlock()
	_ = c.withSSL(func(s *libssl.SSL) error {
		buf := writeBufs.Get().(*[outBufSize]byte)
		defer writeBufs.Put(buf)
		for {
			_, d, pend, _ := s.WriteAndDrain(nil, buf[:])
			c.held = append(c.held, buf[:d]...)
			if d == 0 || pend == 0 {
				return nil
			}
		}
	})
}

// unlockOut releases out, first flushing output a reader left behind while
// out was busy.
func (c *Conn) unlockOut() {
	for {
		c.out.Unlock()
		if !c.wantFlush.Load() || !c.out.TryLock() {
			return
		}
		_ = c.flushLocked()
	}
}

// writeRecords encrypts chunk and sends its records, in one C call
// (WriteAndDrain) and one transport write. It holds out throughout, so
// that records reach the transport in the order libssl made them. On a
// failed transport write none of chunk counts as written.
func (c *Conn) writeRecords(chunk []byte) (int, error) {
	if c.sock.raw != nil {
		return c.writeSocket(chunk)
	}
	c.out.Lock()
	defer c.unlockOut()
	if c.out.err != nil {
		return 0, c.out.err
	}
	buf := writeBufs.Get().(*[outBufSize]byte)
	defer writeBufs.Put(buf)
	var n, d, pend int
	var err error
	if serr := c.withSSL(func(s *libssl.SSL) error {
		c.writing = true
		c.wantFlush.Store(false) // this drain takes what a reader left too
		n, d, pend, err = s.WriteAndDrain(chunk, buf[:])
		return nil
	}); serr != nil {
		return 0, serr
	}
	if isWantRead(err) {
		return 0, err
	}
	if err != nil {
		_ = c.flushLocked() // the alert libssl queued, if any
		return 0, c.fail("write", fmt.Errorf("openssl: write: %w", err))
	}
	if d > 0 {
		if err := c.sendLocked(buf[:d]); err != nil {
			return 0, err
		}
	}
	if pend > 0 {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// endWrite ends a Write's run of records: output a reader left to this
// Write's flush goes out now.
func (c *Conn) endWrite() {
	_ = c.withSSL(func(*libssl.SSL) error { c.writing = false; return nil })
	if c.wantFlush.Load() {
		_ = c.flush()
	}
}

// awaitRenegotiation serves a Write that met a renegotiation
// (Config.AllowRenegotiation): what libssl made goes out, and the peer's
// records come in, so that the Write can go on.
func (c *Conn) awaitRenegotiation() error {
	if c.sock.raw != nil {
		return c.awaitRenegotiationSocket()
	}
	if err := c.flush(); err != nil {
		return err
	}
	if err := c.fillForWrite(); err != nil {
		if isTimeout(err) {
			return err
		}
		return c.fail("write", err)
	}
	return nil
}

// fillForWrite reads the transport for a Write that met a renegotiation.
// It takes in, so it waits while a Read is under way (that Read moves the
// handshake on); it reads only if libssl is still in the handshake with
// nothing buffered to process.
func (c *Conn) fillForWrite() error {
	c.in.Lock()
	defer c.in.Unlock()
	need := false
	if err := c.withSSL(func(s *libssl.SSL) error {
		need = s.InInit() && c.rbio.Pending() == 0
		return nil
	}); err != nil {
		return err
	}
	if !need {
		return nil
	}
	if err := c.fill(); err != nil {
		if errors.Is(err, libssl.ErrUnexpectedEOF) {
			return fmt.Errorf(msgTruncated, err)
		}
		return err
	}
	return nil
}
