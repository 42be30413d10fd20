package openssl

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// Hostile peers: each row is a peer that misbehaves; the Conn, in each role
// and over TCP and net.Pipe, must end with an error of the named class
// within its deadline, leave no goroutine behind and destroy its SSL at
// Close. The rows driven by `openssl s_server`/`s_client` (renegotiation and
// key-update requests) are in TestHostileOpenSSLCLI (TCP only).

const (
	hostileDeadline = 1 * time.Second
	hostileSlack    = 3 * time.Second // a loaded two-core machine
)

// errClass names what a row's error must be, and checks it.
type errClass struct {
	name string
	is   func(error) bool
}

var (
	classSSL = errClass{"SSL_ERROR_SSL (a protocol error)", func(err error) bool {
		var e *libssl.Error
		return errors.As(err, &e) && e.Code == libssl.SSLErrorSSL && !errors.Is(err, io.ErrUnexpectedEOF)
	}}
	classTimeout = errClass{"the deadline (os.ErrDeadlineExceeded)", func(err error) bool {
		return errors.Is(err, os.ErrDeadlineExceeded) && isTimeout(err)
	}}
	classTruncation = errClass{"truncation (io.ErrUnexpectedEOF, not io.EOF)", func(err error) bool {
		return errors.Is(err, io.ErrUnexpectedEOF) && errors.Is(err, libssl.ErrUnexpectedEOF) && !errors.Is(err, io.EOF)
	}}
)

// classAlert: the peer's alert, as libssl reports a received one
// (SSL_AD_REASON_OFFSET + the alert's code).
func classAlert(code int) errClass {
	return errClass{fmt.Sprintf("received alert %d", code), func(err error) bool {
		var e *libssl.Error
		return errors.As(err, &e) && e.Code == libssl.SSLErrorSSL && e.HasReason(libssl.LibSSL, 1000+code)
	}}
}

// hostileEnv is what a row's peer gets: its end of the transport, whether
// the Conn is the server, and the real first flights of the other role.
type hostileEnv struct {
	t            *testing.T
	p            net.Conn
	connIsServer bool
	flight       []byte // the other role's real first flight (TLS 1.3)
	stop         <-chan struct{}
}

// drain reads and discards what the Conn sends until the transport closes.
func (e *hostileEnv) drain() {
	go func() { _, _ = io.Copy(io.Discard, e.p) }()
}

// readRecord reads one whole TLS record the Conn sent.
func (e *hostileEnv) readRecord() bool {
	var h [5]byte
	if _, err := io.ReadFull(e.p, h[:]); err != nil {
		return false
	}
	_, err := io.ReadFull(e.p, make([]byte, int(h[3])<<8|int(h[4])))
	return err == nil
}

// capture is a net.Conn whose writes can be diverted into a buffer, so that
// a crypto/tls peer's records can be sent cut.
type capture struct {
	net.Conn
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (c *capture) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.buf != nil {
		defer c.mu.Unlock()
		return c.buf.Write(b)
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// live runs a crypto/tls peer of the other role over e.p to the end of its
// handshake.
func (e *hostileEnv) live() (*tls.Conn, *capture, error) {
	cp := &capture{Conn: e.p}
	var tc *tls.Conn
	if e.connIsServer {
		tc = tls.Client(cp, goClientConfig(0))
	} else {
		tc = tls.Server(cp, goServerConfig(e.t, 0))
	}
	return tc, cp, tc.Handshake()
}

type hostileRow struct {
	name string
	long bool // skipped under -short
	// live: the Conn completes its handshake and the failure comes in Read.
	live bool
	want errClass
	peer func(e *hostileEnv)
}

var oversized = append([]byte{0x17, 0x03, 0x03, 0x48, 0x01}, make([]byte, 0x4801)...)

var hostileRows = []hostileRow{
	{name: "garbage", want: classSSL, peer: func(e *hostileEnv) {
		e.drain()
		_, _ = e.p.Write([]byte("\x00\xffthis is not a TLS record at all\r\n\r\n"))
		<-e.stop
	}},
	{name: "first-flight-then-garbage", live: true, want: classSSL, peer: func(e *hostileEnv) {
		if _, _, err := e.live(); err != nil {
			return
		}
		e.drain()
		_, _ = e.p.Write([]byte("\x17\x03\x03\x00\x10garbage garbage!"))
		<-e.stop
	}},
	{name: "header-16KiB-then-silence", want: classTimeout, peer: func(e *hostileEnv) {
		e.drain()
		_, _ = e.p.Write([]byte{0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00})
		<-e.stop
	}},
	{name: "truncation-mid-record", live: true, want: classTruncation, peer: func(e *hostileEnv) {
		tc, cp, err := e.live()
		if err != nil {
			return
		}
		var rec bytes.Buffer
		cp.mu.Lock()
		cp.buf = &rec
		cp.mu.Unlock()
		_, _ = tc.Write(bytes.Repeat([]byte("x"), 1000))
		_, _ = e.p.Write(rec.Bytes()[:rec.Len()/2])
		_ = e.p.Close()
	}},
	{name: "one-byte-per-100ms", long: true, want: classTimeout, peer: func(e *hostileEnv) {
		e.drain()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for _, b := range e.flight {
			select {
			case <-tick.C:
			case <-e.stop:
				return
			}
			if _, err := e.p.Write([]byte{b}); err != nil {
				return
			}
		}
	}},
	{name: "close-without-close_notify-in-handshake", want: classTruncation, peer: func(e *hostileEnv) {
		if !e.connIsServer {
			// Read the ClientHello first: over TCP, closing with unread
			// data is a reset, not an end.
			if !e.readRecord() {
				return
			}
		}
		_, _ = e.p.Write(e.flight[:20]) // inside the first record
		_ = e.p.Close()
	}},
	{name: "close-without-close_notify", live: true, want: classTruncation, peer: func(e *hostileEnv) {
		if _, _, err := e.live(); err == nil {
			_ = e.p.Close()
		}
	}},
	{name: "oversized-record-in-handshake", want: classSSL, peer: func(e *hostileEnv) {
		e.drain()
		rec := append([]byte(nil), oversized...)
		rec[0] = 0x16
		_, _ = e.p.Write(rec)
		<-e.stop
	}},
	{name: "oversized-record", live: true, want: classSSL, peer: func(e *hostileEnv) {
		if _, _, err := e.live(); err != nil {
			return
		}
		e.drain()
		_, _ = e.p.Write(oversized)
		<-e.stop
	}},
	{name: "fatal-alert", want: classAlert(40), peer: func(e *hostileEnv) {
		e.drain()
		if e.connIsServer {
			// A server takes no alert before the ClientHello (unexpected
			// message): the alert follows a real one.
			_, _ = e.p.Write(e.flight)
		}
		_, _ = e.p.Write([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40}) // handshake_failure
		<-e.stop
	}},
	{name: "plaintext-after-handshake", live: true, want: classSSL, peer: func(e *hostileEnv) {
		if _, _, err := e.live(); err != nil {
			return
		}
		e.drain()
		_, _ = e.p.Write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
		<-e.stop
	}},
}

var flightsOnce sync.Once
var flights13 transcriptT

func TestHostilePeers(t *testing.T) {
	flightsOnce.Do(func() { flights13 = transcript(t, VersionTLS13) })
	scfg, ccfg := serverConfig(0), clientConfig(0)
	ccfg.ClientSessionCache = nil
	defer scfg.Free()
	defer ccfg.Free()
	for _, row := range hostileRows {
		for _, role := range []string{"server", "client"} {
			for _, tr := range []string{"tcp", "pipe"} {
				t.Run(row.name+"/"+role+"/"+tr, func(t *testing.T) {
					if row.long && testing.Short() {
						t.Skip("long row: skipped under -short")
					}
					runHostile(t, row, role == "server", tr == "tcp", scfg, ccfg)
				})
			}
		}
	}
}

func runHostile(t *testing.T, row hostileRow, connIsServer, tcp bool, scfg, ccfg *Config) {
	var mine, theirs net.Conn
	if tcp {
		mine, theirs = tcpPair(t)
	} else {
		mine, theirs = net.Pipe()
	}
	settleProbe()
	base := probeNow()
	stop := make(chan struct{})
	env := &hostileEnv{t: t, p: theirs, connIsServer: connIsServer, stop: stop, flight: flights13.serverFirst}
	if connIsServer {
		env.flight = flights13.clientFirst
	}
	peerDone := make(chan struct{})
	go func() {
		defer close(peerDone)
		hostilePeer(env, row.peer)
	}()
	defer func() {
		close(stop)
		_ = theirs.Close()
		select {
		case <-peerDone:
		case <-time.After(hostileSlack):
			t.Error("the peer did not end once the transports were closed")
		}
		noConnGoroutines(t, hostileSlack)
		probeBack(t, base)
	}()
	var c *Conn
	var err error
	if connIsServer {
		c, err = Server(mine, scfg)
	} else {
		c, err = Client(mine, ccfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = c.SetDeadline(start.Add(hostileDeadline))
	type result struct {
		hsErr, err, again error
		at                time.Duration
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.hsErr = c.Handshake()
		r.err = r.hsErr
		if r.err == nil {
			var b [256]byte
			for r.err == nil {
				_, r.err = c.Read(b[:])
			}
		}
		r.at = time.Since(start)
		_, r.again = c.Write([]byte("after the failure"))
		_ = c.Close()
		done <- r
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(hostileDeadline + hostileSlack):
		t.Fatalf("no result within %v of a %v deadline:\n%s", hostileDeadline+hostileSlack, hostileDeadline,
			strings.Join(connGoroutines(), "\n\n"))
	}
	if row.live && r.hsErr != nil {
		t.Fatalf("the handshake with the live peer failed, so the row did not test what it names: %v", r.hsErr)
	}
	if !row.want.is(r.err) {
		t.Fatalf("error %v (%T), want %s", r.err, r.err, row.want.name)
	}
	if r.at > hostileDeadline+hostileSlack {
		t.Fatalf("the error came after %v (deadline %v)", r.at, hostileDeadline)
	}
	// The next call says the same thing (a write after a read timeout is
	// a new attempt and times out as well).
	if r.again == nil || (row.want.name != classTimeout.name && !row.want.is(r.again)) {
		t.Fatalf("Write after the failure: %v, want %s again", r.again, row.want.name)
	}
	t.Logf("%v after %v; then Write: %v", r.err, r.at.Round(time.Millisecond), r.again)
}

// hostilePeer runs a row's peer (a named frame for connGoroutines).
func hostilePeer(e *hostileEnv, f func(*hostileEnv)) { f(e) }

// The requests `openssl s_server` and `s_client` make from their stdin:
// R asks for a renegotiation (TLS 1.2), which a Conn refuses (it is off
// unless Config.AllowRenegotiation): the CLI then fails the connection with
// a handshake_failure alert, and the Conn's Read reports it. k (KeyUpdate)
// and K (KeyUpdate asking for one back) in TLS 1.3 are legal: the
// connection goes on, with data both ways afterwards.
func TestHostileOpenSSLCLI(t *testing.T) {
	bin := opensslCLI(t)
	tc := testcerts.Get()
	f := certFiles(t, map[string][]byte{"cert.pem": tc.LeafChain, "key.pem": tc.LeafKey, "ca.pem": tc.CACert})
	for _, row := range []struct {
		name, cmd, ver string
		wantErr        *errClass
	}{
		{"renegotiation", "R", "-tls1_2", &[]errClass{classAlert(40)}[0]},
		{"key-update", "k", "-tls1_3", nil},
		{"key-update-requested", "K", "-tls1_3", nil},
	} {
		for _, role := range []string{"server", "client"} {
			t.Run(row.name+"/"+role, func(t *testing.T) {
				settleProbe()
				base := probeNow()
				v := map[string]uint16{"-tls1_2": VersionTLS12, "-tls1_3": VersionTLS13}[row.ver]
				ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
				defer cancel()
				var cmd *exec.Cmd
				var c *Conn
				var l net.Listener
				if role == "client" { // the Conn is the client of s_server
					// s_server reports a KeyUpdate through stdio, which a
					// pipe buffers: stdbuf makes it line-buffered.
					args := []string{bin, "s_server", "-accept", "127.0.0.1:0", "-naccept", "1",
						"-cert", f["cert.pem"], "-key", f["key.pem"], row.ver}
					if sb, err := exec.LookPath("stdbuf"); err == nil {
						args = append([]string{sb, "-oL"}, args...)
					}
					cmd = exec.CommandContext(ctx, args[0], args[1:]...)
				} else {
					scfg := serverConfig(v)
					defer scfg.Free()
					var err error
					if l, err = Listen("tcp", "127.0.0.1:0", scfg); err != nil {
						t.Fatal(err)
					}
					defer l.Close()
					cmd = exec.CommandContext(ctx, bin, "s_client", "-connect", l.Addr().String(),
						"-servername", "localhost", "-CAfile", f["ca.pem"], row.ver)
				}
				cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH=")
				stdin, err := cmd.StdinPipe()
				if err != nil {
					t.Fatal(err)
				}
				// stdout and stderr in one pipe: the CLIs print KEYUPDATE
				// on one or the other.
				outR, outW, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				cmd.Stdout, cmd.Stderr = outW, outW
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				outW.Close()
				defer func() { cancel(); _ = cmd.Wait(); outR.Close() }()
				var stderrMu sync.Mutex
				var stderr bytes.Buffer // all the output, for failure messages
				lines := make(chan string, 1000)
				go func() {
					sc := bufio.NewScanner(outR)
					for sc.Scan() {
						stderrMu.Lock()
						stderr.WriteString(sc.Text() + "\n")
						stderrMu.Unlock()
						lines <- sc.Text()
					}
					close(lines)
				}()
				output := func() string { stderrMu.Lock(); defer stderrMu.Unlock(); return stderr.String() }
				waitLine := func(prefixes ...string) string {
					t.Helper()
					tm := time.NewTimer(testTimeout)
					defer tm.Stop()
					for {
						select {
						case line, ok := <-lines:
							if !ok {
								t.Fatalf("the CLI's output ended before %q\n%s", prefixes, output())
							}
							for _, prefix := range prefixes {
								if strings.HasPrefix(line, prefix) {
									return line
								}
							}
						case <-tm.C:
							t.Fatalf("no %q from the CLI\n%s", prefixes, output())
						}
					}
				}
				if role == "client" {
					addr := strings.TrimPrefix(waitLine("ACCEPT "), "ACCEPT ")
					ccfg := clientConfig(v)
					ccfg.ClientSessionCache = nil
					defer ccfg.Free()
					if c, err = Dial("tcp", addr, ccfg); err != nil {
						t.Fatal(err)
					}
				} else {
					stopAccept := time.AfterFunc(testTimeout, func() { l.Close() })
					nc, err := l.Accept()
					stopAccept.Stop()
					if err != nil {
						t.Fatal(err)
					}
					c = nc.(*Conn)
				}
				deadline(c)
				// The CLI prints what it reads: once it has printed our
				// line, its handshake is over and it reads its stdin.
				if _, err := c.Write([]byte("hello from the Conn\n")); err != nil {
					t.Fatal(err)
				}
				waitLine("hello from the Conn")
				if _, err := io.WriteString(stdin, row.cmd+"\n"); err != nil {
					t.Fatal(err)
				}
				if row.wantErr != nil {
					// Data may come before the refusal has reached the CLI:
					// read until the error.
					var err error
					var got string
					for err == nil {
						got, err = readLine(c)
					}
					if !row.wantErr.is(err) {
						t.Fatalf("Read after %q: %q, %v; want %s\n%s", row.cmd, got, err, row.wantErr.name, output())
					}
					if _, werr := c.Write([]byte("x")); !row.wantErr.is(werr) {
						t.Fatalf("Write after the failure: %v, want %s", werr, row.wantErr.name)
					}
					t.Logf("Read: %v", err)
				} else {
					// The CLI reads its stdin in blocks and takes a block
					// that starts with a command letter as the command
					// only: the data goes once the update is done.
					waitLine("KEYUPDATE", "SSL_do_handshake -> 1") // s_client, s_server
					if _, err := io.WriteString(stdin, "after the request\n"); err != nil {
						t.Fatal(err)
					}
					got, err := readLine(c)
					if err != nil || got != "after the request\n" {
						t.Fatalf("Read after %q: %q, %v\n%s", row.cmd, got, err, output())
					}
					// Data the other way, under the updated keys.
					if _, err := c.Write([]byte("the Conn after the update\n")); err != nil {
						t.Fatal(err)
					}
					waitLine("the Conn after the update")
				}
				_ = c.Close()
				probeBack(t, base)
			})
		}
	}
}

// readLine reads up to a newline, one Read at a time.
func readLine(c *Conn) (string, error) {
	var out []byte
	var b [256]byte
	for !bytes.HasSuffix(out, []byte("\n")) {
		n, err := c.Read(b[:])
		out = append(out, b[:n]...)
		if err != nil {
			return string(out), err
		}
	}
	return string(out), nil
}
