package openssl

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := strings.Split(strings.TrimSpace(s.b.String()), "\n")
	sort.Strings(l)
	return l
}

// withoutExporter drops the EXPORTER_SECRET line, which libssl logs for
// TLS 1.3 and crypto/tls does not, and reports whether there was one.
func withoutExporter(lines []string) ([]string, bool) {
	var out []string
	found := false
	for _, l := range lines {
		if strings.HasPrefix(l, "EXPORTER_SECRET ") {
			found = true
			continue
		}
		out = append(out, l)
	}
	return out, found
}

// The key log lines of a libssl client are the lines crypto/tls's server
// writes for the same handshake: same labels, same client random, same
// secrets, in the NSS format (label, 32-byte client random, secret of the
// hash's length: 48 bytes for TLS 1.2's master secret, 32 or 48 for TLS 1.3
// traffic secrets).
func TestKeyLogWriter(t *testing.T) {
	line := regexp.MustCompile(`^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]+)$`)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			var ours, theirs syncBuf
			cfg := clientConfig(v.v)
			cfg.KeyLogWriter = &ours
			defer cfg.Free()
			g := goServerConfig(t, v.v)
			g.KeyLogWriter = &theirs
			_, err, _, gerr := pairGoServer(t, cfg, g)
			if err != nil || gerr != nil {
				t.Fatal(err, gerr)
			}
			ol, tl := ours.lines(), theirs.lines()
			ol2, exp := withoutExporter(ol)
			if exp != (v.v == VersionTLS13) {
				t.Errorf("EXPORTER_SECRET logged: %v", exp)
			}
			if strings.Join(ol2, "\n") != strings.Join(tl, "\n") {
				t.Fatalf("libssl logged:\n%s\ncrypto/tls logged:\n%s", strings.Join(ol, "\n"), strings.Join(tl, "\n"))
			}
			labels := map[string]bool{}
			random := ""
			for _, l := range ol {
				m := line.FindStringSubmatch(l)
				if m == nil {
					t.Fatalf("not an NSS key log line: %q", l)
				}
				labels[m[1]] = true
				if random != "" && m[2] != random {
					t.Errorf("two client randoms in one handshake's lines")
				}
				random = m[2]
				if n := len(m[3]) / 2; n != 48 && (v.v == VersionTLS12 || n != 32) {
					t.Errorf("%s: secret of %d bytes", m[1], n)
				}
			}
			want := []string{"CLIENT_RANDOM"}
			if v.v == VersionTLS13 {
				want = []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"}
			}
			for _, w := range want {
				if !labels[w] {
					t.Errorf("no %s line: %v", w, ol)
				}
			}
		})
	}
}

// A libssl server's lines match a crypto/tls client's too.
func TestKeyLogWriterServer(t *testing.T) {
	for _, v := range versions {
		var ours, theirs syncBuf
		cfg := serverConfig(v.v)
		cfg.KeyLogWriter = &ours
		g := goClientConfig(v.v)
		g.KeyLogWriter = &theirs
		r := pairGoClient(t, cfg, g)
		if r.ourErr != nil || r.goErr != nil {
			t.Fatal(r.ourErr, r.goErr)
		}
		ol, _ := withoutExporter(ours.lines())
		if a, b := strings.Join(ol, "\n"), strings.Join(theirs.lines(), "\n"); a != b || a == "" {
			t.Errorf("%s: libssl:\n%s\ncrypto/tls:\n%s", v.name, a, b)
		}
		cfg.Free()
	}
}
