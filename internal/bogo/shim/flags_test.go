package main

import (
	"errors"
	"net"
	"testing"
)

// TestParseFlagsPrefixes: a flag without prefix sets both connections'
// setting, -on-initial- only the first's, -on-resume- only the
// resumptions'.
func TestParseFlagsPrefixes(t *testing.T) {
	cs, err := parseFlags([]string{"-port", "1234", "-expect-alpn", "a", "-on-initial-expect-version", "771", "-on-resume-expect-session-miss", "-curves", "29", "-curves", "23"})
	if err != nil {
		t.Fatal(err)
	}
	if cs.initial.port != 1234 || cs.resume.port != 1234 || cs.initial.expectALPN != "a" || cs.resume.expectALPN != "a" {
		t.Fatalf("unprefixed flags: initial %+v resume %+v", cs.initial, cs.resume)
	}
	if cs.initial.expectVersion != 771 || cs.resume.expectVersion != 0 {
		t.Fatalf("-on-initial-: initial %d, resume %d, want 771, 0", cs.initial.expectVersion, cs.resume.expectVersion)
	}
	if cs.initial.expectSessionMiss || !cs.resume.expectSessionMiss {
		t.Fatal("-on-resume- flag not set on the resumptions alone")
	}
	if len(cs.initial.curves) != 2 || cs.initial.curves[0] != 29 || cs.initial.curves[1] != 23 {
		t.Fatalf("-curves = %v, want [29 23]", cs.initial.curves)
	}
}

// TestParseFlagsUnimplemented: unknown flags, with or without a prefix,
// and -on-retry- flags are unimplemented (exit 89), not errors.
func TestParseFlagsUnimplemented(t *testing.T) {
	for _, args := range [][]string{{"-no-such-flag"}, {"-on-resume-no-such-flag"}, {"-on-retry-expect-alpn", "x"}} {
		_, err := parseFlags(args)
		var u errUnimplemented
		if !errors.As(err, &u) {
			t.Errorf("%q: err = %v, want errUnimplemented", args, err)
		}
	}
	if got := run([]string{"-no-such-flag"}); got != exitUnimplemented {
		t.Errorf("run(-no-such-flag) = %d, want %d", got, exitUnimplemented)
	}
	if _, err := parseFlags([]string{"-port"}); err == nil || errors.As(err, new(errUnimplemented)) {
		t.Errorf("-port without value: err = %v, want a plain error", err)
	}
}

// TestParseALPNList: the runner's length-prefixed ALPN list.
func TestParseALPNList(t *testing.T) {
	got, err := parseALPNList("\x03foo\x01b")
	if err != nil || len(got) != 2 || got[0] != "foo" || got[1] != "b" {
		t.Fatalf("parseALPNList = %q, %v; want [foo b]", got, err)
	}
	if _, err := parseALPNList("\x05ab"); err == nil {
		t.Fatal("a truncated list parsed")
	}
}

// TestParseFlagsSigalgsAndModes: -signing-prefs and -verify-prefs collect
// every value in order, -expect-peer-signature-algorithm takes one, and
// -async, -implicit-handshake and -expect-verify-result are booleans that
// take no value (the next flag is parsed as a flag).
func TestParseFlagsSigalgsAndModes(t *testing.T) {
	cs, err := parseFlags([]string{"-signing-prefs", "2052", "-signing-prefs", "1027", "-on-resume-verify-prefs", "2055",
		"-expect-peer-signature-algorithm", "1027", "-async", "-implicit-handshake", "-expect-verify-result", "-use-custom-verify-callback", "-server"})
	if err != nil {
		t.Fatal(err)
	}
	c := cs.initial
	if len(c.signingPrefs) != 2 || c.signingPrefs[0] != 0x0804 || c.signingPrefs[1] != 0x0403 {
		t.Fatalf("-signing-prefs = %v, want [2052 1027]", c.signingPrefs)
	}
	if len(c.verifyPrefs) != 0 || len(cs.resume.verifyPrefs) != 1 || cs.resume.verifyPrefs[0] != 0x0807 {
		t.Fatalf("-on-resume-verify-prefs: initial %v, resume %v", c.verifyPrefs, cs.resume.verifyPrefs)
	}
	if c.expectPeerSigalg != 0x0403 || !c.async || !c.implicitHandshake || !c.expectVerifyResult || !c.server {
		t.Fatalf("parsed %+v", c)
	}
}

// TestSigalgList: code points become SSL_CONF names in the runner's order;
// a code point libssl has no name for is unimplemented, not an error.
func TestSigalgList(t *testing.T) {
	got, err := sigalgList([]int{0x0804, 0x0403, 0x0201, 0x0807})
	if err != nil || got != "rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256:RSA+SHA1:ed25519" {
		t.Fatalf("sigalgList = %q, %v", got, err)
	}
	if _, err := sigalgList([]int{0xff01}); !errors.As(err, new(errUnimplemented)) {
		t.Fatalf("unknown code point: err = %v, want errUnimplemented", err)
	}
}

// TestOneByteReader: an -async transport gives at most one byte per Read,
// and every byte in order.
func TestOneByteReader(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			_, _ = c.Write([]byte("abc"))
			c.Close()
		}
	}()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	r := oneByteReader{raw.(*net.TCPConn)}
	var got []byte
	buf := make([]byte, 16)
	for {
		n, err := r.Read(buf)
		if n > 1 {
			t.Fatalf("Read gave %d bytes, want at most 1", n)
		}
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	if string(got) != "abc" {
		t.Fatalf("read %q, want abc", got)
	}
}

// TestParseFlagsOCSP: -ocsp-response and -expect-ocsp-response are base64
// (decoded), -enable-ocsp-stapling a boolean; a value that is not base64
// is an error, not "unimplemented".
func TestParseFlagsOCSP(t *testing.T) {
	cs, err := parseFlags([]string{"-ocsp-response", "AQIDBA==", "-expect-ocsp-response", "AQIDBA==", "-enable-ocsp-stapling", "-verify-peer"})
	if err != nil {
		t.Fatal(err)
	}
	c := cs.initial
	if c.ocspResponse != "\x01\x02\x03\x04" || c.expectOCSPResponse != "\x01\x02\x03\x04" || !c.enableOCSPStapling || !c.verifyPeer {
		t.Fatalf("parsed %+v", c)
	}
	if _, err := parseFlags([]string{"-ocsp-response", "not base64!"}); err == nil || errors.As(err, new(errUnimplemented)) {
		t.Fatalf("bad base64: err = %v, want a plain error", err)
	}
}
