package openssl

import (
	"crypto/tls"
	"testing"
)

// Two servers, each with its own Config and SSL_CTX and the same ticket
// keys, resume each other's tickets (a crypto/tls client); after a rotation
// that keeps the old key for decryption they still do; once the old key is
// gone, the handshake is a full one, without error.
func TestSessionTicketKeysFleet(t *testing.T) {
	k1, k2 := [32]byte{1}, [32]byte{2}
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			a, b := serverConfig(v.v), serverConfig(v.v)
			defer a.Free()
			defer b.Free()
			for _, cfg := range []*Config{a, b} {
				if err := cfg.SetSessionTicketKeys([][32]byte{k1}); err != nil {
					t.Fatal(err)
				}
			}
			g := goClientConfig(v.v)
			run := func(cfg *Config, wantResume bool, what string) {
				t.Helper()
				r := pairGoClient(t, cfg, g)
				if r.ourErr != nil || r.goErr != nil {
					t.Fatalf("%s: server %v, client %v", what, r.ourErr, r.goErr)
				}
				if r.goState.DidResume != wantResume || r.ours.OpenSSLState().DidResume != wantResume {
					t.Errorf("%s: resumed %v (server says %v), want %v", what, r.goState.DidResume, r.ours.OpenSSLState().DidResume, wantResume)
				}
			}
			run(a, false, "first handshake, on A")
			run(b, true, "A's ticket on B")
			run(a, true, "B's ticket on A")
			// Rotation: k2 encrypts, k1 still decrypts.
			if err := b.SetSessionTicketKeys([][32]byte{k2, k1}); err != nil {
				t.Fatal(err)
			}
			run(b, true, "k1 ticket on B after rotation")
			// That resumption renewed the ticket under k2; A knows only k1.
			run(a, false, "k2 ticket on A, which knows only k1")
			run(a, true, "A's new k1 ticket on A")
			if err := b.SetSessionTicketKeys([][32]byte{k2}); err != nil {
				t.Fatal(err)
			}
			run(b, false, "k1 ticket on B after k1 was rotated out")
			run(b, true, "k2 ticket on B")
		})
	}
}

// Without shared keys (each server's own random ones), a ticket from one
// server does not resume on the other: the control case.
func TestSessionTicketKeysControl(t *testing.T) {
	a, b := serverConfig(VersionTLS13), serverConfig(VersionTLS13)
	defer a.Free()
	defer b.Free()
	g := goClientConfig(VersionTLS13)
	if r := pairGoClient(t, a, g); r.ourErr != nil || r.goErr != nil {
		t.Fatal(r.ourErr, r.goErr)
	}
	r := pairGoClient(t, b, g)
	if r.ourErr != nil || r.goErr != nil || r.goState.DidResume {
		t.Fatalf("server %v, client %v, resumed %v", r.ourErr, r.goErr, r.goState.DidResume)
	}
	_ = tls.VersionTLS13
}
