package openssl

// When a TLS 1.3 server's session tickets leave: with its next output by
// default, at the end of its handshake with Config.SendTicketsAtHandshake
// (as libssl and openssl s_server send them). The client is crypto/tls's,
// which reads tickets only in Read and never writes after its handshake
// here; it counts them with a ClientSessionCache. Whether tickets came
// before a point is decided by what the server sends at that point: the
// end of its transport (FIN, or the end of net.Pipe) right after
// Handshake, or one application byte. The client counts when its Read
// meets it, so everything the server sent before is counted, and nothing
// waits on a timeout.

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// countingCache is a crypto/tls ClientSessionCache that stores nothing and
// counts the sessions the client puts: one per NewSessionTicket it reads.
type countingCache struct{ n atomic.Int32 }

func (c *countingCache) Get(string) (*tls.ClientSessionState, bool) { return nil, false }

func (c *countingCache) Put(_ string, cs *tls.ClientSessionState) {
	if cs != nil {
		c.n.Add(1)
	}
}

// readOnlyCount is what a read-only client saw.
type readOnlyCount struct {
	handshakeErr error
	tickets      int  // tickets read before the first byte or the end
	data         bool // the first Read returned data, not the end
}

// readOnlyClient runs a crypto/tls TLS 1.3 client over conn that completes
// its handshake and then only reads, once, and reports how many tickets
// it had read when that Read returned (a byte, or the end of the stream).
// It closes conn when done.
func readOnlyClient(conn net.Conn) <-chan readOnlyCount {
	res := make(chan readOnlyCount, 1)
	go func() {
		defer conn.Close()
		cache := &countingCache{}
		gcfg := goClientConfig(VersionTLS13)
		gcfg.ClientSessionCache = cache
		tc := tls.Client(conn, gcfg)
		deadline(tc)
		if err := tc.Handshake(); err != nil {
			res <- readOnlyCount{handshakeErr: err}
			return
		}
		var b [1]byte
		n, _ := tc.Read(b[:])
		res <- readOnlyCount{tickets: int(cache.n.Load()), data: n == 1}
	}()
	return res
}

// ticketTransports are the transports of the timing tests: TCP on the
// socket path and on memory BIOs, and net.Pipe (memory BIOs, no buffer).
var ticketTransports = []struct {
	name   string
	mode   SocketIO
	socket bool // the server Conn runs on the socket path
}{
	{"tcp", SocketIOAuto, true},
	{"tcp-memory", SocketIOOff, false},
	{"pipe", SocketIOAuto, false},
}

// ticketServer returns a server Conn with cfg over the transport named,
// whose other end runs readOnlyClient, and the server's transport.
func ticketServer(t *testing.T, transport string, cfg *Config) (*Conn, net.Conn, <-chan readOnlyCount) {
	t.Helper()
	var raw net.Conn
	var client <-chan readOnlyCount
	if transport == "pipe" {
		a, b := net.Pipe()
		raw, client = b, readOnlyClient(a)
	} else {
		l := listenLoopback(t)
		cc, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		client = readOnlyClient(cc)
		if raw, err = l.Accept(); err != nil {
			t.Fatal(err)
		}
	}
	sv, err := Server(raw, cfg)
	if err != nil {
		raw.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		raw.Close()
		sv.Close()
	})
	deadline(sv)
	return sv, raw, client
}

// The tickets a read-only client has when the server's transport ends
// right after its Handshake (nothing sent after it), and when the
// server's first byte of data arrives: with SendTicketsAtHandshake all of
// libssl's tickets (SSL_set_num_tickets: 2 by default, 3 set here) come
// with the handshake; by default none, and all of them come before the
// first byte. On every transport, the socket path included.
func TestTicketTiming(t *testing.T) {
	cases := []struct {
		name   string
		atHS   bool
		num    int // 0: libssl's default
		before int // tickets before the transport's end
		want   int // tickets before the first byte
	}{
		{"next-output", false, 0, 0, 2},
		{"at-handshake", true, 0, 2, 2},
		{"at-handshake-3", true, 3, 3, 3},
		{"next-output-3", false, 3, 0, 3},
	}
	for _, tr := range ticketTransports {
		for _, tc := range cases {
			for _, point := range []string{"end", "data"} {
				t.Run(tr.name+"/"+tc.name+"/"+point, func(t *testing.T) {
					cfg := serverConfig(VersionTLS13)
					cfg.SocketIO = tr.mode
					cfg.SendTicketsAtHandshake = tc.atHS
					defer cfg.Free()
					sv, raw, client := ticketServer(t, tr.name, cfg)
					if want := tr.socket && testSocketIO != SocketIOOff; sv.onSocket() != want {
						t.Fatalf("server on the socket: %v, want %v", sv.onSocket(), want)
					}
					if tc.num != 0 {
						if err := sv.WithSSL(func(s *libssl.SSL) error { return s.SetNumTickets(tc.num) }); err != nil {
							t.Fatal(err)
						}
					}
					if err := sv.Handshake(); err != nil {
						t.Fatalf("server handshake: %v", err)
					}
					want := tc.want
					if point == "end" {
						// The transport ends with no TLS output after the
						// handshake: no close_notify, no data.
						if err := raw.Close(); err != nil {
							t.Fatal(err)
						}
						want = tc.before
					} else if _, err := sv.Write([]byte{'x'}); err != nil {
						t.Fatalf("server write: %v", err)
					}
					r := <-client
					if r.handshakeErr != nil {
						t.Fatalf("client handshake: %v", r.handshakeErr)
					}
					if r.data != (point == "data") {
						t.Fatalf("client read data: %v, want %v", r.data, point == "data")
					}
					if r.tickets != want {
						t.Errorf("client read %d tickets before the server's %s, want %d", r.tickets, point, want)
					}
				})
			}
		}
	}
}

// Over net.Pipe, which has no buffer, a server that sends its tickets at
// the end of its handshake waits there until its client reads them. A
// crypto/tls client's Handshake returns without reading them, and one
// that then only writes waits for the server to read: neither moves. A
// write deadline ends the server's Handshake (set here once the client's
// Handshake has returned, so that the tickets are all the server has left
// to write) with os.ErrDeadlineExceeded, and the Conn is unusable. By
// default the server's Handshake returns and it reads the client's data.
func TestTicketTimingPipeWriteOnlyClient(t *testing.T) {
	for _, atHS := range []bool{false, true} {
		name := "next-output"
		if atHS {
			name = "at-handshake"
		}
		t.Run(name, func(t *testing.T) {
			cfg := serverConfig(VersionTLS13)
			cfg.SendTicketsAtHandshake = atHS
			defer cfg.Free()
			a, b := net.Pipe()
			sv, err := Server(b, cfg)
			if err != nil {
				t.Fatal(err)
			}
			// Nobody reads a close_notify on net.Pipe: end the pipe first.
			defer sv.Close()
			defer a.Close()
			defer b.Close()
			deadline(sv)
			handshook := make(chan error, 1)
			wrote := make(chan error, 1)
			go func() {
				tc := tls.Client(a, goClientConfig(VersionTLS13))
				deadline(tc)
				err := tc.Handshake()
				handshook <- err
				if err == nil {
					_, err = tc.Write([]byte("only writes"))
				}
				wrote <- err
			}()
			serverDone := make(chan error, 1)
			go func() { serverDone <- sv.Handshake() }()
			if err := <-handshook; err != nil {
				t.Fatalf("client handshake: %v", err)
			}
			// The client has written its Finished and the server has read
			// it: the server's handshake has no more to read.
			if err := sv.SetWriteDeadline(time.Unix(1, 0)); err != nil {
				t.Fatal(err)
			}
			err = <-serverDone
			if !atHS {
				if err != nil {
					t.Fatalf("server handshake: %v", err)
				}
				deadline(sv)
				if got, err := readFull(sv, len("only writes")); err != nil || string(got) != "only writes" {
					t.Fatalf("server read %q, %v", got, err)
				}
				if err := <-wrote; err != nil {
					t.Fatalf("client write: %v", err)
				}
				return
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("server handshake: %v, want the write deadline's error", err)
			}
			deadline(sv)
			if err := sv.Handshake(); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("server handshake again: %v, want the first failure", err)
			}
			if _, err := sv.Write([]byte{'x'}); err == nil {
				t.Error("server write after the failed handshake succeeded")
			}
			// The client still waits to write; ending the pipe ends it.
			b.Close()
			if err := <-wrote; err == nil {
				t.Error("client write succeeded with nobody reading")
			}
		})
	}
}

// openssl s_server, which sends its tickets from SSL_accept as libssl
// does, gives the read-only client as many tickets before anything else
// (its process is killed once it reports the handshake complete, so that
// its socket ends with a FIN) as a server Conn with SendTicketsAtHandshake
// does on TCP: libssl's default number, and the number set (-num_tickets,
// SSL_set_num_tickets).
func TestTicketTimingMatchesOpenSSLServer(t *testing.T) {
	bin := opensslCLI(t)
	tc := testcerts.Get()
	f := certFiles(t, map[string][]byte{"cert.pem": tc.LeafChain, "key.pem": tc.LeafKey})
	for _, num := range []int{0, 3} {
		t.Run("num="+itoa(num), func(t *testing.T) {
			args := []string{"s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-tls1_3",
				"-cert", f["cert.pem"], "-key", f["key.pem"]}
			if num != 0 {
				args = append(args, "-num_tickets", itoa(num))
			}
			cRes := sServerTickets(t, bin, args)
			if cRes.handshakeErr != nil || cRes.data {
				t.Fatalf("against s_server: handshake %v, data %v; want the end of the stream", cRes.handshakeErr, cRes.data)
			}

			cfg := serverConfig(VersionTLS13)
			cfg.SendTicketsAtHandshake = true
			defer cfg.Free()
			sv, raw, client := ticketServer(t, "tcp", cfg)
			if num != 0 {
				if err := sv.WithSSL(func(s *libssl.SSL) error { return s.SetNumTickets(num) }); err != nil {
					t.Fatal(err)
				}
			}
			if err := sv.Handshake(); err != nil {
				t.Fatalf("server handshake: %v", err)
			}
			raw.Close()
			ours := <-client
			if ours.handshakeErr != nil || ours.data {
				t.Fatalf("against ours: handshake %v, data %v; want the end of the stream", ours.handshakeErr, ours.data)
			}
			want := num
			if want == 0 {
				want = 2
			}
			t.Logf("tickets before the server's end: s_server %d, ours %d", cRes.tickets, ours.tickets)
			if cRes.tickets != want || ours.tickets != cRes.tickets {
				t.Errorf("tickets before the server's end: s_server %d, ours %d; want %d from both", cRes.tickets, ours.tickets, want)
			}
		})
	}
}

// sServerTickets runs `openssl args...` (an s_server on a loopback port)
// against readOnlyClient, and kills it once it has printed the completed
// handshake's cipher (after SSL_accept returned, tickets written).
func sServerTickets(t *testing.T, bin string, args []string) readOnlyCount {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH=")
	stdin, err := cmd.StdinPipe() // open until the kill: EOF would end the connection
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	// next returns the next stdout line with prefix, or fails.
	next := func(prefix string) string {
		for line := range lines {
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
		cancel()
		err := <-exited
		t.Fatalf("s_server printed no %q line: %v\n%s", prefix, err, stderr.String())
		return ""
	}
	addr := strings.TrimPrefix(next("ACCEPT "), "ACCEPT ")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	client := readOnlyClient(conn)
	next("CIPHER is ")
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	return <-client
}
