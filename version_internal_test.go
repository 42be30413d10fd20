package libssl

import "testing"

func TestVersionStringAndCheck(t *testing.T) {
	for v, want := range map[uint64]string{0x1010117f: "1.1.1w", 0x30000130: "3.0.19", 0x30500040: "3.5.4", 0x10101000: "1.1.1"} {
		if got := VersionString(v); got != want {
			t.Errorf("VersionString(%#x) = %q, want %q", v, got, want)
		}
	}
	for _, c := range []struct {
		h, r uint64
		ok   bool
	}{
		{0x30000130, 0x30000130, true},
		{0x30000130, 0x300000f0, true},  // 3.0.19 headers, 3.0.15 library
		{0x30000130, 0x30500040, false}, // 3.0 headers, 3.5 library
		{0x1010117f, 0x30000130, false},
	} {
		if err := checkVersions(c.h, c.r, "x"); (err == nil) != c.ok {
			t.Errorf("checkVersions(%#x, %#x) = %v, want ok=%v", c.h, c.r, err, c.ok)
		}
	}
	if initErr != nil {
		t.Fatalf("this build has a start-up error: %v", initErr)
	}
}
