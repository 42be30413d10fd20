package openssl

import (
	"errors"
	"net"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// TestWithSSLReachesTheConnectionsSSL checks that WithSSL hands f the
// Conn's own SSL (its negotiated version is the Conn's) and returns f's
// error, and that it refuses with net.ErrClosed once the Conn is closed.
func TestWithSSLReachesTheConnectionsSSL(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cl, sv := pair(t, v.v)
			handshakeBoth(t, cl, sv)
			var got libssl.ProtocolVersion
			if err := cl.WithSSL(func(s *libssl.SSL) error {
				got = s.Version()
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if uint16(got) != v.v {
				t.Fatalf("WithSSL's SSL has version %#x, the Conn negotiated %#x", got, v.v)
			}
			sentinel := errors.New("from f")
			if err := sv.WithSSL(func(*libssl.SSL) error { return sentinel }); err != sentinel {
				t.Fatalf("WithSSL returned %v, want f's error", err)
			}
			cl.Close()
			called := false
			if err := cl.WithSSL(func(*libssl.SSL) error { called = true; return nil }); !errors.Is(err, net.ErrClosed) || called {
				t.Fatalf("after Close: err %v, f called %v; want net.ErrClosed and no call", err, called)
			}
		})
	}
}
