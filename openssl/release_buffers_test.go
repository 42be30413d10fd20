package openssl

import (
	"bytes"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// Config.ReleaseBuffers sets SSL_MODE_RELEASE_BUFFERS on every connection
// of both roles, on both paths, and only when asked; the connections then
// move data as any other (libssl frees and remakes the record buffers
// between records).
func TestReleaseBuffers(t *testing.T) {
	for _, tcp := range []bool{true, false} {
		for _, on := range []bool{false, true} {
			name := map[bool]string{true: "tcp", false: "pipe"}[tcp] + map[bool]string{true: "/on", false: "/off"}[on]
			t.Run(name, func(t *testing.T) {
				scfg, ccfg := serverConfig(VersionTLS13), clientConfig(VersionTLS13)
				scfg.ReleaseBuffers, ccfg.ReleaseBuffers = on, on
				defer scfg.Free()
				defer ccfg.Free()
				cl, sv := connPair(t, tcp, scfg, ccfg)
				for _, c := range []*Conn{cl, sv} {
					var mode libssl.Mode
					if err := c.WithSSL(func(s *libssl.SSL) error { mode = s.Mode(); return nil }); err != nil {
						t.Fatal(err)
					}
					if got := mode&libssl.ModeReleaseBuffers != 0; got != on {
						t.Errorf("SSL_MODE_RELEASE_BUFFERS set: %v, want %v (mode %#x)", got, on, uint64(mode))
					}
				}
				payload := bytes.Repeat([]byte("released "), 1<<17)
				errc := make(chan error, 1)
				go func() { _, err := cl.Write(payload); errc <- err }()
				got, err := readFull(sv, len(payload))
				if err != nil || !bytes.Equal(got, payload) {
					t.Fatalf("server read %d of %d bytes: %v", len(got), len(payload), err)
				}
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
				echoBoth(t, cl, sv)
			})
		}
	}
}
