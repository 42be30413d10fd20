package openssl

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// net/http closes a client connection as soon as it has read the response
// of a request sent without keep-alive, while the goroutine that wrote the
// request may still be inside Conn.Write. That Close must still send
// close_notify: a connection freed without it takes its session out of
// every cache, and the next connection does a full handshake. Every
// connection after the first must resume.
func TestHTTPCloseKeepsSessionsResumable(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	for _, ver := range versions {
		for _, m := range httpModes {
			t.Run(ver.name+"/"+m.name, func(t *testing.T) {
				addr := startHTTPServer(t, m, ver.v)
				ccfg := clientConfig(ver.v)
				ccfg.NextProtos = []string{"http/1.1"}
				t.Cleanup(ccfg.Free)
				var mu sync.Mutex
				var resumed []bool
				tr := &http.Transport{
					DisableKeepAlives: true,
					DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
						c, err := DialContext(ctx, network, addr, ccfg)
						if err == nil {
							mu.Lock()
							resumed = append(resumed, c.ConnectionState().DidResume)
							mu.Unlock()
						}
						return c, err
					},
				}
				t.Cleanup(tr.CloseIdleConnections)
				client := &http.Client{Transport: tr, Timeout: testTimeout}
				for i := 0; i < n; i++ {
					resp, err := client.Get("https://" + addr + "/")
					if err != nil {
						t.Fatalf("request %d: %v", i, err)
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || !strings.HasPrefix(string(body), "hello HTTP/1.1") {
						t.Fatalf("request %d: body %q, %v", i, body, err)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if len(resumed) != n {
					t.Fatalf("%d connections for %d requests without keep-alive", len(resumed), n)
				}
				var lost []string
				for i, r := range resumed {
					if r != (i > 0) {
						lost = append(lost, fmt.Sprint(i))
					}
				}
				if len(lost) > 0 {
					t.Fatalf("%d of %d connections did not resume as expected (the first must not, every other must): %s",
						len(lost), n, strings.Join(lost, " "))
				}
			})
		}
	}
}
