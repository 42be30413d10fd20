package openssl_test

import (
	"bufio"
	"crypto/tls"
	"fmt"

	"github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
	"github.com/libssl-go/libssl/openssl"
)

// A client that prefers the post-quantum hybrid X25519MLKEM768 and falls
// back to X25519, against a crypto/tls server that has both. With OpenSSL
// 3.5 or later the connection uses the hybrid; an older libssl lacks it,
// so the binding leaves it out of the list (as crypto/tls ignores groups
// it does not know) and the connection uses X25519.
func ExampleConfig_curvePreferences() {
	tc := testcerts.Get()
	cert, err := tls.X509KeyPair(tc.LeafChain, tc.LeafKey)
	if err != nil {
		panic(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates:     []tls.Certificate{cert},
		CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.X25519},
	})
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				fmt.Fprint(c, "hello, "+line)
			}()
		}
	}()

	cfg := &openssl.Config{
		RootCAs:          tc.CACert,
		ServerName:       "localhost",
		CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.X25519},
	}
	defer cfg.Free()
	c, err := openssl.Dial("tcp", ln.Addr().String(), cfg)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Fprintln(c, "libssl")
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(line)

	want := tls.X25519
	if libssl.RuntimeVersion() >= 0x30500000 {
		want = tls.X25519MLKEM768
	}
	fmt.Println("the best group both sides have:", c.OpenSSLState().CurveID == want)
	// Output:
	// hello, libssl
	// the best group both sides have: true
}
