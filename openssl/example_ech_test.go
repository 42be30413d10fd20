package openssl_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
	"github.com/libssl-go/libssl/openssl"
)

// exampleECHKey makes an RFC 9849 ECHConfig (version 0xfe0d, X25519,
// HKDF-SHA256, AES-128-GCM) for publicName with a fresh key, as
// crypto/tls's EncryptedClientHelloKey, and the ECHConfigList a client
// gets (from a DNS HTTPS record, say).
func exampleECHKey(publicName string) (tls.EncryptedClientHelloKey, []byte) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	body := []byte{1, 0x00, 0x20} // config_id, kem_id
	body = binary.BigEndian.AppendUint16(body, 32)
	body = append(body, k.PublicKey().Bytes()...)
	body = append(body, 0, 4, 0, 1, 0, 1) // cipher_suites: HKDF-SHA256, AES-128-GCM
	body = append(body, 0, byte(len(publicName)))
	body = append(body, publicName...)
	body = append(body, 0, 0) // extensions
	cfg := binary.BigEndian.AppendUint16([]byte{0xfe, 0x0d}, uint16(len(body)))
	cfg = append(cfg, body...)
	list := binary.BigEndian.AppendUint16(nil, uint16(len(cfg)))
	return tls.EncryptedClientHelloKey{Config: cfg, PrivateKey: k.Bytes(), SendAsRetry: true}, append(list, cfg...)
}

// A server with Encrypted Client Hello keys, in crypto/tls's type, and a
// crypto/tls client that encrypts its ClientHello to them: the server name
// the client asks for travels encrypted, the outer ClientHello shows only
// the config's public name. The same key and list configure a crypto/tls
// server and an openssl client (Config.EncryptedClientHelloConfigList).
// ECH needs OpenSSL 4.0: on older versions the server's Config is an error
// matching libssl.ErrUnsupported, and the program serves without ECH.
func ExampleConfig_encryptedClientHello() {
	tc := testcerts.Get()
	key, list := exampleECHKey("public.example")
	srvCfg := &openssl.Config{
		Certificates:             []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}},
		EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{key},
	}
	defer srvCfg.Free()
	ln, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if errors.Is(err, libssl.ErrUnsupported) { // before OpenSSL 4.0
		srvCfg = &openssl.Config{Certificates: srvCfg.Certificates}
		defer srvCfg.Free()
		ln, err = openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
		list = nil
	}
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go serve(ln, func(c *openssl.Conn, line string) string {
		st := c.OpenSSLState()
		return fmt.Sprintf("hello %s, you asked for %s", line, st.ServerName)
	})

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(tc.CACert)
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
		RootCAs: roots, ServerName: "localhost", EncryptedClientHelloConfigList: list,
	})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Fprintln(c, "crypto/tls")
	line := make([]byte, 128)
	n, _ := c.Read(line)
	fmt.Print(string(line[:n]))
	// Where the libssl has ECH, the client's ClientHello was encrypted.
	fmt.Println("ECH accepted where libssl has it:", c.ConnectionState().ECHAccepted == libssl.ECHBuilt())
	// Output:
	// hello crypto/tls, you asked for localhost
	// ECH accepted where libssl has it: true
}
