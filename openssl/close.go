package openssl

// Closing: Close, CloseWrite and close_notify, and the count of Writes in
// flight that Close takes into account.

import (
	"errors"
	"fmt"
	"net"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// enterWrite counts a Write in, unless Close has run.
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

// leaveWrite counts a Write out, and frees the SSL when Close ran during
// it (that Close only closed the transport).
func (c *Conn) leaveWrite() {
	if c.activeCall.Add(-2) == 1 {
		c.release()
	}
}

// closeNotify sends close_notify once (SSL_shutdown) with a 5 s bound on the
// transport write.
func (c *Conn) closeNotify() error {
	c.out.Lock()
	defer c.unlockOut()
	if c.closeNotifySent.Load() {
		return c.closeNotifyErr
	}
	c.closeNotifySent.Store(true)
	err := c.withSSL(func(s *libssl.SSL) error { _, err := s.Shutdown(); return err })
	if err == nil {
		_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		err = c.flushLocked()
		_ = c.conn.SetWriteDeadline(time.Now())
	}
	c.closeNotifyErr = err
	return err
}

// CloseWrite sends close_notify: the peer reads io.EOF, and this side can
// still Read. It does not close the transport. As with crypto/tls, it must
// follow the handshake.
func (c *Conn) CloseWrite() error {
	if !c.handshakeDone.Load() {
		return errors.New("openssl: CloseWrite before the handshake completed")
	}
	return c.closeNotify()
}

// Close sends close_notify (so that the session stays resumable) after a
// completed handshake, closes the transport and frees the SSL. A Close
// during a Write only closes the transport, which ends the Write.
func (c *Conn) Close() error {
	var x int32
	for {
		x = c.activeCall.Load()
		if x&1 != 0 {
			return net.ErrClosed
		}
		if c.activeCall.CompareAndSwap(x, x|1) {
			break
		}
	}
	if x != 0 {
		return c.conn.Close()
	}
	if ferr := c.failed("close"); ferr != nil {
		// No close_notify on a failed connection (libssl would refuse it
		// with a misleading reason): report the failure.
		_ = c.conn.Close()
		c.release()
		return ferr
	}
	var alertErr error
	if c.handshakeDone.Load() {
		alertErr = c.closeNotify()
	}
	err := c.conn.Close()
	c.release()
	if alertErr != nil && !errors.Is(alertErr, net.ErrClosed) {
		return fmt.Errorf("openssl: failed to send close_notify (the connection was closed anyway): %w", alertErr)
	}
	return err
}
