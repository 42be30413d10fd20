package sslapitest

import (
	"bytes"
	"fmt"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// TestExportKeyMat is test_export_key_mat: for TLS 1.0, 1.1, 1.2 and 1.3
// (idx 0-3), SSL_export_keying_material fails before the handshake; after it,
// client and server derive the same 80 bytes with a context, with an empty
// context and with none; a context and an empty one differ; an empty context
// and none differ below TLS 1.3 and agree in TLS 1.3. Idx 4 repeats TLS 1.3
// with a 249-byte label (C's label buffer: "test label" and NUL padding);
// idx 5 checks that TLS 1.3 refuses a 250-byte label.
func TestExportKeyMat(t *testing.T) {
	protocols := []libssl.ProtocolVersion{libssl.TLS1, libssl.TLS1_1, libssl.TLS1_2, libssl.TLS1_3, libssl.TLS1_3, libssl.TLS1_3}
	const smallLabel, longLabel = 10, 249
	label := "test label" + string(make([]byte, longLabel+1-len("test label")))
	context := []byte("context")
	for tst, proto := range protocols {
		t.Run(fmt.Sprint(tst), func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := ctxPair(t, libssl.TLS1, 0)
			must(t, cctx.SetMaxProtoVersion(proto))
			must(t, cctx.SetMinProtoVersion(proto))
			if proto < libssl.TLS1_2 {
				must(t, cctx.SetCipherList("DEFAULT:@SECLEVEL=0"))
				must(t, sctx.SetCipherList("DEFAULT:@SECLEVEL=0"))
			}
			p := objects(t, sctx, cctx)

			// Premature call: fails.
			if _, err := p.Client.ExportKeyingMaterial(label[:smallLabel+1], context, 80); err == nil {
				t.Fatal("SSL_export_keying_material before the handshake succeeded")
			}
			must(t, connect(p))

			if tst == 5 {
				if _, err := p.Client.ExportKeyingMaterial(label[:longLabel+1], context, 80); err == nil {
					t.Fatal("TLS 1.3 exported keying material for a 250-byte label")
				}
				return
			}
			l := label[:smallLabel]
			if tst == 4 {
				l = label[:longLabel]
			}
			export := func(s *libssl.SSL, ctx []byte) []byte {
				t.Helper()
				b, err := s.ExportKeyingMaterial(l, ctx, 80)
				must(t, err)
				return b
			}
			c1, c2, c3 := export(p.Client, context), export(p.Client, []byte{}), export(p.Client, nil)
			s1, s2, s3 := export(p.Server, context), export(p.Server, []byte{}), export(p.Server, nil)
			if !bytes.Equal(c1, s1) {
				t.Error("client and server derived different material with a context")
			}
			if !bytes.Equal(c2, s2) {
				t.Error("client and server derived different material with an empty context")
			}
			if !bytes.Equal(c3, s3) {
				t.Error("client and server derived different material without a context")
			}
			if bytes.Equal(c1, c2) {
				t.Error("a context and an empty context derived the same material")
			}
			if proto < libssl.TLS1_3 && bytes.Equal(c2, c3) {
				t.Errorf("%v: an empty context and no context derived the same material", proto)
			}
			if proto == libssl.TLS1_3 && !bytes.Equal(c2, c3) {
				t.Error("TLS 1.3: an empty context and no context derived different material")
			}
		})
	}
}

// TestNoEMS is test_no_ems: a TLS 1.2 server with
// SSL_OP_NO_EXTENDED_MASTER_SECRET negotiates no extended master secret,
// and neither side reports it (SSL_get_extms_support). The option is 3.0's:
// on 1.1.1 (where it is 0) the test checks the other branch, that both
// sides negotiate it as 1.1.1 always offers and accepts it.
func TestNoEMS(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1, libssl.TLS1_2)
	if libssl.OpNoExtendedMasterSecret != 0 {
		must(t, sctx.SetOptions(libssl.OpNoExtendedMasterSecret))
	}
	p := objects(t, sctx, cctx)
	must(t, connect(p))
	want := libssl.OpNoExtendedMasterSecret == 0
	if got := p.Server.ExtendedMasterSecret(); got != want {
		t.Errorf("server SSL_get_extms_support = %v, want %v", got, want)
	}
	if got := p.Client.ExtendedMasterSecret(); got != want {
		t.Errorf("client SSL_get_extms_support = %v, want %v", got, want)
	}
}

// TestMaxFragmentLenExt is test_max_fragment_len_ext: a client context set
// to ask for each maximum fragment length (512, 1024, 2048, 4096) sends that
// mode in its ClientHello's max_fragment_length extension (RFC 6066). C
// parses the ClientHello out of the client's write BIO; here a server's
// ClientHello callback reads the extension (SSL_client_hello_get0_ext).
func TestMaxFragmentLenExt(t *testing.T) {
	modes := []int{libssl.MaxFragmentLength512, libssl.MaxFragmentLength1024, libssl.MaxFragmentLength2048, libssl.MaxFragmentLength4096}
	for _, mode := range modes {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := ctxPair(t, libssl.TLS1, 0)
			must(t, cctx.SetTLSExtMaxFragmentLength(mode))
			var ext []byte
			var seen bool
			must(t, sctx.SetClientHelloCallback(func(s *libssl.SSL, _ *int) libssl.ClientHelloResult {
				ext, seen = s.ClientHelloExtension(1) // TLSEXT_TYPE_max_fragment_length
				return libssl.ClientHelloSuccess
			}))
			p := objects(t, sctx, cctx)
			if err := p.Client.Handshake(); err == nil {
				t.Fatal("the client's first SSL_connect succeeded with no server reply")
			}
			_, _ = p.Pump()
			_ = p.Server.Handshake()
			if !seen {
				t.Fatal("no max_fragment_length extension in the ClientHello")
			}
			if len(ext) != 1 || int(ext[0]) != mode {
				t.Fatalf("max_fragment_length extension %x, want the single byte %d", ext, mode)
			}
		})
	}
}

// TestClientCertCB is test_client_cert_cb: for TLS 1.2 (0) and 1.3 (1), a
// client with no certificate of its own whose client certificate callback
// supplies one (after checking the server's certificate is already known,
// SSL_get0_peer_certificate) connects to a server that requires one
// (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, a verify callback
// that accepts).
func TestClientCertCB(t *testing.T) {
	for tst, max := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		t.Run(fmt.Sprint(tst), func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := ctxPair(t, libssl.TLS1, max)
			cs := testcerts.Get()
			cert, err := libssl.ParseX509PEM(cs.LeafCert)
			must(t, err)
			defer cert.Free()
			holder, err := libssl.New(sctx)
			must(t, err)
			key := holder.PrivateKey() // the server context's key, as C reads the same key file
			holder.Free()
			if key == nil {
				t.Fatal("no key on the server context")
			}
			defer key.Free()
			calls := 0
			must(t, cctx.SetClientCertCallback(func(s *libssl.SSL) (*libssl.X509, *libssl.PKey) {
				calls++
				peer := s.PeerCertificate()
				if peer == nil {
					t.Error("SSL_get0_peer_certificate is NULL in the client certificate callback")
					return nil, nil
				}
				peer.Free()
				return cert, key
			}))
			must(t, sctx.SetVerify(libssl.VerifyPeer|libssl.VerifyFailIfNoPeerCert, func(bool, *libssl.VerifyContext) bool { return true }))
			p := objects(t, sctx, cctx)
			must(t, connect(p))
			if calls != 1 {
				t.Errorf("client certificate callback ran %d times, want 1", calls)
			}
			got := p.Server.PeerCertificate()
			if got == nil {
				t.Fatal("the server has no client certificate")
			}
			defer got.Free()
			if !got.Equal(cert) {
				t.Error("the server's peer certificate is not the one the callback returned")
			}
		})
	}
}
