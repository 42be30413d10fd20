package openssl

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libssl-go/libssl/internal/testcerts"
)

func opensslCLI(t *testing.T) string { return peerTool(t, "openssl", "openssl") }

// peerTool finds a peer program. Outside CI a missing one skips the test
// (the runtime image has neither openssl nor curl); under CI=true it fails,
// so that a missing package is never a silent skip.
func peerTool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the %s command is missing under CI=true: install the Debian package %q", name, debianPackage)
		}
		t.Skipf("the %s command is not available (Debian package %q); these interop tests need it", name, debianPackage)
	}
	return p
}

// startSServer runs `openssl s_server -rev` on an ephemeral loopback port for
// n connections and returns its address. The test stops it.
func startSServer(t *testing.T, verFlag string, n int) (string, <-chan error) {
	tc := testcerts.Get()
	f := certFiles(t, map[string][]byte{"cert.pem": tc.LeafChain, "key.pem": tc.LeafKey})
	addr, done, _ := startOpenSSLServer(t, "-naccept", itoa(n),
		"-cert", f["cert.pem"], "-key", f["key.pem"], verFlag, "-rev", "-alpn", "h2")
	return addr, done
}

// startOpenSSLServer runs `openssl s_server args...` on a loopback port
// and returns the address it reports, its exit, and its stderr (to read
// once it has exited). The test stops it.
func startOpenSSLServer(t *testing.T, args ...string) (string, <-chan error, *bytes.Buffer) {
	t.Helper()
	bin := opensslCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	cmd := exec.CommandContext(ctx, bin, append([]string{"s_server", "-accept", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "ACCEPT ") {
				addr <- strings.TrimPrefix(line, "ACCEPT ")
			}
		}
	}()
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() { done <- cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	select {
	case a := <-addr:
		return a, done, stderr
	case err := <-done:
		t.Fatalf("s_server exited: %v\n%s", err, stderr.String()) // Wait has returned
	case <-time.After(testTimeout):
		t.Fatal("s_server did not report its port")
	}
	return "", nil, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// We are the client, `openssl s_server` the server.
func TestClientAgainstOpenSSLServer(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			flag := map[uint16]string{VersionTLS12: "-tls1_2", VersionTLS13: "-tls1_3"}[ver.v]
			addr, done := startSServer(t, flag, 2)
			cfg := clientConfig(ver.v)
			defer cfg.Free()
			for i := 0; i < 2; i++ {
				c, err := Dial("tcp", addr, cfg)
				if err != nil {
					t.Fatalf("dial %d: %v", i, err)
				}
				deadline(c)
				if _, err := c.Write([]byte("hello\n")); err != nil {
					t.Fatal(err)
				}
				got, err := readFull(c, 6)
				if err != nil || string(got) != "olleh\n" {
					t.Fatalf("read %q, %v", got, err)
				}
				st := c.OpenSSLState()
				if st.Version != ver.v || st.DidResume != (i == 1) || st.NegotiatedProtocol != "h2" {
					t.Fatalf("conn %d: %+v", i, st)
				}
				if i == 1 {
					// The server closes on "CLOSE": we read its close_notify.
					if _, err := c.Write([]byte("CLOSE\n")); err != nil {
						t.Fatal(err)
					}
					expectEOF(t, c)
				}
				if err := c.Close(); err != nil {
					t.Fatalf("close %d: %v", i, err)
				}
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("s_server: %v", err)
				}
			case <-time.After(testTimeout):
				t.Fatal("s_server did not exit after two connections")
			}
			cfg.ClientSessionCache.(*LRUClientSessionCache).Clear()
		})
	}
}

// We are the server, `openssl s_client` the client (it saves its session
// with -sess_out and offers it with -sess_in).
func TestServerAgainstOpenSSLClient(t *testing.T) {
	tc := testcerts.Get()
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			flag := map[uint16]string{VersionTLS12: "-tls1_2", VersionTLS13: "-tls1_3"}[ver.v]
			f := certFiles(t, map[string][]byte{"ca.pem": tc.CACert})
			sess := f["ca.pem"] + ".sess"
			scfg := serverConfig(ver.v)
			defer scfg.Free()
			l, err := Listen("tcp", "127.0.0.1:0", scfg)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			for i := 0; i < 2; i++ {
				args := []string{"-servername", "localhost",
					"-CAfile", f["ca.pem"], "-verify_return_error", "-verify_hostname", "localhost",
					flag, "-alpn", "h2", "-quiet"}
				if i == 0 {
					args = append(args, "-sess_out", sess)
				} else {
					args = append(args, "-sess_in", sess)
				}
				c, sc := startSClient(t, l, "ping\n", args...)
				got, err := readFull(c, 5)
				if err != nil || string(got) != "ping\n" {
					t.Fatalf("read %q, %v\n%s", got, err, sc.stderr.String())
				}
				if _, err := c.Write([]byte("pong\n")); err != nil {
					t.Fatal(err)
				}
				st := c.OpenSSLState()
				if st.Version != ver.v || st.DidResume != (i == 1) || st.NegotiatedProtocol != "h2" {
					t.Fatalf("conn %d: %+v", i, st)
				}
				// Our close_notify ends s_client (-quiet ignores stdin's end).
				if err := c.Close(); err != nil {
					t.Fatalf("close: %v", err)
				}
				if err := sc.wait(); err != nil || !strings.Contains(sc.out.String(), "pong") {
					t.Fatalf("s_client: %v, stdout %q\n%s", err, sc.out.String(), sc.stderr.String())
				}
			}
		})
	}
}

// sClient is one `openssl s_client` run against a listener of ours.
type sClient struct {
	cmd         *exec.Cmd
	out, stderr bytes.Buffer
	waited      bool
	err         error
}

// startSClient runs `openssl s_client -connect ADDR args...` against l with
// stdin as its input, accepts its connection (Accept bounded by
// testTimeout) and returns it with a deadline set. The test's cleanup
// stops s_client if wait was not called.
func startSClient(t *testing.T, l net.Listener, stdin string, args ...string) (*Conn, *sClient) {
	t.Helper()
	bin := opensslCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	r := &sClient{}
	r.cmd = exec.CommandContext(ctx, bin, append([]string{"s_client", "-connect", l.Addr().String()}, args...)...)
	r.cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH=") // the CLI uses the system libssl
	r.cmd.Stdin = strings.NewReader(stdin)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.stderr
	if err := r.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = r.wait()
	})
	stop := time.AfterFunc(testTimeout, func() { l.Close() })
	nc, err := l.Accept()
	stop.Stop()
	if err != nil {
		t.Fatalf("accept: %v\n%s", err, r.stderr.String())
	}
	c := nc.(*Conn)
	deadline(c)
	return c, r
}

// wait waits for s_client to exit and returns its exit error (the same
// error on later calls).
func (r *sClient) wait() error {
	if !r.waited {
		r.err, r.waited = r.cmd.Wait(), true
	}
	return r.err
}
