package libssl_test

import (
	"errors"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// alpnPair runs a handshake with the client offering offer and the server
// configured by setup, recording the alert the server sends.
func alpnPair(t *testing.T, offer []string, setup func(*libssl.Ctx) error) (selected string, serverAlert int, err error) {
	t.Helper()
	sctx := serverCtx(t, ctxOpts{})
	cctx := clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	check(t, setup(sctx))
	check(t, cctx.SetALPNProtos(offer))
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Server.SetInfoCallback(func(where, ret int) {
		if where&libssl.InfoAlert != 0 && where&libssl.InfoWrite != 0 {
			serverAlert = ret & 0xff
		}
	}))
	err = p.Handshake()
	return p.Client.ALPNSelected(), serverAlert, err
}

// SetALPNSelectWire installs the select callback even with an empty list,
// as a C server whose callback runs SSL_select_next_proto on an empty list:
// strict, it fails every client that offers ALPN with
// no_application_protocol; lenient, it selects nothing. SetALPNSelect with
// an empty list keeps its documented meaning: no callback, ALPN ignored.
func TestALPNSelectEmptyList(t *testing.T) {
	const noApplicationProtocol = 120
	sel, alert, err := alpnPair(t, []string{"foo"}, func(c *libssl.Ctx) error { return c.SetALPNSelectWire(nil, true) })
	if err == nil || !strings.Contains(err.Error(), "server handshake") || alert != noApplicationProtocol {
		t.Errorf("strict, empty wire: selected %q, server alert %d, err %v; want the server to fail with alert %d", sel, alert, err, noApplicationProtocol)
	}
	sel, _, err = alpnPair(t, []string{"foo"}, func(c *libssl.Ctx) error { return c.SetALPNSelectWire([]byte{}, false) })
	if err != nil || sel != "" {
		t.Errorf("lenient, empty wire: selected %q, err %v; want success with nothing selected", sel, err)
	}
	sel, _, err = alpnPair(t, []string{"foo"}, func(c *libssl.Ctx) error {
		if err := c.SetALPNSelect([]string{"foo"}, true); err != nil {
			return err
		}
		return c.SetALPNSelect([]string{}, true)
	})
	if err != nil || sel != "" {
		t.Errorf("SetALPNSelect(empty) after a list: selected %q, err %v; want the callback removed", sel, err)
	}
	sel, _, err = alpnPair(t, []string{"bar", "foo"}, func(c *libssl.Ctx) error {
		return c.SetALPNSelectWire([]byte("\x03foo\x03baz"), true)
	})
	if err != nil || sel != "foo" {
		t.Errorf("wire list: selected %q, err %v; want foo", sel, err)
	}
}

// A malformed wire list is refused before it reaches C; a freed context
// says so.
func TestALPNSelectWireErrors(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{})
	for _, bad := range []string{"\x00", "\x03fo", "\x01a\x00"} {
		if err := sctx.SetALPNSelectWire([]byte(bad), true); err == nil || !strings.Contains(err.Error(), "SSL_CTX_set_alpn_select_cb") {
			t.Errorf("SetALPNSelectWire(%q): %v, want an error naming the C function", bad, err)
		}
	}
	check(t, sctx.SetALPNSelectWire([]byte("\x01a"), true))
	if got := sctx.ALPNSelect(); len(got) != 1 || got[0] != "a" {
		t.Errorf("ALPNSelect after a valid wire = %q", got)
	}
	check(t, sctx.SetALPNSelectWire(nil, true))
	if got := sctx.ALPNSelect(); got != nil {
		t.Errorf("ALPNSelect after an empty wire = %q, want nil", got)
	}
	sctx.Free()
	if err := sctx.SetALPNSelectWire([]byte("\x01a"), true); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetALPNSelectWire on a freed Ctx: %v", err)
	}
}
