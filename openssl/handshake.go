package openssl

// The handshake: running it once (also under a context), sending what
// each step makes, and completing it under the resumption policy: a
// resumed session is held to the Config's verification and ClientAuth.

import (
	"context"
	"errors"
	"fmt"

	libssl "github.com/libssl-go/libssl"
)

// acceptAnyChain is the verify callback of RequestClientCert and
// RequireAnyClientCert: the chain is recorded, not judged.
func acceptAnyChain(bool, *libssl.VerifyContext) bool { return true }

// Handshake runs the handshake if it has not run yet. Read and Write call it.
func (c *Conn) Handshake() error {
	return c.HandshakeContext(context.Background())
}

// HandshakeContext is Handshake bounded by ctx, with crypto/tls's semantics:
// when ctx is done before the handshake has completed, also while another
// goroutine is running the handshake, it closes the transport (which ends
// that other goroutine's handshake too) and returns ctx.Err() without
// waiting. If ctx ends just as the handshake completes, the transport is
// closed and ctx.Err() is returned as well: a nil result always means a
// usable connection.
func (c *Conn) HandshakeContext(ctx context.Context) (ret error) {
	if c.handshakeDone.Load() {
		return nil
	}
	if ctx.Done() != nil {
		done := make(chan struct{})
		interrupted := make(chan error, 1)
		go func() {
			select {
			case <-ctx.Done():
				_ = c.conn.Close()
				interrupted <- ctx.Err()
			case <-done:
				interrupted <- nil
			}
		}()
		defer func() {
			close(done)
			if err := <-interrupted; err != nil {
				ret = err
			}
		}()
	}
	select {
	case c.handshakeMu <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.handshakeMu }()
	if c.handshakeErr != nil {
		return c.handshakeErr
	}
	if c.handshakeDone.Load() {
		return nil
	}
	finished := false
	defer func() {
		if !finished {
			// A Config hook panicked (the panic goes on to the caller):
			// the handshake is over, and a later call must not run it again.
			c.handshakeErr = errHookPanicked
			c.fail("handshake", errHookPanicked)
		}
	}()
	err := c.handshake()
	finished = true
	if err != nil {
		c.handshakeErr = err
		if !isTimeout(err) {
			c.fail("handshake", err)
		}
		return err
	}
	c.handshakeDone.Store(true)
	return nil
}

// handshake runs the handshake's steps, sending what each makes and
// reading the transport when libssl wants the peer's records.
func (c *Conn) handshake() error {
	if c.sock.raw != nil {
		return c.handshakeSocket()
	}
	for {
		var err error
		held := false
		if serr := c.withSSL(func(s *libssl.SSL) error {
			err = s.Handshake()
			held = err == nil && c.holdsTickets(s)
			return nil
		}); serr != nil {
			return serr
		}
		if held {
			c.holdTickets()
			return c.completeHandshake()
		}
		if err != nil && !errors.Is(err, libssl.ErrWantRead) && !errors.Is(err, libssl.ErrWantWrite) {
			// The failure is recorded before the alert goes out, so that a
			// transport that refuses the alert cannot take its place.
			herr := c.handshakeFailure(err)
			c.fail("handshake", herr)
			_ = c.flush()
			return herr
		}
		// Whatever the step made goes out.
		if ferr := c.flush(); ferr != nil {
			if err == nil || errors.Is(err, libssl.ErrWantRead) {
				return ferr
			}
		}
		switch {
		case err == nil:
			return c.completeHandshake()
		case errors.Is(err, libssl.ErrWantRead):
			if err := c.fill(); err != nil {
				return err
			}
		case errors.Is(err, libssl.ErrWantWrite):
			// A memory BIO never refuses a write; the flush above drained it.
		default:
			return c.handshakeFailure(err)
		}
	}
}

// handshakeFailure turns a failed verification into a
// CertificateVerificationError.
func (c *Conn) handshakeFailure(err error) error {
	if herr := c.hookFailure(err); herr != nil {
		return herr
	}
	if eerr := c.echFailure(err); eerr != nil {
		return eerr
	}
	v := libssl.VerifyOK
	_ = c.withSSL(func(s *libssl.SSL) error { v = s.VerifyResult(); return nil })
	if v != libssl.VerifyOK && (c.isClient && !c.config.InsecureSkipVerify || !c.isClient && c.config.ClientAuth != NoClientCert) {
		return &CertificateVerificationError{VerifyResult: v, Reason: libssl.VerifyResultString(v), Err: err}
	}
	if errors.Is(err, libssl.ErrUnexpectedEOF) {
		return fmt.Errorf("openssl: handshake: connection closed by peer: %w", err)
	}
	return fmt.Errorf("openssl: handshake: %w", err)
}

// completeHandshake records the completed handshake's state, holds a
// resumption to the Config's policy, runs VerifyConnection if it has not
// run, and stores the client's session.
func (c *Conn) completeHandshake() error {
	return c.withSSL(func(s *libssl.SSL) error {
		c.state = ConnectionState{
			Version:            uint16(s.Version()),
			HandshakeComplete:  true,
			DidResume:          s.SessionReused(),
			CipherSuite:        s.CurrentCipherID(),
			CipherName:         s.CurrentCipher(),
			NegotiatedProtocol: s.ALPNSelected(),
			ServerName:         s.ServerName(),
			VerifyResult:       s.VerifyResult(),
			SessionRefused:     c.refused,
			ECHAccepted:        echAccepted(s),
		}
		if err := c.checkResumptionLocked(s); err != nil {
			c.state = ConnectionState{}
			return err
		}
		if err := c.checkNetHTTPSelected(c.state.NegotiatedProtocol); err != nil {
			c.state = ConnectionState{}
			return err
		}
		c.fillPSKStateLocked(s)
		chain, err := s.PeerCertChainDER()
		if err != nil {
			return err
		}
		if !c.isClient {
			// libssl's server-side chain leaves out the client's leaf.
			if leaf := s.PeerCertificate(); leaf != nil {
				der, err := leaf.DER()
				leaf.Free()
				if err != nil {
					return err
				}
				chain = append([][]byte{der}, chain...)
			}
		}
		c.peerDER = chain
		if err := c.fillStateAndVerifyConnectionLocked(s); err != nil {
			return err
		}
		c.storeSessionLocked(s)
		return nil
	})
}

// checkResumptionLocked holds a resumed session to this Config's policy;
// the caller is in withSSL.
func (c *Conn) checkResumptionLocked(s *libssl.SSL) error {
	if !c.state.DidResume {
		return nil
	}
	v := c.state.VerifyResult
	if c.isClient {
		if c.config.InsecureSkipVerify || c.config.Ctx != nil || v == libssl.VerifyOK {
			return nil
		}
		// libssl does not verify again on resumption; it copies the
		// session's result. SetSession and the cache check refuse such
		// sessions; this is the last guard.
		return &CertificateVerificationError{VerifyResult: v, Reason: libssl.VerifyResultString(v),
			Err: errors.New("openssl: the resumed session's server was not verified")}
	}
	// libssl asks nothing of a resuming client: hold the session to this
	// Config's ClientAuth (a Ctx shared by Configs with different policies
	// would otherwise let a session made without a certificate in).
	hasCert := false
	if leaf := s.PeerCertificate(); leaf != nil {
		hasCert = true
		leaf.Free()
	}
	a := c.config.ClientAuth
	if (a == RequireAnyClientCert || a == RequireAndVerifyClientCert) && !hasCert {
		return errors.New("openssl: handshake: the resumed session has no client certificate and Config.ClientAuth requires one")
	}
	if a.verifies() && hasCert && v != libssl.VerifyOK {
		return &CertificateVerificationError{VerifyResult: v, Reason: libssl.VerifyResultString(v),
			Err: errors.New("openssl: the resumed session's client certificate was not verified")}
	}
	return nil
}
