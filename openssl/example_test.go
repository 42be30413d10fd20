package openssl_test

import (
	"bufio"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/libssl-go/libssl/internal/testcerts"
	"github.com/libssl-go/libssl/openssl"
)

// serve accepts connections on l and answers each line a client sends
// with what handle returns for the connection, until l is closed.
func serve(l net.Listener, handle func(c *openssl.Conn, line string) string) {
	for {
		nc, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer nc.Close()
			c := nc.(*openssl.Conn)
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				return
			}
			fmt.Fprintln(c, handle(c, strings.TrimSpace(line)))
		}()
	}
}

func ask(c *openssl.Conn, q string) string {
	fmt.Fprintln(c, q)
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// A server and a client: Listen serves TLS on a TCP listener, Dial connects
// and verifies the server's certificate against RootCAs and the host name.
func ExampleDial() {
	tc := testcerts.Get() // in a program: your certificate, key and CA
	srvCfg := &openssl.Config{Certificates: []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}}}
	defer srvCfg.Free()
	l, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		panic(err)
	}
	defer l.Close()
	go serve(l, func(c *openssl.Conn, line string) string { return "hello, " + line })

	cliCfg := &openssl.Config{RootCAs: tc.CACert, ServerName: "localhost"}
	defer cliCfg.Free()
	c, err := openssl.Dial("tcp", l.Addr().String(), cliCfg)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(ask(c, "client"))
	st := c.OpenSSLState()
	fmt.Println("TLS 1.3:", st.Version == openssl.VersionTLS13, "verified chain length:", len(st.VerifiedChains[0]))
	// Output:
	// hello, client
	// TLS 1.3: true verified chain length: 2
}

// Mutual TLS: the server requires a client certificate that verifies
// against ClientCAs; the client sends its own from Certificates.
func ExampleConfig_mutualTLS() {
	tc := testcerts.Get()
	srvCfg := &openssl.Config{
		Certificates: []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}},
		ClientAuth:   openssl.RequireAndVerifyClientCert,
		ClientCAs:    tc.CACert,
	}
	defer srvCfg.Free()
	l, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		panic(err)
	}
	defer l.Close()
	go serve(l, func(c *openssl.Conn, _ string) string {
		peer, _ := c.PeerCertificate()
		return "client certificate for " + peer.Subject.CommonName
	})

	cliCfg := &openssl.Config{
		RootCAs: tc.CACert, ServerName: "localhost",
		Certificates: []openssl.Certificate{{CertPEM: tc.OtherCert, KeyPEM: tc.OtherKey}},
	}
	defer cliCfg.Free()
	c, err := openssl.Dial("tcp", l.Addr().String(), cliCfg)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(ask(c, "who am I?"))
	// Output:
	// client certificate for other.example
}

// Saving a session as DER (GetSession) and resuming it in a later
// connection (DialSession), as a client that stores sessions on disk does.
func ExampleDialSession() {
	tc := testcerts.Get()
	srvCfg := &openssl.Config{Certificates: []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}}}
	defer srvCfg.Free()
	l, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		panic(err)
	}
	defer l.Close()
	go serve(l, func(c *openssl.Conn, line string) string { return line })

	cliCfg := &openssl.Config{RootCAs: tc.CACert, ServerName: "localhost"}
	defer cliCfg.Free()
	c, err := openssl.Dial("tcp", l.Addr().String(), cliCfg)
	if err != nil {
		panic(err)
	}
	ask(c, "first") // reading the reply reads the TLS 1.3 ticket too
	der, err := c.GetSession()
	c.Close()
	if err != nil {
		panic(err)
	}

	c, err = openssl.DialSession("tcp", l.Addr().String(), cliCfg, der)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(ask(c, "second"), "resumed:", c.SessionReused())
	// Output:
	// second resumed: true
}

// SNI: a server with two certificates serves the one whose names match
// the name the client asks for (exact names first, then wildcards; the
// first certificate otherwise).
func ExampleConfig_sni() {
	tc := testcerts.Get()
	srvCfg := &openssl.Config{Certificates: []openssl.Certificate{
		{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey},  // localhost
		{CertPEM: tc.OtherCert, KeyPEM: tc.OtherKey}, // other.example
	}}
	defer srvCfg.Free()
	l, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		panic(err)
	}
	defer l.Close()
	go serve(l, func(c *openssl.Conn, _ string) string { return "asked for " + c.OpenSSLState().ServerName })

	for _, name := range []string{"localhost", "other.example"} {
		cliCfg := &openssl.Config{RootCAs: tc.CACert, ServerName: name}
		c, err := openssl.Dial("tcp", l.Addr().String(), cliCfg)
		if err != nil {
			panic(err)
		}
		peer, _ := c.PeerCertificate()
		fmt.Println(ask(c, "?"), "got", peer.Subject.CommonName)
		c.Close()
		cliCfg.Free()
	}
	// Output:
	// asked for localhost got localhost
	// asked for other.example got other.example
}

// Key logging: the handshake's secrets in the NSS key log format, which
// Wireshark reads to decrypt a capture. Debugging only.
func ExampleConfig_keyLogWriter() {
	tc := testcerts.Get()
	srvCfg := &openssl.Config{Certificates: []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}}}
	defer srvCfg.Free()
	l, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		panic(err)
	}
	defer l.Close()
	go serve(l, func(c *openssl.Conn, line string) string { return line })

	var keylog strings.Builder // in a program: a file named by SSLKEYLOGFILE
	cliCfg := &openssl.Config{RootCAs: tc.CACert, ServerName: "localhost", KeyLogWriter: &keylog}
	defer cliCfg.Free()
	c, err := openssl.Dial("tcp", l.Addr().String(), cliCfg)
	if err != nil {
		panic(err)
	}
	ask(c, "x")
	c.Close()
	var labels []string
	for _, line := range strings.Split(strings.TrimSpace(keylog.String()), "\n") {
		labels = append(labels, strings.Fields(line)[0]) // label, client random, secret
	}
	sort.Strings(labels)
	fmt.Println(strings.Join(labels, "\n"))
	// Output:
	// CLIENT_HANDSHAKE_TRAFFIC_SECRET
	// CLIENT_TRAFFIC_SECRET_0
	// EXPORTER_SECRET
	// SERVER_HANDSHAKE_TRAFFIC_SECRET
	// SERVER_TRAFFIC_SECRET_0
}

// A fleet of servers sharing session ticket keys: a ticket from one
// server resumes on another. Rotate by calling SetSessionTicketKeys again
// with the new key first and the old ones after.
func ExampleConfig_SetSessionTicketKeys() {
	tc := testcerts.Get()
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil { // in a fleet: shared, from a secret store
		panic(err)
	}
	var addrs []string
	for i := 0; i < 2; i++ {
		cfg := &openssl.Config{Certificates: []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}}}
		defer cfg.Free()
		if err := cfg.SetSessionTicketKeys([][32]byte{key}); err != nil {
			panic(err)
		}
		l, err := openssl.Listen("tcp", "127.0.0.1:0", cfg)
		if err != nil {
			panic(err)
		}
		defer l.Close()
		go serve(l, func(c *openssl.Conn, line string) string { return line })
		addrs = append(addrs, l.Addr().String())
	}
	cliCfg := &openssl.Config{RootCAs: tc.CACert, ServerName: "localhost",
		ClientSessionCache: openssl.NewLRUClientSessionCache(4)}
	defer cliCfg.Free()
	for i, addr := range addrs {
		c, err := openssl.Dial("tcp", addr, cliCfg)
		if err != nil {
			panic(err)
		}
		ask(c, "hello")
		fmt.Printf("server %d: resumed %v\n", i+1, c.SessionReused())
		c.Close()
	}
	// Output:
	// server 1: resumed false
	// server 2: resumed true
}

// Certificates and keys as files, as parsed objects, or in PEM.
func ExampleLoadX509KeyPair() {
	tc := testcerts.Get()
	// X509KeyPair checks PEM in memory; LoadX509KeyPair reads files.
	cert, err := openssl.X509KeyPair(tc.LeafChain, tc.LeafKey)
	if err != nil {
		panic(err)
	}
	b, _ := pem.Decode(cert.CertPEM)
	leaf, _ := x509.ParseCertificate(b.Bytes)
	fmt.Println(leaf.Subject.CommonName)
	_, err = openssl.LoadX509KeyPair("/nonexistent/cert.pem", "/nonexistent/key.pem")
	fmt.Println(err != nil)
	// Output:
	// localhost
	// true
}
