package ssltests

import (
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// Each version's harness behaviour switches on at the release whose
// test/ssl_test.c and helpers have it.
func TestHarnessFor(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want harness
	}{
		{0x1010117f, harness{}},
		{0x30000130, harness{}},
		{0x30500070, harness{dhAuto: true, brainpoolTLS13: true}},
		{0x30600030, harness{dhAuto: true, brainpoolTLS13: true, ocspDER: true}},
		{0x40000020, harness{dhAuto: true, brainpoolTLS13: true, tlsNamesFirst: true, groupFallback: true, ocspDER: true}},
	} {
		if got := harnessFor(tc.v); got != tc.want {
			t.Errorf("harnessFor(%#x) = %+v, want %+v", tc.v, got, tc.want)
		}
	}
}

// The certificate status responses of each version's harness: its server's
// good response is the only one its client accepts, and the other
// version's good response is not (one byte before 3.6, a DER OCSPResponse
// from 3.6, whose libssl sends only what parses as one).
func TestOCSPResponseByVersion(t *testing.T) {
	h35, h36 := harnessFor(0x30500070), harnessFor(0x30600030)
	for _, h := range []harness{h35, h36} {
		good, err := h.ocspResponse(true)
		if err != nil {
			t.Fatal(err)
		}
		bad, err := h.ocspResponse(false)
		if err != nil {
			t.Fatal(err)
		}
		if !h.ocspAccepts(good) || h.ocspAccepts(bad) || h.ocspAccepts(nil) {
			t.Errorf("ocspDER %v: accepts good %v, bad %v, none %v; want true, false, false",
				h.ocspDER, h.ocspAccepts(good), h.ocspAccepts(bad), h.ocspAccepts(nil))
		}
	}
	good35, _ := h35.ocspResponse(true)
	good36, _ := h36.ocspResponse(true)
	if len(good36) < 2 || h36.ocspAccepts(good35) || h35.ocspAccepts(good36) {
		t.Errorf("3.6's good response %x and 3.5's %x must differ and not be accepted across", good36, good35)
	}
}

// The expected key type names read as each version's
// parse_expected_key_type reads them.
func TestKeyTypeNIDByVersion(t *testing.T) {
	h30, h35, h40 := harnessFor(0x30000130), harnessFor(0x30500070), harnessFor(0x40000020)
	// 4.0's groups without a NID: TLSEXT_nid_unknown | the TLS group id.
	for name, want := range map[string]int{
		"X25519MLKEM768": 0x10011EC, "SecP256r1MLKEM768": 0x10011EB,
		"SecP384r1MLKEM1024": 0x10011ED, "curveSM2": 0x1000029, "curveSM2MLKEM768": 0x10011EE,
	} {
		if got := h40.keyTypeNID(name); got != want {
			t.Errorf("4.0 %s = %#x, want %#x", name, got, want)
		}
		if got := h30.keyTypeNID(name); got == want {
			t.Errorf("3.0 %s = %#x: 3.0's harness has no such name", name, got)
		}
	}
	// Algorithm names: before 4.0 without case (EVP_PKEY_asn1_find_str),
	// in 4.0 only as spelled, else an object's long name ("rsa" is NID_rsa).
	for _, h := range []harness{h30, h35, h40} {
		for name, want := range map[string]int{"RSA": 6, "RSA-PSS": 912, "EC": 408, "Ed25519": 1087, "Ed448": 1088} {
			if got := h.keyTypeNID(name); got != want {
				t.Errorf("%+v %s = %d, want %d", h, name, got, want)
			}
		}
	}
	if got := h30.keyTypeNID("rsa"); got != 6 {
		t.Errorf("3.0 rsa = %d, want rsaEncryption 6", got)
	}
	if got := h40.keyTypeNID("rsa"); got == 6 {
		t.Errorf("4.0 rsa = rsaEncryption: 4.0 compares its names with case")
	}
	// The TLS 1.3 brainpool groups stand for their curves from 3.5 on
	// (where the object table has them).
	tls13 := libssl.ObjectNID("brainpoolP256r1tls13")
	if tls13 == 0 {
		t.Logf("%s has no brainpoolP256r1tls13 object: the mapping is not checked", libssl.RuntimeVersionText())
		return
	}
	curve := libssl.ObjectNID("brainpoolP256r1")
	if got := h35.keyTypeNID("brainpoolP256r1tls13"); got != curve {
		t.Errorf("3.5 brainpoolP256r1tls13 = %d, want brainpoolP256r1 %d", got, curve)
	}
	if got := h30.keyTypeNID("brainpoolP256r1tls13"); got != tls13 {
		t.Errorf("3.0 brainpoolP256r1tls13 = %d, want its own NID %d", got, tls13)
	}
}

// The keys newer versions' files add parse into the case; an unknown key
// is still an error.
func TestParseNewerKeys(t *testing.T) {
	src := `num_tests = 1
test-0 = 0-x
[0-x]
ssl_conf = 0-x-ssl
[0-x-ssl]
server = 0-x-server
client = 0-x-client
[0-x-server]
[0-x-client]
[test-0]
CompressCertificates = Yes
FIPSversion = <=3.1.0
server = 0-x-server-extra
resume-server = 0-x-resume-server-extra
[0-x-server-extra]
CertStatus = BadResponseExt
[0-x-resume-server-extra]
CertStatus = GoodResponse
`
	c, err := ParseConfig(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := ParseCase(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !tc.CompressCertificates || tc.FIPSVersion != "<=3.1.0" {
		t.Errorf("CompressCertificates %v, FIPSVersion %q", tc.CompressCertificates, tc.FIPSVersion)
	}
	if s := tc.Extra.Server; s.CertStatus != "BadResponse" || !s.CertStatusExt {
		t.Errorf("CertStatus %q ext %v, want BadResponse ext", s.CertStatus, s.CertStatusExt)
	}
	if s := tc.ResumeExtra.Server; s.CertStatus != "GoodResponse" || s.CertStatusExt {
		t.Errorf("resume CertStatus %q ext %v, want GoodResponse", s.CertStatus, s.CertStatusExt)
	}
	bad, err := ParseConfig(strings.NewReader(strings.Replace(src, "FIPSversion", "FIPSversionX", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCase(bad, 0); err == nil {
		t.Error("an unknown key parsed")
	}
}
