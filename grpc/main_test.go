package opensslgrpc

import (
	"fmt"
	"os"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// TestMain says which libssl the tests run against, and fails the run when
// LIBSSL_GO_EXPECT_RUNTIME (set by the 1.1.1w leg of make test-grpc) names
// another: a build that silently picked up the system's OpenSSL fails
// instead of passing on the wrong version.
func TestMain(m *testing.M) {
	if err := libssl.InitError(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "libssl: header %s, runtime %s\n", libssl.HeaderVersionText(), libssl.RuntimeVersionText())
	if want := os.Getenv("LIBSSL_GO_EXPECT_RUNTIME"); want != "" {
		for what, v := range map[string]uint64{"runtime": libssl.RuntimeVersion(), "headers": libssl.HeaderVersion()} {
			if got := libssl.VersionString(v); got != want {
				fmt.Fprintf(os.Stderr, "FAIL: OpenSSL %s %s, want %s\n", what, got, want)
				os.Exit(2)
			}
		}
	}
	os.Exit(m.Run())
}
