package main

// NPN (next protocol negotiation): a server advertises a list
// (SSL_CTX_set_next_protos_advertised_cb), a client picks one
// (SSL_CTX_set_next_proto_select_cb), both read the agreed protocol
// (SSL_get0_next_proto_negotiated).

import (
	"fmt"

	libssl "github.com/libssl-go/libssl"
)

// setNPN sets the context's NPN side: -advertise-npn (a wire-form list) or
// -advertise-empty-npn on a server; -select-next-proto NAME (the client
// picks NAME whatever the server lists: SSL_select_next_proto falls back
// to the client's first protocol) or -select-empty-next-proto on a client.
func setNPN(ctx *libssl.Ctx, c *config) error {
	if c.server {
		switch {
		case c.advertiseEmptyNPN:
			return ctx.SetNextProtosAdvertisedWire(nil)
		case c.advertiseNPN != "":
			return ctx.SetNextProtosAdvertisedWire([]byte(c.advertiseNPN))
		}
		return nil
	}
	switch {
	case c.selectEmptyNextProto:
		return ctx.SetNextProtoSelectWire(nil)
	case c.selectNextProto != "":
		return ctx.SetNextProtoSelect([]string{c.selectNextProto})
	}
	return nil
}

// checkNPN compares the agreed protocol with -expect-next-proto and
// -expect-no-next-proto.
func checkNPN(s *libssl.SSL, c *config) error {
	if c.expectNextProto == "" && !c.expectNoNextProto {
		return nil
	}
	got := s.NextProtoNegotiated()
	if c.expectNoNextProto && got != "" {
		return fmt.Errorf("next protocol %q, want none", got)
	}
	if c.expectNextProto != "" && got != c.expectNextProto {
		return fmt.Errorf("next protocol %q, want %q", got, c.expectNextProto)
	}
	return nil
}
