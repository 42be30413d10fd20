package sslapitest

import (
	"bytes"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// keylogCounts is sslapitest_log_counts: how many lines of each kind a
// key log holds.
type keylogCounts struct {
	rsaKeyExchange, masterSecret                                  int
	clientEarly, clientHandshake, serverHandshake                 int
	clientApplication, serverApplication, earlyExporter, exporter int
}

// checkKeylog is test_keylog_output: every line of log is a known label;
// "RSA" lines carry 16 hex digits and a secret; CLIENT_RANDOM lines carry
// the SSL's client random (SSL_get_client_random) and the session's
// master key (SSL_SESSION_get_master_key); TLS 1.3 lines carry the client
// random and a secret. The counts of each kind must be want.
func checkKeylog(t *testing.T, who string, log []string, s *libssl.SSL, want keylogCounts) {
	t.Helper()
	var got keylogCounts
	random := hex.EncodeToString(s.ClientRandom())
	for _, line := range log {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Errorf("%s: key-log line %q has %d fields, want 3", who, line, len(f))
			continue
		}
		switch f[0] {
		case "RSA":
			if len(f[1]) != 16 {
				t.Errorf("%s: RSA line's first token %q is not 16 hex digits", who, f[1])
			}
			got.rsaKeyExchange++
			continue
		case "CLIENT_RANDOM":
			sess := s.Session()
			if sess == nil {
				t.Fatalf("%s: no session", who)
			}
			mk := sess.MasterKey()
			sess.Free()
			if len(mk) == 0 {
				t.Errorf("%s: SSL_SESSION_get_master_key returned nothing", who)
			}
			if !strings.EqualFold(f[2], hex.EncodeToString(mk)) {
				t.Errorf("%s: CLIENT_RANDOM secret %s is not the session's master key %x", who, f[2], mk)
			}
			got.masterSecret++
		case "CLIENT_EARLY_TRAFFIC_SECRET":
			got.clientEarly++
		case "CLIENT_HANDSHAKE_TRAFFIC_SECRET":
			got.clientHandshake++
		case "SERVER_HANDSHAKE_TRAFFIC_SECRET":
			got.serverHandshake++
		case "CLIENT_TRAFFIC_SECRET_0":
			got.clientApplication++
		case "SERVER_TRAFFIC_SECRET_0":
			got.serverApplication++
		case "EARLY_EXPORTER_SECRET":
			got.earlyExporter++
		case "EXPORTER_SECRET":
			got.exporter++
		default:
			t.Errorf("%s: unexpected key-log label %q", who, f[0])
			continue
		}
		if len(random) != 64 || !strings.EqualFold(f[1], random) {
			t.Errorf("%s: %s line names client random %s, the SSL's is %s", who, f[0], f[1], random)
		}
	}
	if got != want {
		t.Errorf("%s: key-log counts %+v, want %+v", who, got, want)
	}
}

// keylogRecorder collects one side's key-log lines.
type keylogRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *keylogRecorder) cb(_ *libssl.SSL, line string) {
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
}

func (r *keylogRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.lines
	r.lines = nil
	return l
}

// setKeylog installs a recorder on each context after checking, as C does
// with SSL_CTX_get_keylog_callback, that none was set and that it is set
// afterwards.
func setKeylog(t *testing.T, sctx, cctx *libssl.Ctx) (srv, cli *keylogRecorder) {
	t.Helper()
	if cctx.HasKeylogCallback() || sctx.HasKeylogCallback() {
		t.Fatal("a new context already has a key-log callback")
	}
	srv, cli = &keylogRecorder{}, &keylogRecorder{}
	must(t, cctx.SetKeylogCallback(cli.cb))
	if !cctx.HasKeylogCallback() {
		t.Fatal("client context has no key-log callback after SSL_CTX_set_keylog_callback")
	}
	must(t, sctx.SetKeylogCallback(srv.cb))
	if !sctx.HasKeylogCallback() {
		t.Fatal("server context has no key-log callback after SSL_CTX_set_keylog_callback")
	}
	return srv, cli
}

// TestKeylog is test_keylog: a TLS 1.2 handshake with RSA key exchange
// (the C test's "RSA" cipher list; TLS 1.3 off) logs, on the client, one
// RSA line and one CLIENT_RANDOM line whose secret is the session's master
// key, and on the server the CLIENT_RANDOM line only.
func TestKeylog(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPairMethods(t, libssl.TLSServerMethod, libssl.TLSClientMethod, libssl.TLS1, 0, false)
	cert, key := rsaCert(t, 2048) // RSA key exchange needs an RSA certificate
	must(t, sctx.UseCertificatePEM(cert))
	must(t, sctx.UsePrivateKeyPEM(key))
	must(t, cctx.SetOptions(libssl.OpNoTLSv1_3))
	must(t, sctx.SetOptions(libssl.OpNoTLSv1_3))
	must(t, cctx.SetCipherList("RSA"))
	srv, cli := setKeylog(t, sctx, cctx)

	p := objects(t, sctx, cctx)
	must(t, connect(p))
	clog, slog := cli.take(), srv.take()
	if len(clog) == 0 || len(slog) == 0 {
		t.Fatalf("key logs: client %d lines, server %d lines; want some on both", len(clog), len(slog))
	}
	checkKeylog(t, "client", clog, p.Client, keylogCounts{rsaKeyExchange: 1, masterSecret: 1})
	checkKeylog(t, "server", slog, p.Server, keylogCounts{masterSecret: 1})
}

// TestKeylogNoMasterKey is test_keylog_no_master_key: a TLS 1.3 handshake
// logs no CLIENT_RANDOM line but the handshake, traffic and exporter
// secrets on both sides; a resumption with (zero-length) early data adds the
// early traffic and early exporter secrets.
func TestKeylogNoMasterKey(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1, 0)
	must(t, sctx.SetMaxEarlyData(16384)) // SSL3_RT_MAX_PLAIN_LENGTH
	srv, cli := setKeylog(t, sctx, cctx)

	p := objects(t, sctx, cctx)
	must(t, connect(p))
	want := keylogCounts{clientHandshake: 1, serverHandshake: 1, clientApplication: 1, serverApplication: 1, exporter: 1}
	checkKeylog(t, "client", cli.take(), p.Client, want)
	checkKeylog(t, "server", srv.take(), p.Server, want)

	sess := p.Client.Session()
	if sess == nil {
		t.Fatal("no client session")
	}
	defer sess.Free()
	_, _ = p.Client.Shutdown()
	_, _ = p.Server.Shutdown()
	p.Free()

	p = objects(t, sctx, cctx)
	must(t, p.Client.SetSession(sess))
	if n, err := p.Client.WriteEarlyData(nil); err != nil || n != 0 {
		t.Fatalf("SSL_write_early_data of 0 bytes: %d, %v", n, err)
	}
	_, _ = p.Pump()
	var buf [1]byte
	if _, res, _ := p.Server.ReadEarlyData(buf[:]); res != libssl.ReadEarlyDataError {
		t.Fatalf("server SSL_read_early_data = %v, want SSL_READ_EARLY_DATA_ERROR", res)
	}
	if st := p.Server.EarlyDataStatus(); st != libssl.EarlyDataAccepted {
		t.Fatalf("server SSL_get_early_data_status = %v, want SSL_EARLY_DATA_ACCEPTED", st)
	}
	must(t, connect(p))
	if !p.Client.SessionReused() {
		t.Fatal("the client did not resume")
	}
	want.clientEarly, want.earlyExporter = 1, 1
	checkKeylog(t, "client", cli.take(), p.Client, want)
	checkKeylog(t, "server", srv.take(), p.Server, want)
	if bytes.Equal(p.Client.ClientRandom(), make([]byte, 32)) {
		t.Error("SSL_get_client_random is all zeros after a handshake")
	}
}
