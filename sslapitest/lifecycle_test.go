package sslapitest

import (
	"bytes"
	"fmt"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// test_ssl_clear: a client SSL is shut down, cleared and reused for a second
// connection, which resumes the first one's session (idx 0: any version,
// idx 1: client limited to TLS 1.2).
func TestSSLClear(t *testing.T) {
	for idx := 0; idx < 2; idx++ {
		t.Run(fmt.Sprint(idx), func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := ctxPair(t, libssl.TLS1, 0)
			if idx == 1 {
				must(t, cctx.SetMaxProtoVersion(libssl.TLS1_2))
			}
			p := objects(t, sctx, cctx)
			must(t, connect(p))
			_, _ = shutdown(p, p.Client)
			_, _ = shutdown(p, p.Server)
			p.Server.Free()

			// Clear the client: the object is reused.
			must(t, p.Client.Clear())
			reuseClient(t, p, sctx)
			must(t, connect(p))
			if !p.Client.SessionReused() {
				t.Error("SSL_session_reused(clientssl) = 0 after SSL_clear and a new connection")
			}
			_, _ = shutdown(p, p.Client)
			_, _ = shutdown(p, p.Server)
		})
	}
}

// test_ssl_dup: SSL_dup of a client SSL before any handshake step is a new
// object that keeps the SSL's own protocol limits and can connect; SSL_dup
// after the handshake returns the same object.
func TestSSLDup(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, 0, 0)
	p := objects(t, sctx, cctx)
	must(t, p.Client.SetMinProtoVersion(libssl.TLS1_2))
	must(t, p.Client.SetMaxProtoVersion(libssl.TLS1_2))

	client2, err := p.Client.Dup()
	must(t, err)
	defer client2.Free()
	rbio, wbio := p.Client.RBIO(), p.Client.WBIO()
	if rbio == nil || wbio == nil {
		t.Fatal("SSL_get_rbio/SSL_get_wbio(clientssl) = NULL")
	}
	must(t, client2.SetBIO(rbio, wbio)) // SSL_set0_rbio, SSL_set0_wbio with an up-ref each
	rbio.Free()
	wbio.Free()

	// Handshake not started, so the objects differ.
	if client2.SameObject(p.Client) {
		t.Fatal("SSL_dup before the handshake returned the same object")
	}
	if got := client2.MinProtoVersion(); got != libssl.TLS1_2 {
		t.Errorf("SSL_get_min_proto_version(client2ssl) = %v, want TLSv1.2", got)
	}
	if got := client2.MaxProtoVersion(); got != libssl.TLS1_2 {
		t.Errorf("SSL_get_max_proto_version(client2ssl) = %v, want TLSv1.2", got)
	}

	// Connect the server with the copy (it uses the original's BIOs).
	orig := p.Client
	p.Client = client2
	must(t, connect(p))
	p.Client = orig

	orig.Free()
	again, err := client2.Dup()
	must(t, err)
	defer again.Free()
	// Handshake finished, so SSL_dup returns the same object.
	if !again.SameObject(client2) {
		t.Error("SSL_dup after the handshake returned another object")
	}
}

// test_shutdown: bidirectional shutdown.
//
//	0: TLSv1.2
//	1: TLSv1.2, server continues to read/write after client shutdown
//	2: TLSv1.3, no pending NewSessionTicket messages
//	3: TLSv1.3, pending NewSessionTicket messages
//	4: TLSv1.3, server reads/writes after client shutdown, sends a KeyUpdate
//	5: TLSv1.3, server reads/writes after client shutdown, sends a CertificateRequest
//	6: TLSv1.3, server writes after client shutdown, client does not read it
func TestShutdown(t *testing.T) {
	msg := []byte("A test message\x00")
	for tst := 0; tst < 7; tst++ {
		t.Run(fmt.Sprint(tst), func(t *testing.T) {
			noLeaks(t)
			max := libssl.TLS1_3
			if tst <= 1 {
				max = libssl.TLS1_2
			}
			sctx, cctx := ctxPair(t, libssl.TLS1, max)
			if tst == 5 {
				must(t, cctx.SetPostHandshakeAuth(true))
			}
			p := objects(t, sctx, cctx)
			if tst == 3 {
				must(t, bareConnect(p))
				sess := p.Client.Session()
				if sess == nil {
					t.Fatal("SSL_get_session(clientssl) = NULL")
				}
				if sess.IsResumable() {
					t.Error("session resumable before the client read its tickets")
				}
				sess.Free()
			} else {
				must(t, connect(p))
				sess := p.Client.Session()
				if sess == nil {
					t.Fatal("SSL_get_session(clientssl) = NULL")
				}
				if !sess.IsResumable() {
					t.Error("SSL_SESSION_is_resumable = 0 after the connection")
				}
				sess.Free()
			}

			if r, err := shutdown(p, p.Client); r != 0 {
				t.Fatalf("SSL_shutdown(clientssl) = %d (%v), want 0", r, err)
			}

			buf := make([]byte, 80)
			if tst >= 4 {
				// Reading on the server after the client's close_notify
				// gives SSL_ERROR_ZERO_RETURN.
				n, err := read(p, p.Server, buf)
				if err == nil || code(err) != libssl.SSLErrorZeroReturn {
					t.Fatalf("server SSL_read after close_notify: %d, %v; want SSL_ERROR_ZERO_RETURN", n, err)
				}
				if got := p.Server.ShutdownState(); got != libssl.ReceivedShutdown {
					t.Fatalf("SSL_get_shutdown(serverssl) = %d, want SSL_RECEIVED_SHUTDOWN", got)
				}
				// Shut down on receive, it can still write.
				if _, err := write(p, p.Server, msg); err != nil {
					t.Fatalf("server SSL_write after receiving close_notify: %v", err)
				}
				if tst == 4 {
					must(t, p.Server.KeyUpdate(true))
				}
				if tst == 5 {
					must(t, p.Server.SetVerify(libssl.VerifyPeer, nil))
					must(t, p.Server.VerifyClientPostHandshake())
				}
				if tst == 4 || tst == 5 {
					if _, err := write(p, p.Server, msg); err != nil {
						t.Fatalf("second server SSL_write: %v", err)
					}
				}
				if r, err := shutdown(p, p.Server); r != 1 {
					t.Fatalf("SSL_shutdown(serverssl) = %d (%v), want 1", r, err)
				}
				if tst == 4 || tst == 5 {
					// The client can still read the server's data.
					for i := 0; i < 2; i++ {
						n, err := read(p, p.Client, buf)
						if err != nil || !bytes.Equal(buf[:n], msg) {
							t.Fatalf("client read %d after shutdown: %q, %v; want %q", i+1, buf[:n], err, msg)
						}
					}
				}
			}

			// Writing on the client after close_notify is not possible.
			if _, err := write(p, p.Client, msg); err == nil {
				t.Error("client SSL_write after SSL_shutdown succeeded")
			}

			switch {
			case tst < 4:
				// The client's close_notify is not read yet; the server has
				// not sent its own.
				if r, err := shutdown(p, p.Server); r != 0 {
					t.Fatalf("SSL_shutdown(serverssl) = %d (%v), want 0", r, err)
				}
				if _, err := write(p, p.Server, msg); err == nil {
					t.Error("server SSL_write after SSL_shutdown succeeded")
				}
				if r, err := shutdown(p, p.Client); r != 1 {
					t.Fatalf("second SSL_shutdown(clientssl) = %d (%v), want 1", r, err)
				}
				sess := p.Client.Session()
				if sess == nil || !sess.IsResumable() {
					t.Error("client session not resumable after a complete shutdown")
				}
				sess.Free()
				if r, err := shutdown(p, p.Server); r != 1 {
					t.Fatalf("second SSL_shutdown(serverssl) = %d (%v), want 1", r, err)
				}
			case tst == 4 || tst == 5:
				// The server answered close_notify; the client reads it.
				if r, err := shutdown(p, p.Client); r != 1 {
					t.Fatalf("second SSL_shutdown(clientssl) = %d (%v), want 1", r, err)
				}
				sess := p.Client.Session()
				if sess == nil || !sess.IsResumable() {
					t.Error("client session not resumable after a complete shutdown")
				}
				sess.Free()
			default: // 6
				// The client expects close_notify but application data
				// comes first: a fatal error.
				r, err := shutdown(p, p.Client)
				if r != -1 || code(err) != libssl.SSLErrorSSL {
					t.Fatalf("SSL_shutdown(clientssl) = %d (%v), want -1 with SSL_ERROR_SSL", r, err)
				}
			}
		})
	}
}

// test_key_update: 40 KeyUpdate messages from the client, without and then
// with a request that the server update too, each sent with
// SSL_do_handshake; application data still flows both ways.
func TestKeyUpdate(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1_3, 0)
	p := objects(t, sctx, cctx)
	must(t, connect(p))
	mess := []byte("A test message")
	buf := make([]byte, 20)
	for j := 0; j < 2; j++ {
		for i := 0; i < 40; i++ {
			if err := p.Client.KeyUpdate(j == 1); err != nil {
				t.Fatalf("SSL_key_update #%d (requested %v): %v", i, j == 1, err)
			}
			if err := p.Client.Handshake(); err != nil {
				t.Fatalf("SSL_do_handshake after SSL_key_update #%d: %v", i, err)
			}
		}
		if n, err := write(p, p.Client, mess); err != nil || n != len(mess) {
			t.Fatalf("client SSL_write: %d, %v", n, err)
		}
		if n, err := read(p, p.Server, buf); err != nil || n != len(mess) {
			t.Fatalf("server SSL_read: %d, %v; want %d", n, err, len(mess))
		}
		if n, err := write(p, p.Server, mess); err != nil || n != len(mess) {
			t.Fatalf("server SSL_write: %d, %v", n, err)
		}
		if n, err := read(p, p.Client, buf); err != nil || n != len(mess) {
			t.Fatalf("client SSL_read: %d, %v; want %d", n, err, len(mess))
		}
	}
}

// test_incorrect_shutdown: the transport ends without close_notify. On 3.0
// SSL_read fails with SSL_ERROR_SSL, or with SSL_OP_IGNORE_UNEXPECTED_EOF
// reports SSL_ERROR_ZERO_RETURN. 1.1.1 has no such option (the constant is
// 0 there, so setting it changes nothing): test 1 then checks that the EOF
// is still reported, as SSL_ERROR_SYSCALL, never as a clean close.
func TestIncorrectShutdown(t *testing.T) {
	if (opIgnoreUnexpectedEOF == 0) == is3() {
		t.Fatalf("SSL_OP_IGNORE_UNEXPECTED_EOF is %#x against %s", uint64(opIgnoreUnexpectedEOF), libssl.RuntimeVersionText())
	}
	for tst := 0; tst < 2; tst++ {
		t.Run(fmt.Sprint(tst), func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := ctxPair(t, 0, 0)
			if tst == 1 {
				must(t, sctx.SetOptions(opIgnoreUnexpectedEOF))
			}
			p := objects(t, sctx, cctx)
			must(t, connect(p))
			c2s := p.Server.RBIO()
			must(t, c2s.SetEOF()) // BIO_set_mem_eof_return(c2s, 0)
			c2s.Free()

			buf := make([]byte, 80)
			n, err := p.Server.Read(buf)
			if err == nil || n != 0 {
				t.Fatalf("SSL_read at EOF: %d, %v; want failure", n, err)
			}
			want := libssl.SSLErrorSSL
			switch {
			case tst == 1 && is3():
				want = libssl.SSLErrorZeroReturn
			case !is3():
				want = libssl.SSLErrorSyscall
			}
			if got := code(err); got != want {
				t.Errorf("SSL_get_error = %v (%v), want %v", got, err, want)
			}
		})
	}
}

// test_ssl_pending: after the client read 5 bytes of a 15-byte record,
// SSL_pending is the rest and SSL_has_pending is true; before any data both
// sides have neither (test 0 TLS, test 1 DTLS).
func TestSSLPending(t *testing.T) {
	for tst := 0; tst < 2; tst++ {
		t.Run(fmt.Sprint(tst), func(t *testing.T) {
			noLeaks(t)
			var sctx, cctx *libssl.Ctx
			if tst == 0 {
				sctx, cctx = ctxPair(t, libssl.TLS1, 0)
			} else {
				sctx, cctx = ctxPairMethods(t, libssl.DTLSServerMethod, libssl.DTLSClientMethod, 0, 0, true)
			}
			p := objects(t, sctx, cctx)
			if tst == 0 {
				must(t, connect(p))
			} else {
				must(t, connectDTLS(p))
			}
			msg := []byte("A test message\x00")
			if p.Client.Pending() != 0 || p.Server.Pending() != 0 {
				t.Fatalf("SSL_pending before any data: client %d, server %d", p.Client.Pending(), p.Server.Pending())
			}
			if p.Client.HasPending() || p.Server.HasPending() {
				t.Fatalf("SSL_has_pending before any data: client %v, server %v", p.Client.HasPending(), p.Server.HasPending())
			}
			if n, err := write(p, p.Server, msg); err != nil || n != len(msg) {
				t.Fatalf("SSL_write: %d, %v", n, err)
			}
			buf := make([]byte, 5)
			n, err := read(p, p.Client, buf)
			if err != nil || n != len(buf) {
				t.Fatalf("SSL_read: %d, %v; want %d", n, err, len(buf))
			}
			if got := p.Client.Pending(); got != len(msg)-n {
				t.Errorf("SSL_pending(clientssl) = %d, want %d", got, len(msg)-n)
			}
			if !p.Client.HasPending() {
				t.Error("SSL_has_pending(clientssl) = 0 with the rest of the record buffered")
			}
		})
	}
}

// execute_test_large_message: a server Certificate message larger than the
// default 16k-plus buffer (BUF_MEM allocates about 21k) is received, with and
// without read_ahead, and SSL_clear on the server afterwards does not leak.
// As in C, the server certificate is added NUM_EXTRA_CERTS (40) times with
// SSL_CTX_add_extra_chain_cert; the ECDSA test certificate is smaller than
// C's RSA one, so more copies are added when 40 would not reach the size C
// asserts.
func largeMessage(t *testing.T, sm, cm libssl.Method, min libssl.ProtocolVersion, readAhead bool) {
	noLeaks(t)
	cs := testcerts.Get()
	// The certificate goes in with SSL_CTX_use_certificate alone, as
	// create_ssl_ctx_pair's SSL_CTX_use_certificate_file does: a chain set
	// with SSL_CTX_set1_chain, even an empty one, would take the place of
	// the extra chain certificates.
	sctx, cctx := ctxPairMethods(t, sm, cm, min, 0, false)
	leaf, err := libssl.ParseX509PEM(cs.LeafCert)
	must(t, err)
	defer leaf.Free()
	must(t, sctx.UseCertificate(leaf))
	must(t, sctx.UsePrivateKeyPEM(cs.LeafKey))
	must(t, sctx.CheckPrivateKey())
	const maxPlain = 16384
	n := 40
	for len(cs.LeafDER)*n <= maxPlain*4/3 {
		n++
	}
	chaincert, err := libssl.ParseX509PEM(cs.LeafCert)
	must(t, err)
	defer chaincert.Free()
	for i := 0; i < n; i++ {
		must(t, sctx.AddExtraChainCert(chaincert))
	}
	if readAhead {
		// Check that read_ahead works with large records.
		must(t, cctx.SetReadAhead(true))
	}
	p := objects(t, sctx, cctx)
	if sm == libssl.DTLSServerMethod {
		must(t, connectDTLS(p))
	} else {
		must(t, connect(p))
	}
	if got := p.Client.PeerChainLen(); got != n+1 {
		t.Errorf("client received a chain of %d certificates, want %d", got, n+1)
	}
	// Calling SSL_clear first is not required, but checks that it does not
	// leak (the probe checks at the end).
	must(t, p.Server.Clear())
}

// test_large_message_tls.
func TestLargeMessageTLS(t *testing.T) {
	largeMessage(t, libssl.TLSServerMethod, libssl.TLSClientMethod, libssl.TLS1, false)
}

// test_large_message_tls_read_ahead.
func TestLargeMessageTLSReadAhead(t *testing.T) {
	largeMessage(t, libssl.TLSServerMethod, libssl.TLSClientMethod, libssl.TLS1, true)
}

// test_large_message_dtls.
func TestLargeMessageDTLS(t *testing.T) {
	largeMessage(t, libssl.DTLSServerMethod, libssl.DTLSClientMethod, 0, false)
}

// execute_cleanse_plaintext: with SSL_OP_CLEANSE_PLAINTEXT on the server,
// SSL_peek then SSL_read return the whole 16000-byte record intact. The C test
// also reads the record layer's buffer through libssl's internal structures
// to see it zeroed after SSL_read; no public function reaches it. 1.1.1 has
// no such option (the constant is 0 there): the same steps check that peek
// and read return the record intact without it.
func TestCleansePlaintext(t *testing.T) {
	if (opCleansePlaintext == 0) == is3() {
		t.Fatalf("SSL_OP_CLEANSE_PLAINTEXT is %#x against %s", uint64(opCleansePlaintext), libssl.RuntimeVersionText())
	}
	cases := []struct {
		name     string
		sm, cm   libssl.Method
		min, max libssl.ProtocolVersion
	}{
		{"TLSv1.2", libssl.TLSServerMethod, libssl.TLSClientMethod, libssl.TLS1_2, libssl.TLS1_2},
		{"TLSv1.3", libssl.TLSServerMethod, libssl.TLSClientMethod, libssl.TLS1_3, libssl.TLS1_3},
		{"DTLS", libssl.DTLSServerMethod, libssl.DTLSClientMethod, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := ctxPairMethods(t, c.sm, c.cm, c.min, c.max, true)
			p := objects(t, sctx, cctx)
			must(t, p.Server.SetOptions(opCleansePlaintext))
			if c.sm == libssl.DTLSServerMethod {
				must(t, connectDTLS(p))
			} else {
				must(t, connect(p))
			}
			cbuf := make([]byte, 16000)
			for i := range cbuf {
				cbuf[i] = byte(i)
			}
			if n, err := write(p, p.Client, cbuf); err != nil || n != len(cbuf) {
				t.Fatalf("SSL_write: %d, %v", n, err)
			}
			sbuf := make([]byte, len(cbuf))
			if n, err := p.Server.Peek(sbuf); err != nil || n != len(sbuf) {
				t.Fatalf("SSL_peek: %d, %v; want %d", n, err, len(sbuf))
			}
			if !bytes.Equal(sbuf, cbuf) {
				t.Fatal("SSL_peek returned other bytes than were written")
			}
			clear(sbuf)
			if n, err := p.Server.Read(sbuf); err != nil || n != len(sbuf) {
				t.Fatalf("SSL_read: %d, %v; want %d", n, err, len(sbuf))
			}
			if !bytes.Equal(sbuf, cbuf) {
				t.Fatal("SSL_read returned other bytes than were written")
			}
		})
	}
}
