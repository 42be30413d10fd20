package openssl_test

import (
	"fmt"

	"github.com/libssl-go/libssl/openssl"
)

// A server and a client that share a TLS 1.3 external pre-shared key and
// no certificate at all: the key authenticates both sides. The server
// accepts any of its PreSharedKeys by identity; OpenSSLState reports which
// one the handshake used. `openssl s_server -psk HEX -psk_identity ID
// -nocert` and `openssl s_client -psk HEX -psk_identity ID` are peers of
// the same kind.
func ExampleConfig_preSharedKeys() {
	psk := openssl.PreSharedKey{
		Identity: []byte("sensor-17"),
		Key:      []byte("a 32-byte secret shared offline!"), // TLS_AES_128_GCM_SHA256: SHA-256
	}
	srvCfg := &openssl.Config{PreSharedKeys: []openssl.PreSharedKey{psk}}
	defer srvCfg.Free()
	ln, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go serve(ln, func(c *openssl.Conn, line string) string {
		return fmt.Sprintf("hello %s, you used %q", line, c.OpenSSLState().PSKIdentity)
	})

	// ServerName names the server should it answer with a certificate
	// instead (one that does not know the identity and has one).
	cliCfg := &openssl.Config{ServerName: "localhost", PreSharedKeys: []openssl.PreSharedKey{psk}}
	defer cliCfg.Free()
	c, err := openssl.Dial("tcp", ln.Addr().String(), cliCfg)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(ask(c, "client"))
	st := c.OpenSSLState()
	fmt.Println(st.DidUsePSK, string(st.PSKIdentity), len(st.PeerCertificates))
	// Output:
	// hello client, you used "sensor-17"
	// true sensor-17 0
}
