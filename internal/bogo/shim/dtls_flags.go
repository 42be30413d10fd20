package main

// The flags of the DTLS path (dtls.go): -dtls selects it, -mtu sets the
// path MTU libssl writes datagrams to, -srtp-profiles the DTLS-SRTP
// profiles (set on the context in TLS too, where libssl, like BoringSSL,
// should ignore them).

// dtlsConfig is the DTLS part of a connection's setting.
type dtlsConfig struct {
	// on: the connection is DTLS (-dtls).
	on bool
	// mtu: the path MTU (-mtu; SSL_set_mtu with SSL_OP_NO_QUERY_MTU), 0
	// for the datagram BIO's default.
	mtu int
	// srtpProfiles: the DTLS-SRTP profiles offered or accepted
	// (-srtp-profiles; SSL_CTX_set_tlsext_use_srtp).
	srtpProfiles string
}

func init() {
	flags["-dtls"] = boolF(func(c *config) *bool { return &c.dtls.on })
	flags["-mtu"] = intF(func(c *config) *int { return &c.dtls.mtu })
	flags["-srtp-profiles"] = strF(func(c *config) *string { return &c.dtls.srtpProfiles })
}
