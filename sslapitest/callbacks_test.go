package sslapitest

import (
	"fmt"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// infoState is one row of test_info_callback's info_cb_states: the where bit
// expected and, for SSL_CB_LOOP, the SSL_state_string libssl reports then.
type infoState struct {
	where int
	state string
}

// infoStates is info_cb_states for tests 0-3 (4 and 5 need early data).
var infoStates = [][]infoState{
	{ // TLSv1.2 server followed by resumption
		{cbHandshakeStart, ""}, {cbLoop, "PINIT"}, {cbLoop, "PINIT"}, {cbLoop, "TRCH"}, {cbLoop, "TWSH"},
		{cbLoop, "TWSC"}, {cbLoop, "TWSKE"}, {cbLoop, "TWSD"}, {cbExit, ""}, {cbLoop, "TWSD"}, {cbLoop, "TRCKE"},
		{cbLoop, "TRCCS"}, {cbLoop, "TRFIN"}, {cbLoop, "TWST"}, {cbLoop, "TWCCS"}, {cbLoop, "TWFIN"},
		{cbHandshakeDone, ""}, {cbExit, ""}, {cbAlert, ""}, {cbHandshakeStart, ""},
		{cbLoop, "PINIT"}, {cbLoop, "PINIT"}, {cbLoop, "TRCH"}, {cbLoop, "TWSH"}, {cbLoop, "TWCCS"}, {cbLoop, "TWFIN"},
		{cbExit, ""}, {cbLoop, "TWFIN"}, {cbLoop, "TRCCS"}, {cbLoop, "TRFIN"}, {cbHandshakeDone, ""}, {cbExit, ""},
	},
	{ // TLSv1.2 client followed by resumption
		{cbHandshakeStart, ""}, {cbLoop, "PINIT"}, {cbLoop, "TWCH"}, {cbExit, ""}, {cbLoop, "TWCH"},
		{cbLoop, "TRSH"}, {cbLoop, "TRSC"}, {cbLoop, "TRSKE"}, {cbLoop, "TRSD"}, {cbLoop, "TWCKE"}, {cbLoop, "TWCCS"},
		{cbLoop, "TWFIN"}, {cbExit, ""}, {cbLoop, "TWFIN"}, {cbLoop, "TRST"}, {cbLoop, "TRCCS"}, {cbLoop, "TRFIN"},
		{cbHandshakeDone, ""}, {cbExit, ""}, {cbAlert, ""},
		{cbHandshakeStart, ""}, {cbLoop, "PINIT"}, {cbLoop, "TWCH"}, {cbExit, ""}, {cbLoop, "TWCH"},
		{cbLoop, "TRSH"}, {cbLoop, "TRCCS"}, {cbLoop, "TRFIN"}, {cbLoop, "TWCCS"}, {cbLoop, "TWFIN"},
		{cbHandshakeDone, ""}, {cbExit, ""},
	},
	{ // TLSv1.3 server followed by resumption
		{cbHandshakeStart, ""}, {cbLoop, "PINIT"}, {cbLoop, "PINIT"}, {cbLoop, "TRCH"}, {cbLoop, "TWSH"},
		{cbLoop, "TWCCS"}, {cbLoop, "TWEE"}, {cbLoop, "TWSC"}, {cbLoop, "TWSCV"}, {cbLoop, "TWFIN"}, {cbLoop, "TED"},
		{cbExit, ""}, {cbLoop, "TED"}, {cbLoop, "TRFIN"}, {cbHandshakeDone, ""}, {cbLoop, "TWST"},
		{cbLoop, "TWST"}, {cbExit, ""}, {cbAlert, ""}, {cbHandshakeStart, ""},
		{cbLoop, "PINIT"}, {cbLoop, "PINIT"}, {cbLoop, "TRCH"}, {cbLoop, "TWSH"}, {cbLoop, "TWCCS"}, {cbLoop, "TWEE"},
		{cbLoop, "TWFIN"}, {cbLoop, "TED"}, {cbExit, ""}, {cbLoop, "TED"}, {cbLoop, "TRFIN"}, {cbHandshakeDone, ""},
		{cbLoop, "TWST"}, {cbExit, ""},
	},
	{ // TLSv1.3 client followed by resumption
		{cbHandshakeStart, ""}, {cbLoop, "PINIT"}, {cbLoop, "TWCH"}, {cbExit, ""}, {cbLoop, "TWCH"},
		{cbLoop, "TRSH"}, {cbLoop, "TREE"}, {cbLoop, "TRSC"}, {cbLoop, "TRSCV"}, {cbLoop, "TRFIN"}, {cbLoop, "TWCCS"},
		{cbLoop, "TWFIN"}, {cbHandshakeDone, ""}, {cbExit, ""}, {cbLoop, "SSLOK"}, {cbLoop, "SSLOK"},
		{cbLoop, "TRST"}, {cbExit, ""}, {cbLoop, "SSLOK"}, {cbLoop, "SSLOK"}, {cbLoop, "TRST"}, {cbExit, ""},
		{cbAlert, ""}, {cbHandshakeStart, ""}, {cbLoop, "PINIT"}, {cbLoop, "TWCH"}, {cbExit, ""},
		{cbLoop, "TWCH"}, {cbLoop, "TRSH"}, {cbLoop, "TREE"}, {cbLoop, "TRFIN"}, {cbLoop, "TWCCS"}, {cbLoop, "TWFIN"},
		{cbHandshakeDone, ""}, {cbExit, ""}, {cbLoop, "SSLOK"}, {cbLoop, "SSLOK"}, {cbLoop, "TRST"}, {cbExit, ""},
	},
}

// infoChecker is sslapi_info_callback: each call must be the next row of the
// table (its where bit set), never report failure (ret 0), never carry
// SSL_ST_CONNECT on a server or SSL_ST_ACCEPT on a client, at SSL_CB_LOOP
// report the row's SSL_state_string, and SSL_CB_HANDSHAKE_DONE must come
// when SSL_in_init is false. OpenSSL 1.1.1 pads some state strings to six
// letters ("PINIT ", "SSLOK "), as its own copy of this table does; 3.x
// does not: the padding is trimmed on 1.1.1. And 1.1.1's SSL_state_string
// names the TLS 1.3 server's CertificateVerify write state "TRSCV" (its
// ssl_stat.c returns the read name for TLS_ST_SW_CERT_VRFY), 3.x "TWSCV":
// on 1.1.1 that row expects "TRSCV".
type infoChecker struct {
	states []infoState
	next   int
	failed string
	ssl    *libssl.SSL // the SSL being watched, for SSL_is_server and SSL_in_init
}

// stateFor is the SSL_state_string the linked version reports for a row
// of the 3.0 table (see infoChecker).
func stateFor(want string) string {
	if want == "TWSCV" && libssl.RuntimeVersion() < 0x30000000 {
		return "TRSCV"
	}
	return want
}

func (c *infoChecker) callback(where, ret int) {
	if c.failed != "" {
		return
	}
	fail := func(f string, a ...any) {
		c.failed = fmt.Sprintf("call %d (where %#x ret %d): ", c.next, where, ret) + fmt.Sprintf(f, a...)
	}
	switch {
	case ret == 0:
		fail("ret 0: the connection failed")
	case c.ssl.IsServer() && where&stConnect != 0:
		fail("SSL_ST_CONNECT on a server")
	case !c.ssl.IsServer() && where&stAccept != 0:
		fail("SSL_ST_ACCEPT on a client")
	case c.next >= len(c.states):
		fail("more calls than the %d expected", len(c.states))
	case where&c.states[c.next].where == 0:
		fail("expected where bit %#x (state %q)", c.states[c.next].where, c.states[c.next].state)
	case where&cbLoop != 0 && strings.TrimRight(c.ssl.StateStringShort(), " ") != stateFor(c.states[c.next].state):
		fail("SSL_state_string %q, want %q", c.ssl.StateStringShort(), stateFor(c.states[c.next].state))
	case where&cbHandshakeDone != 0 && c.ssl.InInit():
		fail("SSL_CB_HANDSHAKE_DONE while SSL_in_init")
	}
	c.next++
}

// test_info_callback 0-3: the info callback sees the expected sequence of
// states for a TLS 1.2 or 1.3 server or client, through a full handshake, a
// shutdown and a resumption. As in C the callback is set on the context of
// the side under test (SSL_CTX_set_info_callback). C's tests 4 and 5 (early
// data) are not ported: the package doc's table says so.
func TestInfoCallback(t *testing.T) {
	for tst := 0; tst < 4; tst++ {
		t.Run(fmt.Sprint(tst), func(t *testing.T) {
			noLeaks(t)
			v := libssl.TLS1_2
			if tst >= 2 {
				v = libssl.TLS1_3
			}
			sctx, cctx := ctxPair(t, v, v)
			chk := &infoChecker{states: infoStates[tst]}
			p := objects(t, sctx, cctx)
			watched := cctx
			if tst%2 == 0 {
				watched = sctx
			}
			must(t, watched.SetInfoCallback(chk.callback))
			setWatch := func() {
				chk.ssl = p.Client
				if tst%2 == 0 {
					chk.ssl = p.Server
				}
			}
			setWatch()
			must(t, connect(p))
			if chk.failed != "" {
				t.Fatal(chk.failed)
			}
			sess := p.Client.Session()
			defer sess.Free()
			_, _ = shutdown(p, p.Client)
			_, _ = shutdown(p, p.Server)
			p.Free()

			// Now a resumption.
			p = objects(t, sctx, cctx)
			setWatch()
			must(t, p.Client.SetSession(sess))
			must(t, connect(p))
			if !p.Client.SessionReused() {
				t.Error("SSL_session_reused(clientssl) = 0")
			}
			if chk.failed != "" {
				t.Fatal(chk.failed)
			}
		})
	}
}

// test_servername: SNI on the client and server, on the first handshake and
// on resumption, for TLS 1.2 (0-4) and TLS 1.3 (5-9):
//
//	0/5: client sets the name, server acknowledges it
//	1/6: client sets the name, server does not acknowledge it (no callback)
//	2/7: client sets an inconsistent name on resumption
//	3/8: client sets no name on the first handshake
//	4/9: client sets no name on the resumption
//
// The server acknowledges goodhost and altgoodhost from its servername
// callback (hostname_cb).
func TestServername(t *testing.T) {
	hostnameCB := func(s *libssl.SSL) libssl.TLSExtResult {
		if h := s.ServerName(); h == "goodhost" || h == "altgoodhost" {
			return libssl.TLSExtOK
		}
		return libssl.TLSExtNoAck
	}
	for tst := 0; tst < 10; tst++ {
		t.Run(fmt.Sprint(tst), func(t *testing.T) {
			noLeaks(t)
			max := libssl.TLS1_2
			if tst >= 5 {
				max = libssl.TLS1_3
			}
			sctx, cctx := ctxPair(t, libssl.TLS1, max)
			p := objects(t, sctx, cctx)
			if tst != 1 && tst != 6 {
				must(t, sctx.SetServerNameCallback(hostnameCB))
			}
			sexpected, cexpected := "", ""
			if tst != 3 && tst != 8 {
				must(t, p.Client.SetHostName("goodhost"))
				sexpected, cexpected = "goodhost", "goodhost"
			}
			must(t, connect(p))
			if got := p.Client.ServerName(); got != cexpected {
				t.Errorf("client SSL_get_servername = %q, want %q", got, cexpected)
			}
			if got := p.Server.ServerName(); got != sexpected {
				t.Errorf("server SSL_get_servername = %q, want %q", got, sexpected)
			}

			// Now a resumption.
			if r, err := shutdown(p, p.Client); r != 0 {
				t.Fatalf("SSL_shutdown(clientssl) = %d (%v), want 0", r, err)
			}
			sess := p.Client.Session()
			if sess == nil || !sess.IsResumable() {
				t.Fatal("no resumable client session")
			}
			defer sess.Free()
			if r, err := shutdown(p, p.Server); r != 0 {
				t.Fatalf("SSL_shutdown(serverssl) = %d (%v), want 0", r, err)
			}
			p.Free()

			p = objects(t, sctx, cctx)
			must(t, p.Client.SetSession(sess))
			sexpected, cexpected = "goodhost", "goodhost"
			switch tst {
			case 2, 7:
				// An inconsistent name: TLS 1.2 keeps the original
				// handshake's, TLS 1.3 takes this one's.
				must(t, p.Client.SetHostName("altgoodhost"))
				if tst == 7 {
					sexpected, cexpected = "altgoodhost", "altgoodhost"
				}
				if got := p.Client.ServerName(); got != "altgoodhost" {
					t.Errorf("client SSL_get_servername before the resumption = %q, want altgoodhost", got)
				}
			case 4, 9:
				// A TLS 1.2 session carries the name, a TLS 1.3 one does not.
				if tst == 9 {
					sexpected, cexpected = "", ""
				}
				if got := p.Client.ServerName(); got != cexpected {
					t.Errorf("client SSL_get_servername before the resumption = %q, want %q", got, cexpected)
				}
			default:
				must(t, p.Client.SetHostName("goodhost"))
				// In a TLS 1.2 resumption where the name was not
				// acknowledged, or not sent at first, the server's name is
				// empty; the client reports what it asked.
				if tst == 1 || tst == 3 {
					sexpected = ""
				}
				if got := p.Client.ServerName(); got != "goodhost" {
					t.Errorf("client SSL_get_servername before the resumption = %q, want goodhost", got)
				}
			}
			must(t, connect(p))
			if !p.Client.SessionReused() || !p.Server.SessionReused() {
				t.Fatalf("SSL_session_reused: client %v, server %v", p.Client.SessionReused(), p.Server.SessionReused())
			}
			if got := p.Client.ServerName(); got != cexpected {
				t.Errorf("client SSL_get_servername after the resumption = %q, want %q", got, cexpected)
			}
			if got := p.Server.ServerName(); got != sexpected {
				t.Errorf("server SSL_get_servername after the resumption = %q, want %q", got, sexpected)
			}
		})
	}
}

// test_sni_tls13: a server context without a certificate whose servername
// callback moves the SSL to a context that has one; the TLS 1.3 connection
// succeeds and the callback ran exactly once.
func TestSNITLS13(t *testing.T) {
	noLeaks(t)
	sctx, err := libssl.NewCtx(libssl.TLSServerMethod)
	must(t, err)
	defer sctx.Free()
	sctx2, cctx := ctxPair(t, libssl.TLS1_3, 0)
	snicb := 0
	must(t, sctx.SetServerNameCallback(func(s *libssl.SSL) libssl.TLSExtResult {
		snicb++
		if err := s.SetSSLCtx(sctx2); err != nil {
			return libssl.TLSExtAlertFatal
		}
		return libssl.TLSExtOK
	}))
	p := objects(t, sctx, cctx)
	must(t, connect(p))
	if snicb != 1 {
		t.Errorf("servername callback ran %d times, want 1", snicb)
	}
	p.Free()
}

// test_set_alpn: SSL_CTX_set_alpn_protos and SSL_set_alpn_protos accept an
// empty list and a well-formed one and refuse malformed ones. The Go API takes
// []string and encodes the wire list itself, so of C's malformed lists only
// those with an empty protocol name can be expressed ({0x00,'b','a','d'} and
// {3,'b','a','d',0x00}); truncated or mis-counted lengths cannot.
func TestSetALPN(t *testing.T) {
	noLeaks(t)
	ctx, err := libssl.NewCtx(libssl.TLSServerMethod)
	must(t, err)
	defer ctx.Free()
	good := [][]string{nil, {}, {"good"}}
	bad := [][]string{{""}, {"bad", ""}}
	for _, l := range good {
		if err := ctx.SetALPNProtos(l); err != nil {
			t.Errorf("SSL_CTX_set_alpn_protos(%q): %v", l, err)
		}
	}
	for _, l := range bad {
		if err := ctx.SetALPNProtos(l); err == nil {
			t.Errorf("SSL_CTX_set_alpn_protos(%q) succeeded", l)
		}
	}
	s, err := libssl.New(ctx)
	must(t, err)
	defer s.Free()
	for _, l := range good {
		if err := s.SetALPNProtos(l); err != nil {
			t.Errorf("SSL_set_alpn_protos(%q): %v", l, err)
		}
	}
	for _, l := range bad {
		if err := s.SetALPNProtos(l); err == nil {
			t.Errorf("SSL_set_alpn_protos(%q) succeeded", l)
		}
	}
}

// test_ssl_set_bio: every combination of rbio and wbio (none, BIO 1, BIO 2)
// set twice on an unconnected client (81 cases), then none or BIO 1 set
// after a successful (4) or failed (4) connection. C checks that
// SSL_set_bio's reference rules neither free a BIO twice nor leak one. The
// Go API's SetBIO gives the SSL references of its own (SSL_set0_rbio and
// SSL_set0_wbio with an up-ref), so the same check is: after each call the
// SSL holds exactly the BIOs set, and after the SSL is freed the test's own
// BIO handles still work (their references were not taken away).
func TestSSLSetBIO(t *testing.T) {
	const (
		useNull = iota
		useBIO1
		useBIO2
		useDefault
	)
	type tcase struct{ initR, initW, newR, newW, conn int } // conn: 0 success, 1 fail, 2 none
	var cases []tcase
	for idx := 0; idx < 81; idx++ {
		i := idx
		c := tcase{conn: 2}
		c.initR, i = i%3, i/3
		c.initW, i = i%3, i/3
		c.newR, i = i%3, i/3
		c.newW = i % 3
		cases = append(cases, c)
	}
	for idx := 0; idx < 8; idx++ {
		cases = append(cases, tcase{initR: useDefault, initW: useDefault, newR: idx % 2, newW: (idx / 2) % 2, conn: (idx / 4) % 2})
	}
	for n, c := range cases {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := ctxPair(t, libssl.TLS1, 0)
			if c.conn == 1 {
				// Mismatched versions force a connection failure.
				must(t, sctx.SetMinProtoVersion(libssl.TLS1_3))
				must(t, cctx.SetMaxProtoVersion(libssl.TLS1_2))
			}
			p := objects(t, sctx, cctx)
			bio1, err := libssl.NewMemBIO()
			must(t, err)
			defer bio1.Free()
			bio2, err := libssl.NewMemBIO()
			must(t, err)
			defer bio2.Free()
			pick := func(k int) *libssl.BIO {
				switch k {
				case useBIO1:
					return bio1
				case useBIO2:
					return bio2
				}
				return nil
			}
			check := func(step string, r, w *libssl.BIO) {
				t.Helper()
				gr, gw := p.Client.RBIO(), p.Client.WBIO()
				defer gr.Free()
				defer gw.Free()
				if (r == nil) != (gr == nil) || (r != nil && !gr.SameObject(r)) {
					t.Errorf("%s: SSL_get_rbio is not the BIO set", step)
				}
				if (w == nil) != (gw == nil) || (w != nil && !gw.SameObject(w)) {
					t.Errorf("%s: SSL_get_wbio is not the BIO set", step)
				}
			}
			if c.initR != useDefault {
				r, w := pick(c.initR), pick(c.initW)
				must(t, p.Client.SetBIO(r, w))
				check("first SetBIO", r, w)
			}
			if c.conn != 2 {
				err := connect(p)
				if (err == nil) != (c.conn == 0) {
					t.Fatalf("connection: %v, want success %v", err, c.conn == 0)
				}
			}
			r, w := pick(c.newR), pick(c.newW)
			must(t, p.Client.SetBIO(r, w))
			check("second SetBIO", r, w)
			p.Free()
			// The SSL is gone; the test's BIO handles must still hold
			// their own references.
			// their own references (nothing was written to them: no
			// handshake step ran while they were set).
			for i, b := range []*libssl.BIO{bio1, bio2} {
				msg := []byte("still mine")
				if n := b.Pending(); n != 0 {
					t.Fatalf("BIO %d holds %d bytes", i+1, n)
				}
				if _, err := b.Write(msg); err != nil {
					t.Fatalf("BIO %d after SSL_free: write: %v", i+1, err)
				}
				buf := make([]byte, 64)
				if n, err := b.Read(buf); err != nil || string(buf[:n]) != string(msg) {
					t.Fatalf("BIO %d after SSL_free: read %q, %v", i+1, buf[:n], err)
				}
			}
		})
	}
}
