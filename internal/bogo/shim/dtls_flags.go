package main

// The flags of the DTLS path (dtls.go): -dtls selects it, -mtu sets the
// path MTU libssl writes datagrams to.

// dtlsConfig is the DTLS part of a connection's setting.
type dtlsConfig struct {
	// on: the connection is DTLS (-dtls).
	on bool
	// mtu: the path MTU (-mtu; SSL_set_mtu with SSL_OP_NO_QUERY_MTU), 0
	// for the datagram BIO's default.
	mtu int
}

func init() {
	flags["-dtls"] = boolF(func(c *config) *bool { return &c.dtls.on })
	flags["-mtu"] = intF(func(c *config) *int { return &c.dtls.mtu })
}
