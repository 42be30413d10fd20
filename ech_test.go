package libssl_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/libssl-go/libssl"
)

// newECHStore makes a store with one fresh RFC 9849 ECHConfig (X25519,
// HKDF-SHA256, AES-128-GCM) for publicName, with its key.
func newECHStore(t *testing.T, publicName string) *libssl.ECHStore {
	t.Helper()
	es, err := libssl.NewECHStore(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(es.Free)
	if err := es.NewConfig(libssl.ECHConfigVersion, 0, publicName, libssl.DefaultHPKESuite); err != nil {
		t.Fatal(err)
	}
	return es
}

// echConfigList returns the ECHConfigList (without keys) of es's first
// entry, from its PEM.
func echConfigList(t *testing.T, es *libssl.ECHStore) []byte {
	t.Helper()
	pemText, err := es.WritePEM(0)
	if err != nil {
		t.Fatal(err)
	}
	for rest := pemText; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			t.Fatalf("WritePEM(0) has no ECHCONFIG block:\n%s", pemText)
		}
		if b.Type == "ECHCONFIG" {
			return b.Bytes
		}
	}
}

// TestECHUnsupported: on a libssl without ECH (1.1.1, 3.x) every ECH call
// fails with an error matching ErrUnsupported that says it needs OpenSSL
// 4.0; with ECH none does.
func TestECHUnsupported(t *testing.T) {
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	s, err := libssl.New(cctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	es, storeErr := libssl.NewECHStore(nil)
	defer es.Free()
	_, _, _, statusErr := s.ECHStatus()
	_, retryErr := s.ECHRetryConfig()
	calls := map[string]error{
		"NewECHStore":           storeErr,
		"Ctx.SetECHStore(nil)":  cctx.SetECHStore(nil),
		"SSL.SetECHStore(nil)":  s.SetECHStore(nil),
		"SetECHConfigList":      s.SetECHConfigList([]byte{0, 1, 2}),
		"ECHStatus":             statusErr,
		"ECHRetryConfig":        retryErr,
		"SetECHGrease":          s.SetECHGrease(true),
		"SetECHGreaseSuite":     s.SetECHGreaseSuite("0x20,1,1"),
		"SetECHGreaseType":      s.SetECHGreaseType(0xfe0d),
		"SetECHOuterServerName": s.SetECHOuterServerName("public.example", false),
	}
	if !libssl.ECHBuilt() {
		if libssl.RuntimeVersion() >= 0x40000000 {
			t.Logf("%s was built without ECH (OPENSSL_NO_ECH)", libssl.RuntimeVersionText())
		}
		for name, err := range calls {
			if !errors.Is(err, libssl.ErrUnsupported) || !strings.Contains(err.Error(), "needs OpenSSL 4.0") {
				t.Errorf("%s on %s: %v, want ErrUnsupported saying it needs OpenSSL 4.0", name, libssl.RuntimeVersionText(), err)
			}
		}
		return
	}
	delete(calls, "SetECHConfigList") // three bytes are no ECHConfigList
	for name, err := range calls {
		if err != nil {
			t.Errorf("%s on %s: %v", name, libssl.RuntimeVersionText(), err)
		}
	}
	if err := s.SetECHConfigList([]byte{0, 1, 2}); err == nil || errors.Is(err, libssl.ErrUnsupported) {
		t.Errorf("SetECHConfigList(garbage) on %s: %v, want a decoding error", libssl.RuntimeVersionText(), err)
	}
}

func needECH(t *testing.T) {
	t.Helper()
	if !libssl.ECHBuilt() {
		t.Skipf("the linked %s has no ECH (needs OpenSSL 4.0); TestECHUnsupported asserts ErrUnsupported there", libssl.RuntimeVersionText())
	}
}

// TestECHStoreContents: a new config is one entry with its key, for the
// public name asked; its PEM read into another store gives the same entry;
// the ECHConfigList alone gives an entry without a key.
func TestECHStoreContents(t *testing.T) {
	needECH(t)
	es := newECHStore(t, "public.example")
	if n, err := es.NumEntries(); err != nil || n != 1 {
		t.Fatalf("NumEntries = %d, %v; want 1", n, err)
	}
	if n, err := es.NumKeys(); err != nil || n != 1 {
		t.Fatalf("NumKeys = %d, %v; want 1", n, err)
	}
	info, err := es.Info()
	if err != nil || len(info) != 1 {
		t.Fatalf("Info = %v, %v; want one entry", info, err)
	}
	if e := info[0]; e.PublicName != "public.example" || !e.HasPrivateKey || !strings.Contains(e.ECHConfig, "fe0d") {
		t.Errorf("Info()[0] = %+v, want public.example with a key, version fe0d", e)
	}
	pemText, err := es.WritePEM(0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pemText, []byte("PRIVATE KEY")) || !bytes.Contains(pemText, []byte("ECHCONFIG")) {
		t.Fatalf("WritePEM(0) lacks the key or the config:\n%s", pemText)
	}
	es2 := must(libssl.NewECHStore(nil))
	defer es2.Free()
	if err := es2.ReadPEM(pemText, true); err != nil {
		t.Fatal(err)
	}
	info2, err := es2.Info()
	if err != nil || len(info2) != 1 || info2[0].ECHConfig != info[0].ECHConfig || !info2[0].HasPrivateKey || !info2[0].ForRetry {
		t.Fatalf("after ReadPEM: %+v, %v; want %q with a key, for retry", info2, err, info[0].ECHConfig)
	}
	es3 := must(libssl.NewECHStore(nil))
	defer es3.Free()
	if err := es3.ReadECHConfigList(echConfigList(t, es)); err != nil {
		t.Fatal(err)
	}
	if n, err := es3.NumKeys(); err != nil || n != 0 {
		t.Errorf("a store read from the ECHCONFIG block alone has %d keys (%v), want 0", n, err)
	}
	// Two configs, downselected to the second.
	if err := es.NewConfig(libssl.ECHConfigVersion, 0, "second.example", libssl.DefaultHPKESuite); err != nil {
		t.Fatal(err)
	}
	if err := es.Downselect(libssl.ECHStoreLast); err != nil {
		t.Fatal(err)
	}
	if info, err := es.Info(); err != nil || len(info) != 1 || info[0].PublicName != "second.example" {
		t.Errorf("after Downselect(ECHStoreLast): %+v, %v; want second.example alone", info, err)
	}
}

// TestECHStoreBadInput: garbage and truncated input is an error, not a
// crash, and leaves the store as it was.
func TestECHStoreBadInput(t *testing.T) {
	needECH(t)
	es := newECHStore(t, "public.example")
	good, err := es.WritePEM(0)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"garbage":           []byte("this is no ECHConfigList at all, not even base64!"),
		"truncated PEM":     good[:len(good)/2],
		"ECHCONFIG cut off": good[:bytes.Index(good, []byte("-----END ECHCONFIG"))-10],
	}
	for name, in := range bad {
		dst := must(libssl.NewECHStore(nil))
		if err := dst.ReadPEM(in, false); err == nil {
			t.Errorf("ReadPEM(%s) succeeded", name)
		}
		if err := dst.ReadECHConfigList(in); err == nil {
			t.Errorf("ReadECHConfigList(%s) succeeded", name)
		}
		if n, _ := dst.NumEntries(); n != 0 {
			t.Errorf("after ReadPEM(%s) the store has %d entries", name, n)
		}
		dst.Free()
	}
	if err := es.ReadECHConfigList(nil); err == nil {
		t.Error("ReadECHConfigList(nil) succeeded")
	}
}

// TestECHAccepted: a libssl client offering the server's ECHConfig is
// accepted; both sides report SSL_ECH_STATUS_SUCCESS, the server sees the
// inner SNI (localhost) and the client reports the public name as the
// outer one. The server's store is read from the generated store's PEM, as
// a server loads its key file (OSSL_ECHSTORE_read_pem): on 4.0.3 a store
// made by OSSL_ECHSTORE_new_config and set on the server's SSL_CTX as it is
// does not decrypt (the client reports SSL_ECH_STATUS_FAILED). The server's
// store is a copy: the handle is freed before the handshake.
func TestECHAccepted(t *testing.T) {
	needECH(t)
	gen := newECHStore(t, "public.example")
	list := echConfigList(t, gen)
	pemText, err := gen.WritePEM(0)
	check(t, err)
	es := must(libssl.NewECHStore(nil))
	check(t, es.ReadPEM(pemText, true))
	sctx := serverCtx(t, ctxOpts{})
	defer sctx.Free()
	check(t, sctx.SetECHStore(es))
	es.Free()
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Client.SetHostName("localhost"))
	check(t, p.Client.SetVerifyHost("localhost"))
	check(t, p.Client.SetECHConfigList(list))
	if st, _, _, err := p.Client.ECHStatus(); err != nil || st != libssl.ECHStatusNotTried {
		t.Errorf("client ECHStatus before the handshake = %v, %v; want SSL_ECH_STATUS_NOT_TRIED", st, err)
	}
	check(t, p.Handshake())
	st, inner, outer, err := p.Client.ECHStatus()
	if err != nil || st != libssl.ECHStatusSuccess || inner != "localhost" || outer != "public.example" {
		t.Errorf("client ECHStatus = %v %q %q, %v; want SSL_ECH_STATUS_SUCCESS localhost public.example", st, inner, outer, err)
	}
	st, inner, outer, err = p.Server.ECHStatus()
	if err != nil || st != libssl.ECHStatusSuccess || inner != "localhost" {
		t.Errorf("server ECHStatus = %v %q %q, %v; want SSL_ECH_STATUS_SUCCESS with inner localhost", st, inner, outer, err)
	}
	if got := p.Server.ServerName(); got != "localhost" {
		t.Errorf("server's SSL_get_servername = %q, want the inner SNI localhost", got)
	}
	if rc, err := p.Client.ECHRetryConfig(); err != nil || rc != nil {
		t.Errorf("ECHRetryConfig after acceptance = %x, %v; want none", rc, err)
	}
}

// TestECHRejectedRetry: a client offering a config the server has no key
// for is rejected: the handshake fails, the status is
// SSL_ECH_STATUS_FAILED_ECH (the outer certificate verified for the public
// name), and the retry configs the server sent make a second attempt
// succeed.
func TestECHRejectedRetry(t *testing.T) {
	needECH(t)
	es := newECHStore(t, "localhost")
	stale := echConfigList(t, newECHStore(t, "localhost"))
	sctx := serverCtx(t, ctxOpts{})
	defer sctx.Free()
	pemText := must(es.WritePEM(0))
	retry := must(libssl.NewECHStore(nil))
	defer retry.Free()
	check(t, retry.ReadPEM(pemText, true))
	check(t, sctx.SetECHStore(retry))
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	attempt := func(list []byte) (*libssl.SSL, error) {
		p := newPair(t, cctx, sctx)
		t.Cleanup(p.Free)
		check(t, p.Client.SetHostName("secret.example"))
		check(t, p.Client.SetVerifyHost("localhost"))
		check(t, p.Client.SetECHConfigList(list))
		return p.Client, p.Handshake()
	}
	c, err := attempt(stale)
	if err == nil {
		t.Fatal("the handshake with a stale ECHConfig succeeded")
	}
	st, inner, outer, serr := c.ECHStatus()
	if serr != nil || st != libssl.ECHStatusFailedECH {
		t.Errorf("ECHStatus after rejection = %v %q %q, %v; want SSL_ECH_STATUS_FAILED_ECH", st, inner, outer, serr)
	}
	rc, err := c.ECHRetryConfig()
	if err != nil || len(rc) == 0 {
		t.Fatalf("ECHRetryConfig = %x, %v; want the server's configs", rc, err)
	}
	c2, err := attempt(rc)
	if err != nil {
		t.Fatalf("second attempt with the retry configs: %v", err)
	}
	if st, inner, _, err := c2.ECHStatus(); err != nil || st != libssl.ECHStatusSuccess || inner != "secret.example" {
		t.Errorf("ECHStatus of the second attempt = %v %q, %v; want SSL_ECH_STATUS_SUCCESS secret.example", st, inner, err)
	}
}

// TestECHGrease: a client with GREASE and no config completes its
// handshake with a server that has ECH keys; the status is GREASE.
func TestECHGrease(t *testing.T) {
	needECH(t)
	es := newECHStore(t, "localhost")
	sctx := serverCtx(t, ctxOpts{})
	defer sctx.Free()
	check(t, sctx.SetECHStore(es))
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Client.SetHostName("localhost"))
	check(t, p.Client.SetVerifyHost("localhost"))
	check(t, p.Client.SetECHGrease(true))
	check(t, p.Handshake())
	if st, _, _, err := p.Client.ECHStatus(); err != nil || (st != libssl.ECHStatusGrease && st != libssl.ECHStatusGreaseECH) {
		t.Errorf("client ECHStatus = %v, %v; want SSL_ECH_STATUS_GREASE(_ECH)", st, err)
	}
	if st, _, _, err := p.Server.ECHStatus(); err != nil || st == libssl.ECHStatusSuccess {
		t.Errorf("server ECHStatus = %v, %v; want no success", st, err)
	}
}

// TestECHStoreFreed: every store made is freed in C by Free, the copies
// libssl keeps by their SSL_CTX's free, and the cleanup backstop frees a
// store that was never freed.
func TestECHStoreFreed(t *testing.T) {
	needECH(t)
	made0, freed0 := libssl.ECHStoreCounts()
	live0 := libssl.LiveObjects()
	func() {
		es := must(libssl.NewECHStore(nil))
		check(t, es.NewConfig(libssl.ECHConfigVersion, 0, "localhost", libssl.DefaultHPKESuite))
		sctx := serverCtx(t, ctxOpts{})
		check(t, sctx.SetECHStore(es))
		es.Free()
		es.Free() // idempotent
		if err := es.NewConfig(libssl.ECHConfigVersion, 0, "x", libssl.DefaultHPKESuite); !errors.Is(err, libssl.ErrFreed) {
			t.Errorf("NewConfig after Free: %v, want ErrFreed", err)
		}
		sctx.Free()
		_ = must(libssl.NewECHStore(nil)) // left to the cleanup
	}()
	made, freed := libssl.ECHStoreCounts()
	if made-made0 != 2 {
		t.Fatalf("%d stores made, want 2", made-made0)
	}
	for i := 0; i < 50 && freed-freed0 != 2; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		_, freed = libssl.ECHStoreCounts()
	}
	if freed-freed0 != 2 {
		t.Errorf("%d of 2 stores freed in C", freed-freed0)
	}
	if got, ok := settle(live0); !ok {
		t.Errorf("live objects %+v, want %+v", got, live0)
	}
}
