package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestParseTLSFlags: the flags of flags_tls.go join the table and set
// their fields; -on-initial- and -on-resume- apply to them as to the
// others.
func TestParseTLSFlags(t *testing.T) {
	cs, err := parseFlags([]string{"-advertise-npn", "\x03foo", "-on-resume-expect-next-proto", "foo",
		"-use-ocsp-callback", "-decline-ocsp-callback", "-psk", "secret", "-psk-identity", "id",
		"-expect-total-renegotiations", "2", "-expect-cipher", "49199", "-on-initial-expect-session-id"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := cs.initial, cs.resume
	if a.advertiseNPN != "\x03foo" || !a.useOCSPCallback || !a.declineOCSPCallback || a.psk != "secret" || a.pskIdentity != "id" {
		t.Fatalf("parsed %+v", a.tlsFlags)
	}
	if a.expectTotalRenegotiations != 2 || a.expectCipher != 0xc02f {
		t.Fatalf("int flags: %d, %d", a.expectTotalRenegotiations, a.expectCipher)
	}
	if a.expectNextProto != "" || b.expectNextProto != "foo" || !a.expectSessionID || b.expectSessionID {
		t.Fatalf("prefixes: initial %+v, resume %+v", a.tlsFlags, b.tlsFlags)
	}
}

// TestTLSContextFlagsMustNotDiffer: a flag of the shared SSL_CTX given to
// the resumptions alone cannot be honoured (unimplemented); server-side
// -renegotiate-freely and -use-old-client-cert-callback are unimplemented
// too.
func TestTLSContextFlagsMustNotDiffer(t *testing.T) {
	for _, args := range [][]string{
		{"-on-resume-select-next-proto", "foo"},
		{"-on-initial-psk", "secret"},
		{"-server", "-renegotiate-freely"},
		{"-server", "-use-old-client-cert-callback"},
	} {
		cs, err := parseFlags(args)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkImplemented(cs); !errors.As(err, new(errUnimplemented)) {
			t.Errorf("%q: checkImplemented = %v, want errUnimplemented", args, err)
		}
	}
	cs, err := parseFlags([]string{"-select-next-proto", "foo", "-psk", "secret", "-renegotiate-freely", "-on-resume-expect-no-session-id"})
	if err != nil {
		t.Fatal(err)
	}
	if err := checkImplemented(cs); err != nil {
		t.Errorf("same context flags on both: %v", err)
	}
}

// TestChainDER: -expect-peer-cert-file's certificates, in file order,
// other PEM blocks left out.
func TestChainDER(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chain.pem")
	data := "-----BEGIN CERTIFICATE-----\nAQI=\n-----END CERTIFICATE-----\n" +
		"-----BEGIN PRIVATE KEY-----\nAw==\n-----END PRIVATE KEY-----\n" +
		"-----BEGIN CERTIFICATE-----\nBAU=\n-----END CERTIFICATE-----\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := chainDER(path)
	if err != nil || len(got) != 2 || string(got[0]) != "\x01\x02" || string(got[1]) != "\x04\x05" {
		t.Fatalf("chainDER = %x, %v", got, err)
	}
}
