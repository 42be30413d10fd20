package sslapitest

import (
	"bytes"
	"fmt"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
)

// setupEarlyData is setupearly_data_test for idx 0 (plain) and 1 (read_ahead
// on both contexts, and SNI sent in the first ClientHello): a server allowing
// 16384 bytes of early data, a first connection for a session, and a new
// pair whose client offers that session; idx 2: the PSK session callbacks
// and an external PSK allowing early data instead (psk_test.go), returned
// as the session.
func setupEarlyData(t *testing.T, idx int) (*sslpair.Pair, *libssl.Session) {
	t.Helper()
	sctx, cctx := ctxPair(t, libssl.TLS1, 0)
	must(t, sctx.SetMaxEarlyData(16384))
	if idx == 1 {
		must(t, cctx.SetReadAhead(true))
		must(t, sctx.SetReadAhead(true))
	}
	if idx == 2 {
		return setupEarlyDataPSK(t, sctx, cctx)
	}
	p := objects(t, sctx, cctx)
	if idx == 1 {
		must(t, p.Client.SetHostName("localhost"))
	}
	must(t, connect(p))
	sess := p.Client.Session()
	if sess == nil {
		t.Fatal("no client session")
	}
	t.Cleanup(sess.Free)
	_, _ = shutdown(p, p.Client)
	_, _ = shutdown(p, p.Server)
	p.Free()
	p = objects(t, sctx, cctx)
	must(t, p.Client.SetSession(sess))
	return p, sess
}

// test_early_data_not_sent: a server reading early data from a client that
// sends none learns that none was sent, and the connection goes on.
func TestEarlyDataNotSent(t *testing.T) {
	for idx := 0; idx < 3; idx++ {
		t.Run(fmt.Sprint(idx), func(t *testing.T) {
			noLeaks(t)
			p, _ := setupEarlyData(t, idx)
			msg1, msg2 := []byte("Hello"), []byte("World.")
			// A write blocks on the handshake with the server.
			must(t, p.Client.SetConnectState())
			if _, err := write(p, p.Client, msg1); err == nil {
				t.Fatal("client SSL_write before the handshake succeeded")
			}
			buf := make([]byte, 20)
			_, _ = p.Pump()
			n, res, err := p.Server.ReadEarlyData(buf)
			if res != libssl.ReadEarlyDataFinish || n != 0 {
				t.Fatalf("SSL_read_early_data = %v, %d bytes (%v); want SSL_READ_EARLY_DATA_FINISH, 0", res, n, err)
			}
			if st := p.Server.EarlyDataStatus(); st != libssl.EarlyDataNotSent {
				t.Errorf("server SSL_get_early_data_status = %v, want SSL_EARLY_DATA_NOT_SENT", st)
			}
			if st := p.Client.EarlyDataStatus(); st != libssl.EarlyDataNotSent {
				t.Errorf("client SSL_get_early_data_status = %v, want SSL_EARLY_DATA_NOT_SENT", st)
			}
			// Continue the write started earlier.
			if n, err := write(p, p.Client, msg1); err != nil || n != len(msg1) {
				t.Fatalf("client SSL_write: %d, %v", n, err)
			}
			if n, err := read(p, p.Server, buf); err != nil || !bytes.Equal(buf[:n], msg1) {
				t.Fatalf("server SSL_read: %q, %v", buf[:n], err)
			}
			if n, err := write(p, p.Server, msg2); err != nil || n != len(msg2) {
				t.Fatalf("server SSL_write: %d, %v", n, err)
			}
			if n, err := read(p, p.Client, buf); err != nil || !bytes.Equal(buf[:n], msg2) {
				t.Fatalf("client SSL_read: %q, %v; want %q", buf[:n], err, msg2)
			}
		})
	}
}

// handshakeStep pumps, then runs one SSL_accept/SSL_connect step on s
// (SSL_do_handshake), and pumps what it wrote.
func handshakeStep(p *sslpair.Pair, s *libssl.SSL) error {
	if _, err := p.Pump(); err != nil {
		return err
	}
	err := s.Handshake()
	if _, perr := p.Pump(); perr != nil && err == nil {
		err = perr
	}
	return err
}

// test_early_data_not_expected: a server that does not read early data
// skips what the client sent: its first SSL_accept blocks, the client's
// SSL_connect completes, both see the early data rejected, and normal data
// then flows.
func TestEarlyDataNotExpected(t *testing.T) {
	for idx := 0; idx < 3; idx++ {
		t.Run(fmt.Sprint(idx), func(t *testing.T) {
			noLeaks(t)
			p, _ := setupEarlyData(t, idx)
			msg1, msg2 := []byte("Hello"), []byte("World.")
			if n, err := p.Client.WriteEarlyData(msg1); err != nil || n != len(msg1) {
				t.Fatalf("SSL_write_early_data: %d, %v", n, err)
			}
			if err := handshakeStep(p, p.Server); err == nil {
				t.Fatal("the server's first SSL_accept completed; it should wait for the client")
			}
			if err := handshakeStep(p, p.Client); err != nil {
				t.Fatalf("client SSL_connect: %v", err)
			}
			if st := p.Server.EarlyDataStatus(); st != libssl.EarlyDataRejected {
				t.Errorf("server SSL_get_early_data_status = %v, want SSL_EARLY_DATA_REJECTED", st)
			}
			if err := handshakeStep(p, p.Server); err != nil {
				t.Fatalf("server's second SSL_accept: %v", err)
			}
			if st := p.Client.EarlyDataStatus(); st != libssl.EarlyDataRejected {
				t.Errorf("client SSL_get_early_data_status = %v, want SSL_EARLY_DATA_REJECTED", st)
			}
			if n, err := write(p, p.Client, msg2); err != nil || n != len(msg2) {
				t.Fatalf("client SSL_write: %d, %v", n, err)
			}
			buf := make([]byte, 20)
			if n, err := read(p, p.Server, buf); err != nil || !bytes.Equal(buf[:n], msg2) {
				t.Fatalf("server SSL_read: %q, %v; want %q", buf[:n], err, msg2)
			}
		})
	}
}

// test_early_data_tls1_2: a server reading early data copes with a TLS 1.2
// client: SSL_read_early_data first fails (the handshake waits for the
// client), then finishes with nothing read and the status "not sent"; the
// client's write then completes and data flows both ways. The objects are
// setupearly_data_test's without the first connection: idx 1 sets
// read_ahead on both contexts and SNI on the client; idx 2 sets the PSK
// session callbacks and makes the PSK (unused by TLS 1.2).
func TestEarlyDataTLS12(t *testing.T) {
	for idx := 0; idx < 3; idx++ {
		t.Run(fmt.Sprint(idx), func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := ctxPair(t, libssl.TLS1, 0)
			must(t, sctx.SetMaxEarlyData(16384))
			if idx == 1 {
				must(t, cctx.SetReadAhead(true))
				must(t, sctx.SetReadAhead(true))
			}
			var p *sslpair.Pair
			if idx == 2 {
				p, _ = setupEarlyDataPSK(t, sctx, cctx)
			} else {
				p = objects(t, sctx, cctx)
			}
			if idx == 1 {
				must(t, p.Client.SetHostName("localhost"))
			}
			msg1, msg2 := []byte("Hello"), []byte("World.")
			must(t, p.Client.SetMaxProtoVersion(libssl.TLS1_2))
			must(t, p.Client.SetConnectState())
			if _, err := write(p, p.Client, msg1); err == nil {
				t.Fatal("client SSL_write before the handshake succeeded")
			}
			buf := make([]byte, 20)
			_, _ = p.Pump()
			if _, res, _ := p.Server.ReadEarlyData(buf); res != libssl.ReadEarlyDataError {
				t.Fatalf("first SSL_read_early_data = %v, want SSL_READ_EARLY_DATA_ERROR", res)
			}
			if _, err := write(p, p.Client, msg1); err == nil {
				t.Fatal("client SSL_write before the server's Finished succeeded")
			}
			_, _ = p.Pump()
			n, res, err := p.Server.ReadEarlyData(buf)
			if res != libssl.ReadEarlyDataFinish || n != 0 {
				t.Fatalf("second SSL_read_early_data = %v, %d bytes (%v); want SSL_READ_EARLY_DATA_FINISH, 0", res, n, err)
			}
			if st := p.Server.EarlyDataStatus(); st != libssl.EarlyDataNotSent {
				t.Errorf("server SSL_get_early_data_status = %v, want SSL_EARLY_DATA_NOT_SENT", st)
			}
			if n, err := write(p, p.Client, msg1); err != nil || n != len(msg1) {
				t.Fatalf("client SSL_write: %d, %v", n, err)
			}
			if st := p.Client.EarlyDataStatus(); st != libssl.EarlyDataNotSent {
				t.Errorf("client SSL_get_early_data_status = %v, want SSL_EARLY_DATA_NOT_SENT", st)
			}
			if n, err := read(p, p.Server, buf); err != nil || !bytes.Equal(buf[:n], msg1) {
				t.Fatalf("server SSL_read: %q, %v; want %q", buf[:n], err, msg1)
			}
			if n, err := write(p, p.Server, msg2); err != nil || n != len(msg2) {
				t.Fatalf("server SSL_write: %d, %v", n, err)
			}
			if n, err := read(p, p.Client, buf); err != nil || !bytes.Equal(buf[:n], msg2) {
				t.Fatalf("client SSL_read: %q, %v; want %q", buf[:n], err, msg2)
			}
		})
	}
}
