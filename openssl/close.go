package openssl

// Closing: Close, CloseWrite and close_notify, and the count of Writes in
// flight that Close takes into account.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// defaultCloseBound is how long Close waits for Writes in flight and for
// close_notify to reach the transport: crypto/tls's bound on its
// close_notify write.
const defaultCloseBound = 5 * time.Second

// closeBoundNanos, when positive, replaces defaultCloseBound (tests shorten
// it).
var closeBoundNanos atomic.Int64

func closeBound() time.Duration {
	if d := closeBoundNanos.Load(); d > 0 {
		return time.Duration(d)
	}
	return defaultCloseBound
}

// closeWaiter is what a Close that found Writes in flight waits on. It is
// put in Conn.closeWaiter before Close marks activeCall, so that the last
// Write to leave finds it: that Write takes it out and closes done. A Close
// that gives up waiting takes it out itself, and the last Write then frees
// the SSL; whichever of the two takes it out decides, so that exactly one
// of them frees.
type closeWaiter struct{ done chan struct{} }

// enterWrite counts a Write in, unless Close has begun.
func (c *Conn) enterWrite() bool {
	for {
		x := c.activeCall.Load()
		if x&1 != 0 {
			return false
		}
		if c.activeCall.CompareAndSwap(x, x+2) {
			return true
		}
	}
}

// leaveWrite counts a Write out. The last Write to leave after Close began
// wakes that Close, or frees the SSL when Close gave up waiting.
func (c *Conn) leaveWrite() {
	if c.activeCall.Add(-2) != 1 {
		return
	}
	if w := c.closeWaiter.Swap(nil); w != nil {
		close(w.done)
		return
	}
	c.release()
}

// beginClose marks the Conn closed, so that no Write enters any more. It
// returns false when another Close has begun, and the waiter to wait on
// when Writes were in flight.
func (c *Conn) beginClose() (w *closeWaiter, ok bool) {
	for {
		x := c.activeCall.Load()
		if x&1 != 0 {
			return nil, false
		}
		if x != 0 && w == nil {
			// Put before activeCall's mark, for the Writes that see it. A
			// concurrent Close may have put its own: both use that one.
			c.closeWaiter.CompareAndSwap(nil, &closeWaiter{done: make(chan struct{})})
			w = c.closeWaiter.Load()
		}
		if c.activeCall.CompareAndSwap(x, x|1) {
			if x == 0 {
				w = nil
			}
			return w, true
		}
	}
}

// awaitWrites waits until the Writes in flight have left, or gives up at
// end. A Write blocked on the transport meets a write deadline at end; one
// blocked elsewhere (a renegotiation waiting for the peer, a transport
// that ignores deadlines) makes Close give up. It reports whether the
// Writes left, in which case the SSL is Close's to free; else the last
// Write frees it.
func (c *Conn) awaitWrites(w *closeWaiter, end time.Time) bool {
	_ = c.conn.SetWriteDeadline(end)
	t := time.NewTimer(time.Until(end))
	defer t.Stop()
	select {
	case <-w.done:
		return true
	case <-t.C:
		return !c.closeWaiter.CompareAndSwap(w, nil)
	}
}

// closeNotify sends close_notify once (SSL_shutdown), its transport write
// bounded by deadline.
func (c *Conn) closeNotify(deadline time.Time) error {
	c.out.Lock()
	defer c.unlockOut()
	if c.closeNotifySent.Load() {
		return c.closeNotifyErr
	}
	c.closeNotifySent.Store(true)
	err := c.withSSL(c.shutdownLocked)
	if err == nil {
		_ = c.conn.SetWriteDeadline(deadline)
		err = c.flushLocked()
		_ = c.conn.SetWriteDeadline(time.Now())
	}
	c.closeNotifyErr = err
	return err
}

// CloseWrite sends close_notify (SSL_shutdown): the peer reads io.EOF, and
// this side can still Read. It does not close the transport. The transport
// write is bounded by 5 s, as crypto/tls bounds it. As with crypto/tls, it
// must follow the handshake.
func (c *Conn) CloseWrite() error {
	if !c.handshakeDone.Load() {
		return errors.New("openssl: CloseWrite before the handshake completed")
	}
	return c.closeNotify(time.Now().Add(closeBound()))
}

// Close sends close_notify (SSL_shutdown) after a completed handshake, so
// that the session stays resumable and the peer reads io.EOF, then closes
// the transport and frees the SSL (SSL_free). A second Close returns
// net.ErrClosed, and so does a Write that begins after Close.
//
// Close is bounded by 5 s, as crypto/tls's Close is. A Close during a Write
// after the handshake waits for that Write to end: the transport's write
// deadline is set to the bound, so a Write blocked on a peer that does not
// read ends with a timeout there. The close_notify that follows must reach
// the transport within the same bound. When a Write is still in flight at
// the bound (blocked on something other than a transport write, such as a
// renegotiation waiting for the peer), Close closes the transport without
// close_notify, the Write ends with an error and frees the SSL, and Close
// returns an error matching os.ErrDeadlineExceeded, as it does when
// close_notify could not be written in time. A Close during a Write that is
// still running the handshake, or on a connection that has failed, closes
// the transport at once, as crypto/tls does: there is no session to keep
// and no close_notify to send. A Read blocked on the transport ends when
// Close closes it. Close holds no lock of the Conn while it waits.
//
// On a connection that failed earlier, Close sends nothing and returns the
// failure (a *FailedError).
func (c *Conn) Close() error {
	bound := closeBound()
	end := time.Now().Add(bound)
	w, ok := c.beginClose()
	if !ok {
		return net.ErrClosed
	}
	if w != nil {
		// Writes are in flight. Nothing is worth waiting for before the
		// handshake has completed (no session yet) or once the connection
		// has failed (no close_notify to send): close the transport at
		// once, which ends the Writes, and the last one frees the SSL.
		ferr := c.failed("close")
		if !c.handshakeDone.Load() || ferr != nil {
			if c.closeWaiter.CompareAndSwap(w, nil) {
				err := c.conn.Close()
				if ferr != nil {
					return ferr
				}
				return err
			}
			// The Writes left meanwhile: close as if none had run.
		} else if !c.awaitWrites(w, end) {
			err := c.conn.Close()
			if err == nil {
				err = fmt.Errorf("openssl: close_notify not sent: a Write in flight did not end within %v (the connection was closed anyway): %w",
					bound, os.ErrDeadlineExceeded)
			}
			return err
		}
	}
	if ferr := c.failed("close"); ferr != nil {
		// No close_notify on a failed connection (libssl would refuse it
		// with a misleading reason): report the failure. Its alert, sent
		// when it failed, must not be overtaken by a reset.
		c.discardUnread()
		_ = c.conn.Close()
		c.release()
		return ferr
	}
	var alertErr error
	if c.handshakeDone.Load() {
		alertErr = c.closeNotify(end)
	}
	c.discardUnread()
	err := c.conn.Close()
	c.release()
	if alertErr != nil && !errors.Is(alertErr, net.ErrClosed) {
		return fmt.Errorf("openssl: failed to send close_notify (the connection was closed anyway): %w", alertErr)
	}
	return err
}
