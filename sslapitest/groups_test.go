package sslapitest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
)

// modp2048PEM is the 2048-bit MODP group of RFC 3526 with generator 2, the
// parameters C's get_tmp_dh_params builds (BN_get_rfc3526_prime_2048)
// (openssl genpkey -genparam -algorithm DH -pkeyopt group:modp_2048).
var modp2048PEM = []byte(`-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA///////////JD9qiIWjCNMTGYouA3BzRKQJOCIpnzHQCC76mOxOb
IlFKCHmONATd75UZs806QxswKwpt8l8UN0/hNW1tUcJF5IW1dmJefsb0TELppjft
awv/XLb0Brft7jhr+1qJn6WunyQRfEsf5kkoZlHs5Fs9wgB8uKFjvwWY2kg2HFXT
mmkWP6j9JM9fg2VdI9yjrZYcYvNWIIVSu57VKQdwlpZtZww1Tkq8mATxdGwIyhgh
fDKQXkYuNs474553LBgOhgObJ4Oi7Aeij7XFXfBvTFLJ3ivL9pVYFxg5lUl86pVq
5RXSJhiY+gUQFXKOWoqsqmj//////////wIBAg==
-----END DH PARAMETERS-----
`)

// The NIDs the C tests name (stable in OpenSSL's object table).
const (
	nidPrime256v1 = 415
	nidSecp384r1  = 715
	nidSecp521r1  = 716
	nidX25519     = 1034
	nidX448       = 1035
	nidFFDHE2048  = 1126
	nidFFDHE3072  = 1127
	nidFFDHE4096  = 1128
	nidFFDHE6144  = 1129
	nidFFDHE8192  = 1130
	nidSHA256     = 672
	nidSHA512     = 674
	pkeyRSA       = 6   // EVP_PKEY_RSA
	pkeyEC        = 408 // EVP_PKEY_EC
)

var (
	ecdheKexchGroups = []int{nidPrime256v1, nidSecp384r1, nidSecp521r1, nidX25519, nidX448}
	ffdheKexchGroups = []int{nidFFDHE2048, nidFFDHE3072, nidFFDHE4096, nidFFDHE6144, nidFFDHE8192}
)

// The TLS 1.2 suites of the C tests, which use an RSA certificate.
const (
	ecdheRSAAES128GCM = "ECDHE-RSA-AES128-GCM-SHA256"
	dheRSAAES128GCM   = "DHE-RSA-AES128-GCM-SHA256"
)

// rsaKeys holds one self-signed RSA certificate and key (PEM) per size,
// made on first use: the C tests' server certificates for the DHE-RSA and
// ECDHE-RSA suites (test/certs/servercert.pem and its 3072-bit sibling).
var rsaKeys sync.Map // int -> *rsaPair

type rsaPair struct {
	once      sync.Once
	cert, key []byte
}

func rsaCert(t *testing.T, bits int) (cert, key []byte) {
	t.Helper()
	v, _ := rsaKeys.LoadOrStore(bits, &rsaPair{})
	p := v.(*rsaPair)
	p.once.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(bits)), Subject: pkix.Name{CommonName: "localhost"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			panic(err)
		}
		kd, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		p.cert = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		p.key = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
	})
	return p.cert, p.key
}

// rsaCtxPair is ctxPair with the server's certificate an RSA one of the
// given size, as C's create_ssl_ctx_pair(..., cert, privkey).
// tls12FFDHEFromClientGroups reports whether a TLS 1.2 server takes its DH
// group from the FFDHE groups of the client's supported_groups (RFC 7919),
// as OpenSSL 4.0 does (4.0.3 as run on its image leg; 3.5 and 3.6 do not):
// the client's default list has ffdhe2048 and ffdhe3072, so such a server
// does DHE without parameters of its own, and with ffdhe2048 whatever
// SSL_set_dh_auto would pick.
func tls12FFDHEFromClientGroups() bool { return libssl.RuntimeVersion() >= 0x40000000 }

// withoutClientFFDHE limits a client to ECDHE groups where the server would
// otherwise take its DH group from the client's FFDHE groups, so that the
// C tests written for servers that do not (test_set_tmp_dh, test_dh_auto)
// check the server's own parameters.
func withoutClientFFDHE(t *testing.T, cctx *libssl.Ctx) {
	t.Helper()
	if tls12FFDHEFromClientGroups() {
		must(t, cctx.SetGroupsList("X25519:P-256:P-384"))
	}
}

func rsaCtxPair(t *testing.T, min, max libssl.ProtocolVersion, bits int) (sctx, cctx *libssl.Ctx) {
	t.Helper()
	sctx, cctx = ctxPairMethods(t, libssl.TLSServerMethod, libssl.TLSClientMethod, min, max, false)
	cert, key := rsaCert(t, bits)
	must(t, sctx.UseCertificatePEM(cert))
	must(t, sctx.UsePrivateKeyPEM(key))
	must(t, sctx.CheckPrivateKey())
	return sctx, cctx
}

// test_key_exchange: TLS 1.3 with each ECDHE and FFDHE group set on both
// SSLs by NID (SSL_set1_groups), all ECDHE or all FFDHE groups at once, and
// TLS 1.2 with all ECDHE or all FFDHE groups: the handshake succeeds, the
// server's first shared group (SSL_get_shared_group) is the first
// configured (none for TLS 1.2 FFDHE, which libssl does not negotiate by
// name), SSL_group_to_name names it, and both sides' SSL_get_negotiated_group
// is it. OpenSSL 1.1.1 has no FFDHE groups for TLS 1.3 (setting them fails)
// nor SSL_group_to_name and SSL_get_negotiated_group (ErrUnsupported, not
// ok).
func TestKeyExchange(t *testing.T) {
	names := map[int]string{nidPrime256v1: "secp256r1", nidSecp384r1: "secp384r1", nidSecp521r1: "secp521r1",
		nidX25519: "x25519", nidX448: "x448", nidFFDHE2048: "ffdhe2048", nidFFDHE3072: "ffdhe3072",
		nidFFDHE4096: "ffdhe4096", nidFFDHE6144: "ffdhe6144", nidFFDHE8192: "ffdhe8192"}
	for idx := 0; idx < 14; idx++ {
		t.Run(fmt.Sprint(idx), func(t *testing.T) {
			noLeaks(t)
			maxV := libssl.TLS1_3
			var groups []int
			switch {
			case idx == 0 || idx == 12:
				groups = ecdheKexchGroups
			case idx >= 1 && idx <= 5:
				groups = ecdheKexchGroups[idx-1 : idx]
			case idx == 6 || idx == 13:
				groups = ffdheKexchGroups
			default: // 7..11
				groups = ffdheKexchGroups[idx-7 : idx-6]
			}
			if idx >= 12 {
				maxV = libssl.TLS1_2
			}
			ffdhe := groups[0] == nidFFDHE2048 || idx >= 7 && idx <= 11
			sctx, cctx := rsaCtxPair(t, libssl.TLS1, maxV, 2048)
			must(t, sctx.SetCiphersuites("TLS_AES_128_GCM_SHA256"))
			must(t, cctx.SetCiphersuites("TLS_AES_128_GCM_SHA256"))
			must(t, sctx.SetCipherList(ecdheRSAAES128GCM+":"+dheRSAAES128GCM))
			must(t, sctx.SetDHAuto(true))
			must(t, cctx.SetCipherList(ecdheRSAAES128GCM+":"+dheRSAAES128GCM))
			p := objects(t, sctx, cctx)
			serr := p.Server.SetGroups(groups)
			cerr := p.Client.SetGroups(groups)
			if ffdhe && !is3() {
				// OpenSSL 1.1.1 has no FFDHE groups in its group lists.
				if serr == nil || cerr == nil {
					t.Fatalf("SSL_set1_groups with FFDHE groups on 1.1.1: server %v, client %v; want failures", serr, cerr)
				}
				return
			}
			must(t, serr)
			must(t, cerr)
			must(t, connect(p))
			want := groups[0]
			if idx == 13 && !tls12FFDHEFromClientGroups() {
				want = 0 // before 4.0 TLS 1.2 negotiates no FFDHE group by name
			}
			if got := p.Server.SharedGroup(0); got != want {
				t.Fatalf("SSL_get_shared_group(server, 0) = %d, want %d", got, want)
			}
			name, err := p.Server.GroupName(groups[0])
			if !is3() {
				if !errors.Is(err, libssl.ErrUnsupported) {
					t.Fatalf("SSL_group_to_name on 1.1.1: %q, %v; want ErrUnsupported", name, err)
				}
				if _, ok := p.Server.NegotiatedGroupID(); ok {
					t.Fatal("SSL_get_negotiated_group answered on 1.1.1")
				}
				return
			}
			must(t, err)
			if name != names[groups[0]] {
				t.Fatalf("SSL_group_to_name(%d) = %q, want %q", groups[0], name, names[groups[0]])
			}
			if idx != 13 {
				for _, s := range []*libssl.SSL{p.Server, p.Client} {
					if got, ok := s.NegotiatedGroupID(); !ok || got != groups[0] {
						t.Fatalf("SSL_get_negotiated_group = %d (%v), want %d", got, ok, groups[0])
					}
				}
			}
		})
	}
}

// setSSLGroups mirrors C's set_ssl_groups: one side gets the single group
// kexch (ECDHE or FFDHE list at idx), the other the whole list.
func setSSLGroups(t *testing.T, p *sslpair.Pair, clientMulti, isECDHE bool, idx int) {
	t.Helper()
	list := ffdheKexchGroups
	if isECDHE {
		list = ecdheKexchGroups
	}
	one := []int{list[idx]}
	if clientMulti {
		must(t, p.Server.SetGroups(one))
		must(t, p.Client.SetGroups(list))
	} else {
		must(t, p.Client.SetGroups(one))
		must(t, p.Server.SetGroups(list))
	}
}

// test_negotiated_group: for every ECDHE and FFDHE group, TLS 1.3 and 1.2,
// with the server or the client limited to that group:
// SSL_get_negotiated_group on both sides is the group (nothing for TLS 1.2
// FFDHE) after the full handshake and after a resumption with the same
// lists; after a resumption where the limited side changes its group, TLS
// 1.3 reports the new group (negotiated again) and TLS 1.2 the session's
// (nothing for FFDHE). 3.0 and later: 1.1.1 lacks the call (not ok) and
// FFDHE groups for TLS 1.3.
func TestNegotiatedGroup(t *testing.T) {
	numec, numff := len(ecdheKexchGroups), len(ffdheKexchGroups)
	numgroups := numec + numff
	for idx0 := 0; idx0 < 4*numgroups; idx0++ {
		t.Run(fmt.Sprint(idx0), func(t *testing.T) {
			noLeaks(t)
			clientMulti := idx0 < 2*numgroups
			idx := idx0 % (2 * numgroups)
			isTLS13 := idx < numgroups
			idx %= numgroups
			isECDHE := idx < numec
			if !isECDHE {
				idx -= numec
			}
			kexch := ffdheKexchGroups[idx%numff]
			if isECDHE {
				kexch = ecdheKexchGroups[idx]
			}
			if !is3() && !isECDHE {
				// 1.1.1 has no FFDHE groups in its group lists (TestKeyExchange
				// asserts that); SSL_get_negotiated_group is 3.0's.
				sctx, cctx := rsaCtxPair(t, libssl.TLS1, 0, 2048)
				p := objects(t, sctx, cctx)
				if err := p.Server.SetGroups([]int{kexch}); err == nil {
					t.Fatal("SSL_set1_groups with an FFDHE group succeeded on 1.1.1")
				}
				_ = cctx
				return
			}
			expected := kexch
			if !isTLS13 && !isECDHE {
				expected = 0
			}
			maxV := libssl.TLS1_3
			if !isTLS13 {
				maxV = libssl.TLS1_2
			}
			sctx, cctx := rsaCtxPair(t, libssl.TLS1, maxV, 2048)
			must(t, sctx.SetCipherList(ecdheRSAAES128GCM+":"+dheRSAAES128GCM))
			must(t, sctx.SetDHAuto(true))
			must(t, cctx.SetCipherList(ecdheRSAAES128GCM+":"+dheRSAAES128GCM))

			check := func(p *sslpair.Pair, want int, when string) {
				t.Helper()
				for _, side := range []struct {
					name string
					s    *libssl.SSL
				}{{"client", p.Client}, {"server", p.Server}} {
					got, ok := side.s.NegotiatedGroupID()
					if !is3() {
						if ok {
							t.Fatalf("%s: SSL_get_negotiated_group answered on 1.1.1", when)
						}
						continue
					}
					want := want
					if side.s == p.Server && want == 0 && !isTLS13 && !isECDHE && tls12FFDHEFromClientGroups() {
						want = kexch // 4.0's server negotiated the FFDHE group by name
					}
					if !ok || got != want {
						t.Fatalf("%s: %s SSL_get_negotiated_group = %d (%v), want %d", when, side.name, got, ok, want)
					}
				}
			}

			p := objects(t, sctx, cctx)
			setSSLGroups(t, p, clientMulti, isECDHE, idx)
			must(t, connect(p))
			check(p, expected, "initial handshake")
			orig := p.Client.Session()
			if orig == nil {
				t.Fatal("no session")
			}
			defer orig.Free()
			_, _ = p.Client.Shutdown()
			_, _ = p.Server.Shutdown()
			p.Free()

			// First resumption: the same lists.
			p = objects(t, sctx, cctx)
			must(t, p.Client.SetSession(orig))
			setSSLGroups(t, p, clientMulti, isECDHE, idx)
			must(t, connect(p))
			if !p.Client.SessionReused() {
				t.Fatal("first resumption did not resume")
			}
			check(p, expected, "first resumption")
			_, _ = p.Client.Shutdown()
			_, _ = p.Server.Shutdown()
			p.Free()

			// Second resumption: the side with one group changes it.
			if idx == 0 {
				idx = 1
			} else {
				idx--
			}
			switch {
			case isTLS13 && isECDHE:
				expected = ecdheKexchGroups[idx]
			case isTLS13:
				expected = ffdheKexchGroups[idx]
			case isECDHE:
				expected = kexch
			default:
				expected = 0
			}
			if isTLS13 && expected == kexch {
				t.Fatal("the second resumption's group did not change")
			}
			p = objects(t, sctx, cctx)
			must(t, p.Client.SetSession(orig))
			setSSLGroups(t, p, clientMulti, isECDHE, idx)
			must(t, connect(p))
			if !p.Client.SessionReused() {
				t.Fatal("second resumption did not resume")
			}
			check(p, expected, "second resumption")
		})
	}
}

// test_set_sigalgs: signature algorithm lists, as NID pairs
// (SSL_CTX_set1_sigalgs, SSL_set1_sigalgs) or strings
// (SSL_CTX_set1_sigalgs_list, SSL_set1_sigalgs_list), on a TLS 1.2
// client's context (tests 0-13) or SSL (14-27): the valid ones are
// accepted, and the handshake with an RSA server succeeds exactly when the
// list has an RSA algorithm; the invalid ones are refused.
func TestSetSigalgs(t *testing.T) {
	type sigalgsList struct {
		list        []int
		str         string
		valid, conn bool
	}
	lists := []sigalgsList{
		{list: []int{nidSHA256, pkeyRSA}, valid: true, conn: true},
		{list: []int{nidSHA256, pkeyRSA, nidSHA512, pkeyEC}, valid: true, conn: true},
		{list: []int{nidSHA512, pkeyEC}, valid: true, conn: false},
		{str: "RSA+SHA256", valid: true, conn: true},
		{str: "RSA+SHA256:ECDSA+SHA512", valid: true, conn: true},
		{str: "ECDSA+SHA512", valid: true, conn: false},
		{list: []int{0, pkeyRSA}},
		{list: []int{nidSHA256, 0}},
		{list: []int{nidSHA256, pkeyRSA, nidSHA256}},
		{list: []int{nidSHA256}},
		{str: "RSA"},
		{str: "SHA256"},
		{str: "RSA+SHA256:SHA256"},
		{str: "Invalid"},
	}
	for idx := 0; idx < 2*len(lists); idx++ {
		t.Run(fmt.Sprint(idx), func(t *testing.T) {
			noLeaks(t)
			onCtx := idx < len(lists)
			curr := lists[idx%len(lists)]
			sctx, cctx := rsaCtxPair(t, libssl.TLS1, 0, 2048)
			must(t, cctx.SetMaxProtoVersion(libssl.TLS1_2))
			set := func(setList func([]int) error, setStr func(string) error) error {
				if curr.list != nil {
					return setList(curr.list)
				}
				return setStr(curr.str)
			}
			if onCtx {
				err := set(cctx.SetSigalgs, cctx.SetSigalgsList)
				if (err == nil) != curr.valid {
					t.Fatalf("setting on the SSL_CTX: %v, want valid=%v", err, curr.valid)
				}
				if !curr.valid {
					return
				}
			}
			p := objects(t, sctx, cctx)
			if !onCtx {
				err := set(p.Client.SetSigalgs, p.Client.SetSigalgsList)
				if (err == nil) != curr.valid {
					t.Fatalf("setting on the SSL: %v, want valid=%v", err, curr.valid)
				}
				if !curr.valid {
					return
				}
			}
			if err := connect(p); (err == nil) != curr.conn {
				t.Fatalf("handshake: %v, want success=%v", err, curr.conn)
			}
		})
	}
}

// test_set_tmp_dh: a TLS 1.2 server limited to DHE-RSA-AES128-SHA connects
// only with DH parameters: none by default (0) or with auto off on the
// SSL_CTX (1) or SSL (2); auto on, on the SSL_CTX (3) or SSL (4); explicit
// parameters as an EVP_PKEY on the SSL_CTX (5, SSL_CTX_set0_tmp_dh_pkey) or
// SSL (6, SSL_set0_tmp_dh_pkey). Tests 7-10 use the DH-structure calls
// deprecated in 3.0 (SSL_CTX_set_tmp_dh, SSL_set_tmp_dh and the tmp_dh
// callbacks), which the Go API does not mirror. The set0 calls take a
// reference of their own here (the Go handle keeps its), so the handle is
// freed at once after the call and the handshake still has the parameters.
func TestSetTmpDH(t *testing.T) {
	for idx := 0; idx <= 6; idx++ {
		t.Run(fmt.Sprint(idx), func(t *testing.T) {
			noLeaks(t)
			dhauto := idx == 3 || idx == 4
			expected := idx > 2
			var dh *libssl.PKey
			if idx == 5 || idx == 6 {
				var err error
				dh, err = libssl.ParseDHParametersPEM(modp2048PEM)
				must(t, err)
				defer dh.Free()
			}
			sctx, cctx := rsaCtxPair(t, 0, 0, 2048)
			withoutClientFFDHE(t, cctx)
			if idx&1 == 1 {
				must(t, sctx.SetDHAuto(dhauto))
			}
			if idx == 5 {
				must(t, sctx.SetTmpDHPKey(dh))
				dh.Free()
			}
			p := objects(t, sctx, cctx)
			if idx&1 == 0 && idx != 0 {
				must(t, p.Server.SetDHAuto(dhauto))
			}
			if idx == 6 {
				must(t, p.Server.SetTmpDHPKey(dh))
				dh.Free()
			}
			must(t, p.Server.SetMinProtoVersion(libssl.TLS1_2))
			must(t, p.Server.SetMaxProtoVersion(libssl.TLS1_2))
			must(t, p.Server.SetCipherList("DHE-RSA-AES128-SHA"))
			if err := connect(p); (err == nil) != expected {
				t.Fatalf("handshake: %v, want success=%v", err, expected)
			}
		})
	}
}

// test_dh_auto: with SSL_set_dh_auto on a TLS 1.2 server, the temporary DH
// key it makes for its first flight (SSL_get_tmp_key, read before the
// handshake completes, which frees it) matches the size of its RSA key
// (2048 for 2048: test 1, 3072 for 3072: test 2), or without a certificate
// (anonymous DH at security level 0) the cipher's strength (1024 for
// AES128: test 5, 3072 for AES256: test 6). Tests 0, 3 and 4 use RSA keys
// of 1024, 4096 and 8192 bits: 1024 is below Debian's default security
// level (2), which refuses such a certificate before any DH is chosen, and
// 4096- and 8192-bit keys take too long to generate per run (the C tests
// read them from files).
func TestDHAuto(t *testing.T) {
	for _, tc := range []struct {
		idx, certBits, want int
		suite               string
	}{
		{1, 2048, 2048, "DHE-RSA-AES128-SHA"},
		{2, 3072, 3072, "DHE-RSA-AES128-SHA"},
		{5, 2048, 1024, "ADH-AES128-SHA256:@SECLEVEL=0"},
		{6, 2048, 3072, "ADH-AES256-SHA256:@SECLEVEL=0"},
	} {
		t.Run(fmt.Sprint(tc.idx), func(t *testing.T) {
			noLeaks(t)
			sctx, cctx := rsaCtxPair(t, 0, 0, tc.certBits)
			withoutClientFFDHE(t, cctx)
			p := objects(t, sctx, cctx)
			must(t, p.Server.SetDHAuto(true))
			must(t, p.Server.SetMinProtoVersion(libssl.TLS1_2))
			must(t, p.Server.SetMaxProtoVersion(libssl.TLS1_2))
			must(t, p.Server.SetCipherList(tc.suite))
			must(t, p.Client.SetCipherList(tc.suite))
			// The server's first flight: it has made its DH key and not
			// yet used it.
			if err := p.Client.Handshake(); !errors.Is(err, libssl.ErrWantRead) {
				t.Fatalf("SSL_connect: %v, want want-read", err)
			}
			if _, err := p.Pump(); err != nil {
				t.Fatal(err)
			}
			if err := p.Server.Handshake(); !errors.Is(err, libssl.ErrWantRead) {
				t.Fatalf("SSL_accept: %v, want want-read", err)
			}
			bits, ok := p.Server.TmpKeyBits()
			if !ok || bits != tc.want {
				t.Fatalf("SSL_get_tmp_key: %d bits (%v), want %d", bits, ok, tc.want)
			}
			must(t, connect(p))
		})
	}
}
