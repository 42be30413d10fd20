package openssl

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// We are the client, crypto/tls the server: full then resumed handshake,
// data both ways, ALPN, clean close in both directions.
func TestClientAgainstGoServer(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			l := listenLoopback(t)
			gcfg := goServerConfig(t, ver.v)
			srvErr := make(chan error, 2)
			go func() {
				for i := 0; i < 2; i++ {
					raw, err := l.Accept()
					if err != nil {
						srvErr <- err
						return
					}
					srvErr <- func() error {
						c := tls.Server(raw, gcfg)
						defer c.Close()
						deadline(c)
						buf, err := readFull(c, 5)
						if err != nil {
							return err
						}
						if _, err := c.Write(append([]byte("echo:"), buf...)); err != nil {
							return err
						}
						// Wait for the client's close_notify.
						if n, err := c.Read(buf); n != 0 || err != io.EOF {
							return errors.New("go server: want io.EOF after client close")
						}
						return nil
					}()
				}
			}()
			cfg := clientConfig(ver.v)
			for i := 0; i < 2; i++ {
				c, err := Dial("tcp", l.Addr().String(), cfg)
				if err != nil {
					t.Fatalf("dial %d: %v", i, err)
				}
				deadline(c)
				if _, err := c.Write([]byte("hello")); err != nil {
					t.Fatal(err)
				}
				got, err := readFull(c, 10)
				if err != nil || string(got) != "echo:hello" {
					t.Fatalf("read %q, %v", got, err)
				}
				st := c.OpenSSLState()
				if st.Version != ver.v || st.NegotiatedProtocol != "h2" || st.DidResume != (i == 1) ||
					len(st.PeerCertificates) != 2 || st.PeerCertificates[0].Subject.CommonName != "localhost" ||
					st.CipherSuite == 0 || st.ServerName != "localhost" || st.VerifyResult != libssl.VerifyOK {
					t.Fatalf("conn %d state: %+v", i, st)
				}
				if tls.CipherSuiteName(st.CipherSuite) == "" {
					t.Fatalf("cipher id %#x unknown to crypto/tls", st.CipherSuite)
				}
				if err := c.Close(); err != nil {
					t.Fatalf("close: %v", err)
				}
				if err := <-srvErr; err != nil {
					t.Fatalf("server %d: %v", i, err)
				}
			}
			cfg.ClientSessionCache.(*LRUClientSessionCache).Clear()
			cfg.Free()
		})
	}
}

// We are the server, crypto/tls the client.
func TestServerAgainstGoClient(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			scfg := serverConfig(ver.v)
			defer scfg.Free()
			l, err := Listen("tcp", "127.0.0.1:0", scfg)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			type result struct {
				st  ConnectionState
				err error
			}
			res := make(chan result, 2)
			go func() {
				for i := 0; i < 2; i++ {
					nc, err := l.Accept()
					if err != nil {
						res <- result{err: err}
						return
					}
					c := nc.(*Conn)
					deadline(c)
					r := result{}
					buf, err := readFull(c, 5)
					if err == nil {
						_, err = c.Write(append([]byte("echo:"), buf...))
					}
					if err == nil {
						r.st = c.OpenSSLState()
						// The client closes first; we read its close_notify.
						var b [1]byte
						if n, e := c.Read(b[:]); n != 0 || e != io.EOF {
							err = errors.New("server: want io.EOF after client close")
						}
					}
					if cerr := c.Close(); err == nil {
						err = cerr
					}
					r.err = err
					res <- r
				}
			}()
			gcfg := goClientConfig(ver.v)
			for i := 0; i < 2; i++ {
				c, err := tls.Dial("tcp", l.Addr().String(), gcfg)
				if err != nil {
					t.Fatalf("go dial %d: %v", i, err)
				}
				deadline(c)
				if _, err := c.Write([]byte("hello")); err != nil {
					t.Fatal(err)
				}
				got, err := readFull(c, 10)
				if err != nil || string(got) != "echo:hello" {
					t.Fatalf("read %q, %v", got, err)
				}
				gst := c.ConnectionState()
				if gst.DidResume != (i == 1) || gst.NegotiatedProtocol != "h2" || gst.Version != ver.v {
					t.Fatalf("go client %d state: resumed=%v alpn=%q version=%#x", i, gst.DidResume, gst.NegotiatedProtocol, gst.Version)
				}
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
				r := <-res
				if r.err != nil {
					t.Fatalf("server %d: %v", i, r.err)
				}
				// libssl's server reports no SNI on a TLS 1.2 resumption unless a
				// servername callback acknowledged it at the full handshake.
				wantSNI := "localhost"
				if i == 1 && ver.v == VersionTLS12 {
					wantSNI = r.st.ServerName
				}
				if r.st.DidResume != (i == 1) || r.st.ServerName != wantSNI || r.st.CipherSuite != gst.CipherSuite {
					t.Fatalf("server %d state: %+v (go cipher %#x)", i, r.st, gst.CipherSuite)
				}
			}
		})
	}
}

// Our client against our server over net.Pipe: concurrent Read and Write of
// a large payload in both directions, session export as DER, CloseWrite.
func TestSelfPipeConcurrentAndDER(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			scfg, ccfg := serverConfig(ver.v), clientConfig(ver.v)
			ccfg.ClientSessionCache = nil
			defer scfg.Free()
			defer ccfg.Free()
			payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<14) // 256 KiB
			var der []byte
			for round := 0; round < 2; round++ {
				a, b := net.Pipe()
				cl, err := Client(a, ccfg)
				if err != nil {
					t.Fatal(err)
				}
				if der != nil {
					s, err := libssl.UnmarshalSessionDER(der)
					if err != nil {
						t.Fatal(err)
					}
					if err := cl.SetSession(s); err != nil {
						t.Fatal(err)
					}
					s.Free()
				}
				sv, err := Server(b, scfg)
				if err != nil {
					t.Fatal(err)
				}
				deadline(cl)
				deadline(sv)
				errs := make(chan error, 4)
				echo := func(c *Conn) {
					// Each side writes the payload and reads the other's at once.
					go func() {
						_, err := c.Write(payload)
						if err == nil {
							err = c.CloseWrite()
						}
						errs <- err
					}()
					go func() {
						got, err := io.ReadAll(c)
						if err == nil && !bytes.Equal(got, payload) {
							err = errors.New("payload mismatch")
						}
						errs <- err
					}()
				}
				echo(cl)
				echo(sv)
				for i := 0; i < 4; i++ {
					if err := <-errs; err != nil {
						t.Fatalf("round %d: %v", round, err)
					}
				}
				if got := cl.ConnectionState().DidResume; got != (round == 1) {
					t.Fatalf("round %d: client resumed=%v", round, got)
				}
				if round == 0 {
					s := cl.Session()
					if s == nil || !s.IsResumable() {
						t.Fatalf("session not resumable after reading to EOF")
					}
					s.Free()
					if der, err = cl.GetSession(); err != nil {
						t.Fatal(err)
					}
				}
				cl.Close()
				sv.Close()
			}
		})
	}
}
