package libssl

// This file: NPN (Next Protocol Negotiation, TLS 1.2 and older), the
// protocols a server advertises and the one a client selects.

/*
#include "shim.h"
*/
import "C"

// encodeProtos turns protocol names into the wire format NPN and ALPN
// share, each name after its length byte; op names the C function for the
// error. The list must not be empty and each name is 1 to 255 bytes long.
func encodeProtos(op string, protos []string) ([]byte, error) {
	if len(protos) == 0 {
		return nil, errInput(op, "an empty protocol list")
	}
	var b []byte
	for _, p := range protos {
		if len(p) == 0 || len(p) > 255 {
			return nil, errInput(op, "a protocol name must be 1 to 255 bytes long")
		}
		b = append(b, byte(len(p)))
		b = append(b, p...)
	}
	return b, nil
}

// checkProtosWire checks a protocol list in the wire format NPN and ALPN
// share: each name 1 to 255 bytes long after its length byte, nothing past
// the last name. An empty list is well formed.
func checkProtosWire(op string, wire []byte) error {
	if len(wire) > 0xFFFF {
		return errInput(op, "a protocol list longer than 65535 bytes")
	}
	for i := 0; i < len(wire); {
		n := int(wire[i])
		if n == 0 {
			return errInput(op, "a protocol name must be 1 to 255 bytes long")
		}
		if i+1+n > len(wire) {
			return errInput(op, "a protocol name's length runs past the end of the list")
		}
		i += 1 + n
	}
	return nil
}

// SetNextProtosAdvertised makes a server advertise protos to clients that
// ask for NPN (SSL_CTX_set_next_protos_advertised_cb with a callback
// written in C). The list is copied into C memory the SSL_CTX owns (an
// ex_data slot released with the context); no Go memory is kept. A
// connection advertises the list of its current context (after
// SSL_set_SSL_CTX, the new one's). An empty list or a name of 0 or more
// than 255 bytes is an error (SetNextProtosAdvertisedWire takes an empty
// list); so is a build without NPN (ErrUnsupported).
// Like every SSL_CTX setting, it must not change while handshakes run.
func (c *Ctx) SetNextProtosAdvertised(protos []string) error {
	const op = "SSL_CTX_set_next_protos_advertised_cb"
	return c.setNPN(op, func() ([]byte, error) { return encodeProtos(op, protos) }, c_ctx_set_npn_advertised)
}

// SetNextProtoSelect makes a client answer a server's NPN advertisement
// (SSL_CTX_set_next_proto_select_cb with a callback written in C that runs
// SSL_select_next_proto): it selects the server's first protocol that is in
// protos, else the first of protos (NPN lets a client choose a protocol the
// server did not list). The list is copied into C memory the SSL_CTX owns;
// no Go memory is kept. Errors as for SetNextProtosAdvertised
// (SetNextProtoSelectWire takes an empty list).
func (c *Ctx) SetNextProtoSelect(protos []string) error {
	const op = "SSL_CTX_set_next_proto_select_cb"
	return c.setNPN(op, func() ([]byte, error) { return encodeProtos(op, protos) }, c_ctx_set_npn_select)
}

// SetNextProtosAdvertisedWire is SetNextProtosAdvertised with the list in
// the wire format (each name after its length byte), as a C program holds
// it; the list may be empty: the server then sends an empty NPN extension,
// as a C callback that returns a list of length 0 does. A malformed wire (a
// name of 0 bytes, a length past the end) is an error; so is a build
// without NPN (ErrUnsupported).
func (c *Ctx) SetNextProtosAdvertisedWire(wire []byte) error {
	const op = "SSL_CTX_set_next_protos_advertised_cb"
	return c.setNPN(op, func() ([]byte, error) { return wire, checkProtosWire(op, wire) }, c_ctx_set_npn_advertised)
}

// SetNextProtoSelectWire is SetNextProtoSelect with the client's list in
// the wire format; the list may be empty: SSL_select_next_proto then runs
// with an empty client list, as in a C callback given one, and libssl
// decides what follows (the handshake fails when nothing was selected).
// Errors as for SetNextProtosAdvertisedWire.
func (c *Ctx) SetNextProtoSelectWire(wire []byte) error {
	const op = "SSL_CTX_set_next_proto_select_cb"
	return c.setNPN(op, func() ([]byte, error) { return wire, checkProtosWire(op, wire) }, c_ctx_set_npn_select)
}

// setNPN is the four NPN list setters: on a live handle of a build with
// NPN, the list that list() gives (in the wire format) is copied into the
// context's C memory by set.
func (c *Ctx) setNPN(op string, list func() ([]byte, error), set func(*C.SSL_CTX, *C.uchar, C.int) error) error {
	return use(c, func(p *C.SSL_CTX) error {
		if !featureNPN.built() {
			return unsupported(op)
		}
		wire, err := list()
		if err != nil {
			return err
		}
		return set(p, bytesPtr(wire), C.int(len(wire)))
	})
}

// NextProtoNegotiated returns the protocol NPN agreed on
// (SSL_get0_next_proto_negotiated, copied), or "" when none was (also on a
// build without NPN and on a freed handle).
func (s *SSL) NextProtoNegotiated() string {
	return get(s, "", func(p *C.SSL) string {
		return string(copyOut(func(buf *C.uchar, cap C.int) C.int { return c_ssl_npn_negotiated(p, buf, cap) }))
	})
}
