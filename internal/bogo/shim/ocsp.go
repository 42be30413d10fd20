package main

// OCSP stapling: the server's status callback staples -ocsp-response, the
// client asks with -enable-ocsp-stapling. With -use-ocsp-callback the
// status callback (SSL_CTX_set_tlsext_status_cb) also decides: a server's
// declines (-decline-ocsp-callback: nothing stapled) or fails the
// handshake (-fail-ocsp-callback); a client's accepts what it got or, with
// -fail-ocsp-callback, rejects it (libssl then sends
// bad_certificate_status_response), also when nothing was stapled.

import libssl "github.com/libssl-go/libssl"

// setOCSP installs the status callback the flags ask for, and makes a
// client with -enable-ocsp-stapling ask for a status
// (SSL_CTX_set_tlsext_status_type).
func setOCSP(ctx *libssl.Ctx, c *config) error {
	if c.server {
		if c.ocspResponse == "" && !c.useOCSPCallback {
			return nil
		}
		resp := []byte(c.ocspResponse)
		fail, decline := c.useOCSPCallback && c.failOCSPCallback, c.useOCSPCallback && c.declineOCSPCallback
		return ctx.SetStatusCallback(func(s *libssl.SSL) int {
			switch {
			case fail:
				return libssl.StatusServerAlertFatal
			case decline || len(resp) == 0:
				return libssl.StatusServerNoAck
			}
			if err := s.SetOCSPResponse(resp); err != nil {
				return libssl.StatusServerAlertFatal
			}
			return libssl.StatusServerOK
		})
	}
	if c.useOCSPCallback {
		reject := c.failOCSPCallback
		if err := ctx.SetStatusCallback(func(*libssl.SSL) int {
			if reject {
				return libssl.StatusClientReject
			}
			return libssl.StatusClientAccept
		}); err != nil {
			return err
		}
	}
	if c.enableOCSPStapling {
		return ctx.SetStatusTypeOCSP()
	}
	return nil
}
