package libssl_test

import (
	"errors"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// NPN in TLS 1.2: the client picks the server's first protocol it has too,
// else its own first; both sides report the choice. TLS 1.3 has no NPN.
func TestNextProtoNegotiation(t *testing.T) {
	for _, tc := range []struct {
		name           string
		v              libssl.ProtocolVersion
		server, client []string
		want           string
	}{
		{"overlap", libssl.TLS1_2, []string{"b", "a", "c"}, []string{"a", "c"}, "a"},
		{"no overlap", libssl.TLS1_2, []string{"b"}, []string{"x", "y"}, "x"},
		{"TLS1.3", libssl.TLS1_3, []string{"a"}, []string{"a"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sctx := serverCtx(t, ctxOpts{version: tc.v})
			cctx := clientCtx(t, ctxOpts{version: tc.v})
			defer sctx.Free()
			defer cctx.Free()
			check(t, sctx.SetNextProtosAdvertised(tc.server))
			check(t, cctx.SetNextProtoSelect(tc.client))
			p := newPair(t, cctx, sctx)
			defer p.Free()
			check(t, p.Handshake())
			if got := p.Client.NextProtoNegotiated(); got != tc.want {
				t.Errorf("client NextProtoNegotiated = %q, want %q", got, tc.want)
			}
			if got := p.Server.NextProtoNegotiated(); got != tc.want {
				t.Errorf("server NextProtoNegotiated = %q, want %q", got, tc.want)
			}
		})
	}
}

// Without the server's advertisement nothing is negotiated; bad lists and
// freed handles give errors.
func TestNextProtoErrors(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2})
	cctx := clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	defer sctx.Free()
	defer cctx.Free()
	check(t, cctx.SetNextProtoSelect([]string{"a"}))
	p := newPair(t, cctx, sctx)
	check(t, p.Handshake())
	if got := p.Client.NextProtoNegotiated(); got != "" {
		t.Errorf("NextProtoNegotiated without an advertisement = %q", got)
	}
	p.Free()
	if got := p.Client.NextProtoNegotiated(); got != "" {
		t.Errorf("NextProtoNegotiated on a freed SSL = %q", got)
	}
	long := strings.Repeat("x", 256)
	for _, bad := range [][]string{nil, {}, {""}, {"a", long}} {
		if err := sctx.SetNextProtosAdvertised(bad); err == nil || !strings.Contains(err.Error(), "SSL_CTX_set_next_protos_advertised_cb") {
			t.Errorf("SetNextProtosAdvertised(%d names): %v, want an error naming the C function", len(bad), err)
		}
		if err := cctx.SetNextProtoSelect(bad); err == nil {
			t.Errorf("SetNextProtoSelect(%d names) succeeded", len(bad))
		}
	}
	if err := sctx.SetNextProtosAdvertised([]string{strings.Repeat("y", 255)}); err != nil {
		t.Errorf("a 255-byte name: %v", err)
	}
	freed := clientCtx(t, ctxOpts{})
	freed.Free()
	if err := freed.SetNextProtoSelect([]string{"a"}); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetNextProtoSelect on a freed Ctx: %v", err)
	}
	if err := freed.SetNextProtosAdvertised([]string{"a"}); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetNextProtosAdvertised on a freed Ctx: %v", err)
	}
}

// The wire-format setters take the empty lists a C program may give, with
// C's outcomes: a server advertising nothing still lets the client pick its
// own first protocol; a client with an empty list selects nothing, which
// libssl fails.
func TestNextProtoEmptyWireLists(t *testing.T) {
	run := func(server, client []byte) (string, error) {
		sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2})
		cctx := clientCtx(t, ctxOpts{version: libssl.TLS1_2})
		defer sctx.Free()
		defer cctx.Free()
		check(t, sctx.SetNextProtosAdvertisedWire(server))
		check(t, cctx.SetNextProtoSelectWire(client))
		p := newPair(t, cctx, sctx)
		defer p.Free()
		err := p.Handshake()
		return p.Client.NextProtoNegotiated(), err
	}
	if got, err := run(nil, []byte("\x03foo")); err != nil || got != "foo" {
		t.Errorf("empty advertisement: negotiated %q, err %v; want foo", got, err)
	}
	if got, err := run([]byte("\x03foo"), []byte{}); err == nil || !strings.Contains(err.Error(), "client handshake") {
		t.Errorf("empty client list: negotiated %q, err %v; want the client to fail", got, err)
	}
	if got, err := run([]byte("\x03bar\x03foo"), []byte("\x03foo")); err != nil || got != "foo" {
		t.Errorf("wire lists: negotiated %q, err %v; want foo", got, err)
	}
	ctx := clientCtx(t, ctxOpts{})
	defer ctx.Free()
	for _, bad := range []string{"\x00", "\x05abc"} {
		if err := ctx.SetNextProtoSelectWire([]byte(bad)); err == nil || !strings.Contains(err.Error(), "SSL_CTX_set_next_proto_select_cb") {
			t.Errorf("SetNextProtoSelectWire(%q): %v", bad, err)
		}
		if err := ctx.SetNextProtosAdvertisedWire([]byte(bad)); err == nil {
			t.Errorf("SetNextProtosAdvertisedWire(%q) succeeded", bad)
		}
	}
}
