package openssl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/libssl-go/libssl/internal/testcerts"
	"golang.org/x/net/http2"
)

// echoHandler echoes a request's body and reports, in headers, the protocol
// and the TLS state the handler sees through RequestTLS.
func echoHandler(w http.ResponseWriter, r *http.Request) {
	st := RequestTLS(r)
	if st == nil || !st.HandshakeComplete {
		http.Error(w, fmt.Sprintf("no TLS state (conn %v)", RequestConn(r) != nil), http.StatusInternalServerError)
		return
	}
	w.Header().Set("X-Proto", r.Proto)
	w.Header().Set("X-TLS-Version", strconv.Itoa(int(st.Version)))
	w.Header().Set("X-TLS-ALPN", st.NegotiatedProtocol)
	if r.Method == http.MethodPost {
		// HTTP/1.1 in net/http is not full duplex: read all, then answer.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write(body)
		return
	}
	_, _ = io.WriteString(w, "hello "+r.Proto)
}

type httpServerMode struct {
	name  string
	alpn  []string
	serve func(srv *http.Server, l net.Listener) error
}

var httpModes = []httpServerMode{
	// What MIGRATING.md recommends: net/http's own Serve over Listen.
	{"http.Server.Serve", []string{"http/1.1"}, func(srv *http.Server, l net.Listener) error { return srv.Serve(l) }},
	// Serve: HTTP/2 by ALPN through x/net/http2, HTTP/1.1 otherwise.
	{"openssl.Serve", []string{"h2", "http/1.1"}, Serve},
}

// startHTTPServer serves echoHandler on 127.0.0.1 and stops the server
// when the test ends.
func startHTTPServer(t *testing.T, m httpServerMode, v uint16) (addr string) {
	t.Helper()
	scfg := serverConfig(v)
	scfg.NextProtos = m.alpn
	l, err := Listen("tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(echoHandler), ConnContext: ConnContext}
	done := make(chan error, 1)
	go func() { done <- m.serve(srv, l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
		scfg.Free()
	})
	return l.Addr().String()
}

func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// checkEcho posts body and checks that it comes back intact, with the TLS
// state on both sides.
func checkEcho(t *testing.T, client *http.Client, url string, body []byte, wantProto string, respTLS bool) {
	t.Helper()
	resp, err := client.Post(url, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %d bytes: %v", len(body), err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the echo: %v", err)
	}
	if resp.StatusCode != 200 || sum(got) != sum(body) {
		t.Fatalf("status %d, echo of %d bytes came back as %d bytes (sha256 %s, want %s)",
			resp.StatusCode, len(body), len(got), sum(got), sum(body))
	}
	if resp.Proto != wantProto || resp.Header.Get("X-Proto") != wantProto {
		t.Fatalf("client proto %q, handler proto %q, want %q", resp.Proto, resp.Header.Get("X-Proto"), wantProto)
	}
	if resp.Header.Get("X-TLS-Version") == "" {
		t.Fatal("the handler saw no TLS version")
	}
	if respTLS && (resp.TLS == nil || !resp.TLS.HandshakeComplete || resp.TLS.Version == 0 ||
		len(resp.TLS.PeerCertificates) == 0 || strconv.Itoa(int(resp.TLS.Version)) != resp.Header.Get("X-TLS-Version")) {
		t.Fatalf("resp.TLS = %+v, server saw version %s", resp.TLS, resp.Header.Get("X-TLS-Version"))
	}
}

func goHTTPClient(v uint16, h2 bool) *http.Client {
	cfg := goClientConfig(v)
	cfg.NextProtos = nil
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: h2}}
}

func ourHTTPClient(v uint16) (*http.Client, *Transport) {
	tr := &Transport{Config: clientConfig(v)}
	return &http.Client{Transport: tr}, tr
}

// Net/http servers over Listen serve crypto/tls's client
// and ours (HTTP/1.1 and, with Serve, HTTP/2), a 32 MiB POST (1 MiB under -short) comes back
// intact, 50 concurrent clients all succeed, and responses carry resp.TLS.
func TestHTTPServerGoAndOurClients(t *testing.T) {
	big := randomBytes(bigBody(), 1)
	for _, m := range httpModes {
		for _, ver := range versions {
			t.Run(m.name+"/"+ver.name, func(t *testing.T) {
				addr := startHTTPServer(t, m, ver.v)
				url := "https://localhost:" + portOf(mustAddr(addr)) + "/echo"
				wantProto := "HTTP/1.1"
				if len(m.alpn) > 1 {
					wantProto = "HTTP/2.0"
				}
				gc := goHTTPClient(ver.v, true)
				oc, tr := ourHTTPClient(ver.v)
				defer tr.CloseIdleConnections()
				defer gc.CloseIdleConnections()
				checkEcho(t, gc, url, []byte("small"), wantProto, true)
				checkEcho(t, gc, url, big, wantProto, true)
				checkEcho(t, oc, url, []byte("small"), wantProto, true)
				checkEcho(t, oc, url, big, wantProto, true)

				// 50 concurrent clients, each on its own connection.
				var wg sync.WaitGroup
				errs := make(chan error, 50)
				for i := 0; i < 50; i++ {
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						var c *http.Client
						if i%2 == 0 {
							c = goHTTPClient(ver.v, true)
						} else {
							var tr *Transport
							c, tr = ourHTTPClient(ver.v)
							defer tr.Config.Free()
						}
						defer c.CloseIdleConnections()
						body := randomBytes(64<<10, int64(i))
						resp, err := c.Post(url, "application/octet-stream", bytes.NewReader(body))
						if err != nil {
							errs <- fmt.Errorf("client %d: %w", i, err)
							return
						}
						got, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						if err != nil || !bytes.Equal(got, body) || resp.Proto != wantProto || resp.TLS == nil {
							errs <- fmt.Errorf("client %d: %d bytes back, err %v, proto %s, TLS %v", i, len(got), err, resp.Proto, resp.TLS != nil)
						}
					}(i)
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
			})
		}
	}
}

// bigBody is the size of the large request bodies: 32 MiB, or 1 MiB under
// -short (make test), where the 32 MiB bodies under -race cost two minutes.
// make ci runs the package without -short (test-long).
func bigBody() int {
	if testing.Short() {
		return 1 << 20
	}
	return 32 << 20
}

func mustAddr(s string) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		panic(err)
	}
	return a
}

// curl (libcurl on the system's OpenSSL, nghttp2 for HTTP/2) against our
// net/http servers: a GET and a 32 MiB POST (1 MiB under -short) echoed intact.
func TestHTTPServerCurl(t *testing.T) {
	curl := peerTool(t, "curl", "curl")
	tc := testcerts.Get()
	dir := t.TempDir()
	f := certFiles(t, map[string][]byte{"ca.pem": tc.CACert})
	big := randomBytes(bigBody(), 2)
	in := filepath.Join(dir, "in")
	if err := os.WriteFile(in, big, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, m := range httpModes {
		for _, ver := range versions {
			t.Run(m.name+"/"+ver.name, func(t *testing.T) {
				addr := startHTTPServer(t, m, ver.v)
				port := portOf(mustAddr(addr))
				url := "https://localhost:" + port + "/echo"
				protoFlag, want := "--http1.1", "HTTP/1.1"
				if len(m.alpn) > 1 {
					protoFlag, want = "--http2", "HTTP/2.0"
				}
				verFlag := map[uint16]string{VersionTLS12: "--tls-max", VersionTLS13: "--tlsv1.3"}[ver.v]
				args := []string{"-sS", "--fail", "--max-time", "60", "--cacert", f["ca.pem"],
					"--resolve", "localhost:" + port + ":127.0.0.1", protoFlag}
				if ver.v == VersionTLS12 {
					args = append(args, verFlag, "1.2")
				} else {
					args = append(args, verFlag)
				}
				ctx, cancel := context.WithTimeout(context.Background(), testTimeout*2)
				defer cancel()
				// GET: the handler's view of the protocol comes back.
				out, err := exec.CommandContext(ctx, curl, append(args, url)...).CombinedOutput()
				if err != nil || string(out) != "hello "+want {
					t.Fatalf("curl GET: %v: %q", err, out)
				}
				// the big POST.
				outFile := filepath.Join(dir, "out-"+strings.ReplaceAll(t.Name(), "/", "_"))
				cmd := exec.CommandContext(ctx, curl, append(args, "--data-binary", "@"+in, "-o", outFile, url)...)
				if msg, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("curl POST: %v: %s", err, msg)
				}
				got, err := os.ReadFile(outFile)
				if err != nil || sum(got) != sum(big) {
					t.Fatalf("curl echo: %d bytes, sha256 %s, want %s (%v)", len(got), sum(got), sum(big), err)
				}
			})
		}
	}
}

// `openssl s_client` sends a raw HTTP/1.1 request to http.Server over Listen.
func TestHTTPServerOpenSSLClient(t *testing.T) {
	bin := opensslCLI(t)
	tc := testcerts.Get()
	f := certFiles(t, map[string][]byte{"ca.pem": tc.CACert})
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			addr := startHTTPServer(t, httpModes[0], ver.v)
			flag := map[uint16]string{VersionTLS12: "-tls1_2", VersionTLS13: "-tls1_3"}[ver.v]
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "s_client", "-connect", addr, "-servername", "localhost",
				"-CAfile", f["ca.pem"], "-verify_return_error", flag, "-quiet")
			cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH=")
			cmd.Stdin = strings.NewReader("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			out, err := cmd.Output()
			if err != nil || !strings.HasPrefix(string(out), "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(string(out), "hello HTTP/1.1") {
				t.Fatalf("s_client: %v\n%s", err, out)
			}
		})
	}
}

// Our Transport against crypto/tls servers (net/http's own
// TLS, HTTP/2 on or off) and against our server offering only HTTP/1.1:
// offering "h2" never breaks a connection, HTTP/2 is used when the server
// selects it, and resp.TLS is filled either way.
func TestTransportAgainstGoServers(t *testing.T) {
	for _, h2 := range []bool{true, false} {
		t.Run(fmt.Sprintf("h2=%v", h2), func(t *testing.T) {
			ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// net/http's own server fills r.TLS.
				w.Header().Set("X-Proto", r.Proto)
				w.Header().Set("X-TLS-Version", strconv.Itoa(int(r.TLS.Version)))
				body, _ := io.ReadAll(r.Body)
				_, _ = w.Write(body)
			}))
			ts.EnableHTTP2 = h2
			ts.TLS = goServerConfig(t, VersionTLS13)
			ts.TLS.MaxVersion = 0
			ts.TLS.NextProtos = nil
			ts.StartTLS()
			defer ts.Close()
			oc, tr := ourHTTPClient(0)
			tr.Config.MinVersion, tr.Config.MaxVersion = 0, 0
			defer tr.Config.Free()
			defer tr.CloseIdleConnections()
			url := "https://localhost:" + portOf(ts.Listener.Addr()) + "/"
			want := "HTTP/1.1"
			if h2 {
				want = "HTTP/2.0"
			}
			for i := 0; i < 3; i++ {
				checkEcho(t, oc, url, randomBytes(100<<10, int64(i)), want, true)
			}
		})
	}
	// DisableHTTP2 keeps a server that prefers h2 on HTTP/1.1.
	addr := startHTTPServer(t, httpModes[1], VersionTLS13)
	oc, tr := ourHTTPClient(VersionTLS13)
	tr.DisableHTTP2 = true
	defer tr.CloseIdleConnections()
	checkEcho(t, oc, "https://localhost:"+portOf(mustAddr(addr))+"/echo", []byte("x"), "HTTP/1.1", true)
}

// As a user meets it: an http2.Transport with our Conn as its
// TLS dialer fills resp.TLS because Conn.ConnectionState has crypto/tls's
// type.
func TestHTTP2TransportRespTLS(t *testing.T) {
	addr := startHTTPServer(t, httpModes[1], VersionTLS13)
	ccfg := clientConfig(VersionTLS13)
	ccfg.NextProtos = []string{"h2"}
	defer ccfg.Free()
	h2t := &http2.Transport{DialTLSContext: func(ctx context.Context, network, a string, _ *tls.Config) (net.Conn, error) {
		return DialContext(ctx, network, a, ccfg)
	}}
	defer h2t.CloseIdleConnections()
	c := &http.Client{Transport: h2t}
	checkEcho(t, c, "https://localhost:"+portOf(mustAddr(addr))+"/echo", []byte("abc"), "HTTP/2.0", true)
}
