package main

// Session tickets: -use-ticket-callback gives the server a ticket key
// callback (SSL_CTX_set_tlsext_ticket_key_evp_cb) over a random ticket key
// of the run; with -skip-ticket it declines to encrypt, so no ticket is
// issued.

import (
	"crypto/rand"

	libssl "github.com/libssl-go/libssl"
)

// setTicketCallback installs -use-ticket-callback's callback.
func setTicketCallback(ctx *libssl.Ctx, c *config) error {
	if !c.useTicketCallback {
		return nil
	}
	var key libssl.TicketKey
	for _, b := range [][]byte{key.Name[:], key.AESKey[:], key.HMACKey[:]} {
		if _, err := rand.Read(b); err != nil {
			return err
		}
	}
	if err := ctx.SetTicketKeys([]libssl.TicketKey{key}); err != nil {
		return err
	}
	skip := c.skipTicket
	return ctx.SetTicketKeyCallback(func(_ *libssl.SSL, encrypt bool) libssl.TicketKeyAction {
		if encrypt && skip {
			return libssl.TicketKeyDecline
		}
		return libssl.TicketKeyUseKeys
	})
}
