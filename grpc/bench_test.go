package opensslgrpc

import (
	"context"
	"testing"
)

// BenchmarkLargeMessage is a unary echo of a 32 MiB message over one
// connection (b.SetBytes counts both directions), with this package's
// credentials on both sides beside grpc's crypto/tls credentials on both
// sides, so that the two figures come from the same run. A measurement,
// not a test: `cd grpc && go test -run '^$' -bench LargeMessage`.
func BenchmarkLargeMessage(b *testing.B) {
	p := newPKI(b, "ca")
	for _, which := range []impl{libsslImpl, goImpl} {
		b.Run("creds="+string(which), func(b *testing.B) {
			ts := startServer(b, serverCreds(b, p, which, false))
			cc := dial(b, ts.addr, clientCreds(b, p, which, false))
			req, reply := make([]byte, 32<<20), []byte(nil)
			// The connection is up before the clock starts.
			if err := cc.Invoke(context.Background(), mUnary, &req, &reply); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(2 * int64(len(req)))
			for b.Loop() {
				if err := cc.Invoke(context.Background(), mUnary, &req, &reply); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
