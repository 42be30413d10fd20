package opensslgrpc

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libssl-go/libssl/openssl"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// callTimeout bounds every call that must not hang.
const callTimeout = 30 * time.Second

func callCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestUnary(t *testing.T) {
	p := newPKI(t, "ca")
	forEachPair(t, func(t *testing.T, client, server impl) {
		ts := startServer(t, serverCreds(t, p, server, false))
		cc := dial(t, ts.addr, clientCreds(t, p, client, false))
		req, reply := []byte("hello over TLS"), []byte(nil)
		var pr peer.Peer
		if err := cc.Invoke(callCtx(t), mUnary, &req, &reply, grpc.Peer(&pr)); err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "reply", reply, req)
		// The client's view of the server: grpc's peer from AuthInfo.
		info, ok := pr.AuthInfo.(credentials.TLSInfo)
		if !ok {
			t.Fatalf("client's AuthInfo is %T", pr.AuthInfo)
		}
		if info.AuthType() != "tls" || info.SecurityLevel != credentials.PrivacyAndIntegrity {
			t.Errorf("AuthInfo: type %q, level %v", info.AuthType(), info.SecurityLevel)
		}
		if info.State.NegotiatedProtocol != "h2" || len(info.State.PeerCertificates) == 0 ||
			info.State.PeerCertificates[0].Subject.CommonName != "server" || len(info.State.VerifiedChains) == 0 {
			t.Errorf("client's TLS state: ALPN %q, %d peer certificates, %d verified chains",
				info.State.NegotiatedProtocol, len(info.State.PeerCertificates), len(info.State.VerifiedChains))
		}
	})
}

func TestStreaming(t *testing.T) {
	p := newPKI(t, "ca")
	forEachPair(t, func(t *testing.T, client, server impl) {
		ts := startServer(t, serverCreds(t, p, server, false))
		cc := dial(t, ts.addr, clientCreds(t, p, client, false))
		ctx := callCtx(t)

		t.Run("client", func(t *testing.T) {
			st, err := cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true}, mClientStream)
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			for i := range 50 {
				msg := bytes.Repeat([]byte{byte(i)}, 1000+i)
				want = append(want, msg...)
				if err := st.SendMsg(&msg); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.CloseSend(); err != nil {
				t.Fatal(err)
			}
			var got []byte
			if err := st.RecvMsg(&got); err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "concatenation", got, want)
		})
		t.Run("server", func(t *testing.T) {
			st, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, mServerStream)
			if err != nil {
				t.Fatal(err)
			}
			const n = 200
			req := binary.BigEndian.AppendUint32(nil, n)
			if err := st.SendMsg(&req); err != nil {
				t.Fatal(err)
			}
			if err := st.CloseSend(); err != nil {
				t.Fatal(err)
			}
			for i := range uint32(n) {
				var msg []byte
				if err := st.RecvMsg(&msg); err != nil {
					t.Fatalf("reply %d: %v", i, err)
				}
				mustEqual(t, "reply", msg, binary.BigEndian.AppendUint32(nil, i))
			}
			var msg []byte
			if err := st.RecvMsg(&msg); err != io.EOF {
				t.Fatalf("after %d replies: %v, want io.EOF", n, err)
			}
		})
		t.Run("bidi", func(t *testing.T) {
			st, err := cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, mBidi)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 100 {
				msg := []byte(strings.Repeat("x", i) + "!")
				if err := st.SendMsg(&msg); err != nil {
					t.Fatal(err)
				}
				var got []byte
				if err := st.RecvMsg(&got); err != nil {
					t.Fatal(err)
				}
				mustEqual(t, "echo", got, msg)
			}
			if err := st.CloseSend(); err != nil {
				t.Fatal(err)
			}
			var got []byte
			if err := st.RecvMsg(&got); err != io.EOF {
				t.Fatalf("after CloseSend: %v, want io.EOF", err)
			}
		})
	})
}

// TestMutualTLS: the server requires and verifies a client certificate,
// and its handler reads it from peer.FromContext's TLSInfo.
func TestMutualTLS(t *testing.T) {
	p := newPKI(t, "ca")
	forEachPair(t, func(t *testing.T, client, server impl) {
		ts := startServer(t, serverCreds(t, p, server, true))
		cc := dial(t, ts.addr, clientCreds(t, p, client, true))
		req, reply := []byte("who am I"), []byte(nil)
		if err := cc.Invoke(callCtx(t), mPeer, &req, &reply); err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "client certificate's CN", reply, []byte("client"))

		// Without a client certificate the server refuses the connection.
		bare := dial(t, ts.addr, clientCreds(t, p, client, false))
		err := bare.Invoke(callCtx(t), mPeer, &req, &reply)
		if code := status.Code(err); code != codes.Unavailable {
			t.Fatalf("without a client certificate: %v (code %v), want Unavailable", err, code)
		}
	})
}

// TestLargeMessage sends a 32 MiB message each way in one unary call.
func TestLargeMessage(t *testing.T) {
	p := newPKI(t, "ca")
	forEachPair(t, func(t *testing.T, client, server impl) {
		ts := startServer(t, serverCreds(t, p, server, false))
		cc := dial(t, ts.addr, clientCreds(t, p, client, false))
		req := make([]byte, 32<<20)
		for i := range req {
			req[i] = byte(i * 7)
		}
		var reply []byte
		if err := cc.Invoke(callCtx(t), mUnary, &req, &reply); err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "32 MiB echo", reply, req)
	})
}

// TestConcurrentStreams runs 100 bidi streams at once on one connection.
func TestConcurrentStreams(t *testing.T) {
	p := newPKI(t, "ca")
	forEachPair(t, func(t *testing.T, client, server impl) {
		ts := startServer(t, serverCreds(t, p, server, false))
		cc := dial(t, ts.addr, clientCreds(t, p, client, false))
		ctx := callCtx(t)
		const streams, rounds = 100, 20
		// Every stream is open before any sends: all 100 are live together.
		sts := make([]grpc.ClientStream, streams)
		for i := range sts {
			st, err := cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, mBidi)
			if err != nil {
				t.Fatal(err)
			}
			sts[i] = st
		}
		var wg sync.WaitGroup
		errs := make(chan error, streams)
		for i, st := range sts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					msg := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(i)), uint32(r))
					if err := st.SendMsg(&msg); err != nil {
						errs <- err
						return
					}
					var got []byte
					if err := st.RecvMsg(&got); err != nil {
						errs <- err
						return
					}
					if !bytes.Equal(got, msg) {
						errs <- errors.New("a stream got another stream's reply")
						return
					}
				}
				if err := st.CloseSend(); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := ts.accepts.Load(); n != 1 {
			t.Errorf("the server accepted %d connections, want 1", n)
		}
	})
}

// TestDeadlineExceeded: a call whose deadline passes while the server
// holds it ends with DeadlineExceeded.
func TestDeadlineExceeded(t *testing.T) {
	p := newPKI(t, "ca")
	forEachPair(t, func(t *testing.T, client, server impl) {
		ts := startServer(t, serverCreds(t, p, server, false))
		cc := dial(t, ts.addr, clientCreds(t, p, client, false))
		// The connection is up first, so that the deadline bounds the call.
		req, reply := []byte("warm"), []byte(nil)
		if err := cc.Invoke(callCtx(t), mUnary, &req, &reply); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err := cc.Invoke(ctx, mBlock, &req, &reply)
		if code := status.Code(err); code != codes.DeadlineExceeded {
			t.Fatalf("%v (code %v), want DeadlineExceeded", err, code)
		}
		// The connection outlives the call.
		if err := cc.Invoke(callCtx(t), mUnary, &req, &reply); err != nil {
			t.Fatalf("a call after the deadline: %v", err)
		}
	})
}

// TestServerStopDuringStreams: Stop while streams are open ends them at
// once on the client (Unavailable or Canceled), and leaves no goroutine.
func TestServerStopDuringStreams(t *testing.T) {
	p := newPKI(t, "ca")
	forEachPair(t, func(t *testing.T, client, server impl) {
		base := runtime.NumGoroutine()
		func() {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var blocked atomic.Int32
			srv := grpc.NewServer(grpc.Creds(serverCreds(t, p, server, false)), grpc.ForceServerCodec(rawCodec{}),
				grpc.UnknownServiceHandler(handle(&blocked)))
			served := make(chan error, 1)
			go func() { served <- srv.Serve(l) }()
			_, port, _ := net.SplitHostPort(l.Addr().String())
			cc, err := grpc.NewClient(net.JoinHostPort("localhost", port),
				grpc.WithTransportCredentials(clientCreds(t, p, client, false)),
				grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			ctx := callCtx(t)
			const streams = 10
			results := make(chan error, streams)
			for range streams {
				st, err := cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, mBlock)
				if err != nil {
					t.Fatal(err)
				}
				msg := []byte("x")
				if err := st.SendMsg(&msg); err != nil {
					t.Fatal(err)
				}
				go func() {
					var got []byte
					results <- st.RecvMsg(&got)
				}()
			}
			// Every stream has reached the handler before Stop.
			for blocked.Load() < streams {
				select {
				case <-ctx.Done():
					t.Fatalf("%d of %d streams reached the server", blocked.Load(), streams)
				case <-time.After(time.Millisecond):
				}
			}
			stopped := time.Now()
			stopDone := make(chan struct{})
			go func() { srv.Stop(); close(stopDone) }()
			select {
			case <-stopDone:
			case <-time.After(10 * time.Second):
				// Stop waits for every connection's goroutines: one of
				// them is stuck on a transport Close did not end.
				t.Fatal("Stop still waits 10 s later")
			}
			for range streams {
				select {
				case err := <-results:
					if code := status.Code(err); code != codes.Unavailable && code != codes.Canceled {
						t.Errorf("stream after Stop: %v (code %v), want Unavailable or Canceled", err, code)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("a stream still waits 10 s after Stop")
				}
			}
			t.Logf("all %d streams ended %v after Stop", streams, time.Since(stopped))
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
		}()
		waitGoroutines(t, base)
	})
}

// TestHandshakeWrongCA: a client that trusts another CA fails its calls
// with Unavailable, and the status says why.
func TestHandshakeWrongCA(t *testing.T) {
	p, other := newPKI(t, "ca"), newPKI(t, "another ca")
	forEachPair(t, func(t *testing.T, client, server impl) {
		ts := startServer(t, serverCreds(t, p, server, false))
		cc := dial(t, ts.addr, clientCreds(t, other, client, false))
		req, reply := []byte("x"), []byte(nil)
		err := cc.Invoke(callCtx(t), mUnary, &req, &reply)
		if code := status.Code(err); code != codes.Unavailable {
			t.Fatalf("%v (code %v), want Unavailable", err, code)
		}
		// crypto/tls: "certificate signed by unknown authority";
		// libssl: "certificate verify failed ... unable to get local issuer certificate".
		msg := status.Convert(err).Message()
		if !strings.Contains(msg, "certificate") || !(strings.Contains(msg, "unknown authority") || strings.Contains(msg, "issuer")) {
			t.Fatalf("the status does not say the certificate did not verify: %q", msg)
		}
		t.Logf("status: %s", msg)
	})
}

// TestServerName: the name a client verifies is OverrideServerName's, else
// the Config's ServerName, else the authority's host. The certificate
// names "localhost" only, so dialing 127.0.0.1 verifies only with a name.
func TestServerName(t *testing.T) {
	p := newPKI(t, "ca")
	ts := startServer(t, serverCreds(t, p, goImpl, false))
	_, port, _ := net.SplitHostPort(ts.addr)
	ip := net.JoinHostPort("127.0.0.1", port)
	call := func(creds credentials.TransportCredentials) error {
		cc := dial(t, ip, creds)
		req, reply := []byte("x"), []byte(nil)
		return cc.Invoke(callCtx(t), mUnary, &req, &reply)
	}
	newCfg := func(name string) *openssl.Config {
		cfg := &openssl.Config{RootCAs: p.caPEM, ServerName: name}
		t.Cleanup(cfg.Free)
		return cfg
	}

	if err := call(NewCredentials(newCfg(""))); status.Code(err) != codes.Unavailable {
		t.Errorf("127.0.0.1 verified against a certificate for localhost: %v", err)
	}
	if err := call(NewCredentials(newCfg("localhost"))); err != nil {
		t.Errorf("Config.ServerName localhost: %v", err)
	}
	creds := NewCredentials(newCfg(""))
	clone := creds.Clone()
	if err := creds.OverrideServerName("localhost"); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 grpc-go still reads Info().ServerName
	if got := creds.Info().ServerName; got != "localhost" {
		t.Errorf("Info().ServerName after OverrideServerName: %q", got)
	}
	//lint:ignore SA1019 grpc-go still reads Info().ServerName
	if got := clone.Info().ServerName; got != "" {
		t.Errorf("a clone made before OverrideServerName has ServerName %q", got)
	}
	if err := call(creds); err != nil {
		t.Errorf("OverrideServerName localhost: %v", err)
	}
	if err := call(clone); status.Code(err) != codes.Unavailable {
		t.Errorf("the clone verified 127.0.0.1 (the override leaked to it): %v", err)
	}
	wrong := NewCredentials(newCfg("localhost"))
	if err := wrong.OverrideServerName("example.com"); err != nil {
		t.Fatal(err)
	}
	if err := call(wrong); status.Code(err) != codes.Unavailable {
		t.Errorf("OverrideServerName example.com did not replace Config.ServerName: %v", err)
	}
}

// TestInfo: what grpc reads of the credentials.
func TestInfo(t *testing.T) {
	cfg := &openssl.Config{ServerName: "svc.example"}
	info := NewCredentials(cfg).Info()
	//lint:ignore SA1019 grpc-go still reads Info().ServerName
	if info.SecurityProtocol != "tls" || info.ServerName != "svc.example" {
		t.Fatalf("Info() = %+v", info)
	}
}

// TestServerHandshakeDeadline: a client that connects and sends nothing
// is dropped when grpc's connection timeout (a deadline on the raw conn)
// passes.
func TestServerHandshakeDeadline(t *testing.T) {
	p := newPKI(t, "ca")
	ts := startServer(t, serverCreds(t, p, libsslImpl, false), grpc.ConnectionTimeout(200*time.Millisecond))
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	start := time.Now()
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a silent connection for %v", time.Since(start))
	}
	if err == nil {
		t.Fatal("the server sent bytes to a client that sent none")
	}
	t.Logf("dropped after %v: %v", time.Since(start), err)
}

// TestALPN: a peer that does not negotiate "h2" fails the handshake in
// either role, with an error that says so; a peer that offers only another
// protocol fails too.
func TestALPN(t *testing.T) {
	p := newPKI(t, "ca")
	ours := func(server bool) *Credentials {
		if server {
			return serverCreds(t, p, libsslImpl, false).(*Credentials)
		}
		return clientCreds(t, p, libsslImpl, false).(*Credentials)
	}

	t.Run("server, client offers no ALPN", func(t *testing.T) {
		c, s := tcpPair(t)
		go func() {
			tc := tls.Client(c, &tls.Config{RootCAs: p.pool, ServerName: "localhost"})
			tc.Handshake()
			io.Copy(io.Discard, tc)
		}()
		conn, _, err := ours(true).ServerHandshake(s)
		if conn != nil || !errors.Is(err, errNoH2) {
			t.Fatalf("ServerHandshake: %v, want %v", err, errNoH2)
		}
	})
	t.Run("server, client offers http/1.1 only", func(t *testing.T) {
		c, s := tcpPair(t)
		clientErr := make(chan error, 1)
		go func() {
			tc := tls.Client(c, &tls.Config{RootCAs: p.pool, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
			clientErr <- tc.Handshake()
		}()
		conn, _, err := ours(true).ServerHandshake(s)
		if conn != nil || err == nil {
			t.Fatal("ServerHandshake accepted a client that offered only http/1.1")
		}
		if cerr := <-clientErr; cerr == nil || !strings.Contains(cerr.Error(), "no application protocol") {
			t.Errorf("the client's handshake: %v, want a no_application_protocol alert", cerr)
		}
	})
	t.Run("client, server selects none", func(t *testing.T) {
		c, s := tcpPair(t)
		go func() {
			ts := tls.Server(s, &tls.Config{Certificates: []tls.Certificate{p.serverTLS}})
			ts.Handshake()
			io.Copy(io.Discard, ts)
		}()
		conn, _, err := ours(false).ClientHandshake(callCtx(t), "localhost:1", c)
		if conn != nil || !errors.Is(err, errNoH2) {
			t.Fatalf("ClientHandshake: %v, want %v", err, errNoH2)
		}
	})
	t.Run("client, through grpc", func(t *testing.T) {
		// A crypto/tls server that never selects a protocol, behind a
		// grpc client: the call fails with Unavailable naming ALPN.
		l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{p.serverTLS}})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() { io.Copy(io.Discard, c); c.Close() }()
			}
		}()
		_, port, _ := net.SplitHostPort(l.Addr().String())
		cc := dial(t, net.JoinHostPort("localhost", port), ours(false))
		req, reply := []byte("x"), []byte(nil)
		err = cc.Invoke(callCtx(t), mUnary, &req, &reply)
		if status.Code(err) != codes.Unavailable || !strings.Contains(status.Convert(err).Message(), "did not negotiate ALPN") {
			t.Fatalf("%v, want Unavailable naming ALPN h2", err)
		}
	})
}

// TestHandshakeContext: ClientHandshake gives up when its context ends
// against a server that never answers, and closes the raw connection.
func TestHandshakeContext(t *testing.T) {
	p := newPKI(t, "ca")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := <-accepted
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	conn, _, err := clientCreds(t, p, libsslImpl, false).ClientHandshake(ctx, "localhost:1", c)
	if conn != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ClientHandshake: %v, want context.DeadlineExceeded", err)
	}
	// The silent server sees the client's side closed.
	s.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.Copy(io.Discard, s); err != nil {
		t.Fatalf("the raw connection was not closed: %v", err)
	}
}

// waitGoroutines fails t unless the goroutine count returns to base or
// below within 10 s (grpc's and the runtime's goroutines end
// asynchronously after Stop and Close).
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before the test:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBadInput: credentials without a usable Config, a connection already
// closed and a peer that hangs up give errors at once, never a hang.
func TestBadInput(t *testing.T) {

	t.Run("server without a certificate", func(t *testing.T) {
		c, s := tcpPair(t)
		clientErr := make(chan error, 1)
		go func() {
			clientErr <- tls.Client(c, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}).Handshake()
		}()
		conn, _, err := NewCredentials(nil).ServerHandshake(s)
		if conn != nil || err == nil {
			t.Fatal("a server without a certificate handshook")
		}
		t.Logf("%v", err)
		if err := <-clientErr; err == nil {
			t.Fatal("the client's handshake succeeded against a server without a certificate")
		}
	})
	t.Run("client on a closed connection", func(t *testing.T) {
		c, _ := tcpPair(t)
		c.Close()
		conn, _, err := NewCredentials(nil).ClientHandshake(callCtx(t), "localhost:1", c)
		if conn != nil || err == nil {
			t.Fatal("a handshake on a closed connection succeeded")
		}
		t.Logf("%v", err)
	})
	t.Run("client, server hangs up", func(t *testing.T) {
		c, s := tcpPair(t)
		s.Close()
		conn, _, err := NewCredentials(nil).ClientHandshake(callCtx(t), "localhost:1", c)
		if conn != nil || err == nil {
			t.Fatal("a handshake with a peer that hung up succeeded")
		}
		t.Logf("%v", err)
	})
}
