package libssl_test

import (
	"errors"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// A connection's group list (SSL_set1_groups_list) overrides its
// context's: the server limited to P-384 by its SSL, the client offering
// X25519 and P-384, the handshake uses P-384, the only shared group
// (SSL_get_shared_group), which 3.0's SSL_group_to_name calls secp384r1.
// Unknown group names and an empty NID list are refused.
func TestSSLGroupsList(t *testing.T) {
	cctx, sctx, _ := handshakeGroup(t, libssl.TLS1_3, "X25519:P-384")
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Server.SetGroupsList("P-384"))
	check(t, p.Handshake())
	p384 := libssl.ObjectNID("secp384r1")
	if _, name := p.Client.NegotiatedGroup(); name != "secp384r1" {
		t.Errorf("NegotiatedGroup %q, want secp384r1", name)
	}
	if n, g := p.Server.SharedGroupCount(), p.Server.SharedGroup(0); n != 1 || g != p384 {
		t.Errorf("shared groups: %d, first %d; want 1, secp384r1 %d", n, g, p384)
	}
	if g := p.Server.SharedGroup(1); g != 0 {
		t.Errorf("SharedGroup(1) = %d, want 0", g)
	}
	if n := p.Client.SharedGroupCount(); n != 0 {
		t.Errorf("client SharedGroupCount = %d, want 0 (libssl keeps shared groups on servers)", n)
	}
	name, err := p.Server.GroupName(p384)
	if libssl.RuntimeVersion() < 0x30000000 {
		if !errors.Is(err, libssl.ErrUnsupported) {
			t.Errorf("GroupName on 1.1.1: %q, %v; want ErrUnsupported", name, err)
		}
	} else if err != nil || name != "secp384r1" {
		t.Errorf("GroupName(secp384r1) = %q, %v", name, err)
	}
	if err := p.Client.SetGroupsList("no-such-group"); err == nil {
		t.Error("an unknown group name was accepted")
	}
	if err := cctx.SetGroups(nil); err == nil {
		t.Error("an empty group NID list was accepted")
	}
	check(t, cctx.SetGroups([]int{p384}))
}
