package main

import (
	"errors"
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
	if got := run([]string{"-async"}); got != exitUnimplemented {
		t.Errorf("run(-async) = %d, want %d", got, exitUnimplemented)
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
