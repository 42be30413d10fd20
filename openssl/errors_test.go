package openssl

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// tamperConn flips the last byte of the next transport read or write once
// armed: a record whose tag no longer matches.
type tamperConn struct {
	net.Conn
	mu            sync.Mutex
	flipIn, flipO bool
}

func (t *tamperConn) Read(b []byte) (int, error) {
	n, err := t.Conn.Read(b)
	t.mu.Lock()
	if t.flipIn && n > 5 {
		b[n-1] ^= 0x01
		t.flipIn = false
	}
	t.mu.Unlock()
	return n, err
}

func (t *tamperConn) Write(b []byte) (int, error) {
	t.mu.Lock()
	if t.flipO && len(b) > 5 {
		b = append([]byte(nil), b...)
		b[len(b)-1] ^= 0x01
		t.flipO = false
	}
	t.mu.Unlock()
	return t.Conn.Write(b)
}

// Errors stay true: once a connection has failed, every later
// Read, Write and Close returns that first failure (errors.Is finds it),
// and errors.Is(err, libssl.ErrUnexpectedEOF) holds for truncation only.
func TestErrorsStayTrue(t *testing.T) {
	cases := []struct {
		name  string
		cause func(t *testing.T, x *Conn, tc *tamperConn, p *Conn)
		text  string // in the first error
	}{
		{"bad record MAC", func(t *testing.T, x *Conn, tc *tamperConn, p *Conn) {
			tc.mu.Lock()
			tc.flipIn = true
			tc.mu.Unlock()
			if _, err := p.Write([]byte("data")); err != nil {
				t.Fatal(err)
			}
		}, "bad record mac"},
		{"fatal alert", func(t *testing.T, x *Conn, tc *tamperConn, p *Conn) {
			tc.mu.Lock()
			tc.flipO = true
			tc.mu.Unlock()
			if _, err := x.Write([]byte("data")); err != nil {
				t.Fatal(err)
			}
			if _, err := readFull(p, 4); err == nil {
				t.Fatal("the peer read a tampered record")
			}
		}, "alert"},
		{"TCP reset", func(t *testing.T, x *Conn, tc *tamperConn, p *Conn) {
			raw := p.NetConn().(*net.TCPConn)
			_ = raw.SetLinger(0)
			raw.Close()
		}, "reset"},
		{"plaintext after the handshake", func(t *testing.T, x *Conn, tc *tamperConn, p *Conn) {
			if _, err := p.NetConn().Write([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
		}, "openssl: read:"},
		{"truncation", func(t *testing.T, x *Conn, tc *tamperConn, p *Conn) {
			p.NetConn().Close()
		}, "close_notify"},
	}
	for _, ver := range versions {
		for _, role := range []string{"client", "server"} {
			for _, cs := range cases {
				t.Run(ver.name+"/"+role+"/"+cs.name, func(t *testing.T) {
					scfg, ccfg := serverConfig(ver.v), clientConfig(ver.v)
					ccfg.ClientSessionCache = nil
					defer scfg.Free()
					defer ccfg.Free()
					l := listenLoopback(t)
					acc := make(chan net.Conn, 1)
					go func() {
						c, err := l.Accept()
						if err == nil {
							acc <- c
						}
					}()
					craw, err := net.Dial("tcp", l.Addr().String())
					if err != nil {
						t.Fatal(err)
					}
					sraw := <-acc
					var x, p *Conn
					var tc *tamperConn
					if role == "client" {
						tc = &tamperConn{Conn: craw}
						x, _ = Client(tc, ccfg)
						p, _ = Server(sraw, scfg)
					} else {
						tc = &tamperConn{Conn: sraw}
						x, _ = Server(tc, scfg)
						p, _ = Client(craw, ccfg)
					}
					defer p.Close()
					deadline(x)
					deadline(p)
					// Handshake and one exchange each way.
					done := make(chan error, 1)
					go func() {
						_, err := readFull(p, 1)
						if err == nil {
							_, err = p.Write([]byte("b"))
						}
						done <- err
					}()
					if _, err := x.Write([]byte("a")); err != nil {
						t.Fatal(err)
					}
					if _, err := readFull(x, 1); err != nil {
						t.Fatal(err)
					}
					if err := <-done; err != nil {
						t.Fatal(err)
					}
					cs.cause(t, x, tc, p)
					_, e1 := x.Read(make([]byte, 8))
					if e1 == nil || !strings.Contains(e1.Error(), cs.text) {
						t.Fatalf("first Read: %v, want an error mentioning %q", e1, cs.text)
					}
					_, e2 := x.Read(make([]byte, 8))
					_, e3 := x.Write([]byte("more"))
					e4 := x.Close()
					trunc := cs.name == "truncation"
					for i, e := range []error{e1, e2, e3, e4} {
						if e == nil || !errors.Is(e, e1) {
							t.Errorf("call %d after the failure: %v, want the first failure (%v)", i+1, e, e1)
						}
						if errors.Is(e, libssl.ErrUnexpectedEOF) != trunc {
							t.Errorf("call %d: errors.Is(ErrUnexpectedEOF) = %v for %s: %v", i+1, !trunc, cs.name, e)
						}
					}
				})
			}
		}
	}
}
