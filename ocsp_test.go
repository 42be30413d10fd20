package libssl_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// OCSP stapling as OpenSSL's ssl-tests do it: the server's status callback
// staples a DER OCSP response (successful or internalError), the client's
// accepts a successful one; a bad response fails the handshake.
func TestStatusCallback(t *testing.T) {
	good, err := libssl.NewOCSPResponseDER(libssl.OCSPResponseSuccessful)
	check(t, err)
	bad, err := libssl.NewOCSPResponseDER(libssl.OCSPResponseInternalError)
	check(t, err)
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		for _, tc := range []struct {
			name string
			resp []byte
			ok   bool
		}{{"good", good, true}, {"bad", bad, false}} {
			t.Run(v.String()+" "+tc.name, func(t *testing.T) {
				before := libssl.LiveObjects()
				sctx := serverCtx(t, ctxOpts{version: v})
				cctx := clientCtx(t, ctxOpts{version: v})
				served, seen := 0, []byte(nil)
				check(t, sctx.SetStatusCallback(func(s *libssl.SSL) int {
					served++
					if err := s.SetOCSPResponse(tc.resp); err != nil {
						t.Error(err)
						return libssl.StatusServerAlertFatal
					}
					if got := s.OCSPResponse(); !bytes.Equal(got, tc.resp) {
						t.Errorf("server OCSPResponse = %x", got)
					}
					return libssl.StatusServerOK
				}))
				check(t, cctx.SetStatusTypeOCSP())
				check(t, cctx.SetStatusCallback(func(s *libssl.SSL) int {
					seen = s.OCSPResponse()
					if st, err := libssl.OCSPResponseStatus(seen); err == nil && st == libssl.OCSPResponseSuccessful {
						return libssl.StatusClientAccept
					}
					return libssl.StatusClientReject
				}))
				p := newPair(t, cctx, sctx)
				err := p.Handshake()
				if (err == nil) != tc.ok {
					t.Errorf("handshake: %v, want success %v", err, tc.ok)
				}
				if served != 1 || !bytes.Equal(seen, tc.resp) {
					t.Errorf("server callback ran %d times, client saw %x; want 1 and %x", served, seen, tc.resp)
				}
				if tc.ok {
					if got := p.Client.OCSPResponse(); !bytes.Equal(got, good) {
						t.Errorf("client OCSPResponse after the handshake = %x", got)
					}
				}
				p.Free()
				sctx.Free()
				cctx.Free()
				if after, ok := settle(before); !ok {
					t.Errorf("destruction probe: %+v before, %+v after", before, after)
				}
			})
		}
	}
}

// A client that does not ask gets no status and runs no callback; a panic
// in the server's callback is raised again by the handshake.
func TestStatusCallbackNotAskedAndPanic(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{})
	cctx := clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	ran := 0
	check(t, sctx.SetStatusCallback(func(*libssl.SSL) int { ran++; return libssl.StatusServerOK }))
	p := newPair(t, cctx, sctx)
	check(t, p.Handshake())
	if ran != 0 || p.Client.OCSPResponse() != nil {
		t.Errorf("without SetStatusTypeOCSP: server callback ran %d times, client response %x", ran, p.Client.OCSPResponse())
	}
	p.Free()
	check(t, sctx.SetStatusCallback(func(*libssl.SSL) int { panic("boom in status") }))
	q := newPair(t, cctx, sctx)
	defer q.Free()
	check(t, q.Client.SetStatusTypeOCSP())
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "boom") {
			t.Errorf("recovered %v, want the callback's panic", r)
		}
	}()
	_ = q.Handshake()
	t.Error("the handshake returned without re-raising the panic")
}

// The DER of a bare OCSP response round-trips its status; garbage,
// trailing bytes and unknown statuses give errors.
func TestOCSPResponseDER(t *testing.T) {
	for _, st := range []int{libssl.OCSPResponseSuccessful, libssl.OCSPResponseTryLater, libssl.OCSPResponseUnauthorized} {
		der, err := libssl.NewOCSPResponseDER(st)
		if err != nil {
			t.Fatalf("NewOCSPResponseDER(%d): %v", st, err)
		}
		if got, err := libssl.OCSPResponseStatus(der); err != nil || got != st {
			t.Errorf("OCSPResponseStatus(NewOCSPResponseDER(%d)) = %d, %v", st, got, err)
		}
		if _, err := libssl.OCSPResponseStatus(append(der, 0)); err == nil {
			t.Errorf("a response with a trailing byte decoded")
		}
	}
	for _, bad := range []int{-1, 4, 7, 1 << 40} {
		if _, err := libssl.NewOCSPResponseDER(bad); errOp(err) != "OCSP_response_create" {
			t.Errorf("NewOCSPResponseDER(%d): %v, want an error naming OCSP_response_create", bad, err)
		}
	}
	for _, bad := range [][]byte{nil, {0xff}, {0x30, 0x03, 0x0a, 0x01}, bytes.Repeat([]byte{0x30}, 100)} {
		if _, err := libssl.OCSPResponseStatus(bad); errOp(err) != "d2i_OCSP_RESPONSE" {
			t.Errorf("OCSPResponseStatus(%x): %v, want an error naming d2i_OCSP_RESPONSE", bad, err)
		}
	}
}

func TestOCSPMisuse(t *testing.T) {
	cctx := clientCtx(t, ctxOpts{})
	s := must(libssl.New(cctx))
	if err := s.SetOCSPResponse(nil); err == nil {
		t.Error("SetOCSPResponse(nil) succeeded")
	}
	if s.OCSPResponse() != nil {
		t.Error("OCSPResponse on a new SSL is not nil")
	}
	s.Free()
	cctx.Free()
	if err := s.SetOCSPResponse([]byte{1}); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetOCSPResponse on a freed SSL: %v", err)
	}
	if err := s.SetStatusTypeOCSP(); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetStatusTypeOCSP on a freed SSL: %v", err)
	}
	if err := cctx.SetStatusTypeOCSP(); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetStatusTypeOCSP on a freed Ctx: %v", err)
	}
	if err := cctx.SetStatusCallback(func(*libssl.SSL) int { return 1 }); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetStatusCallback on a freed Ctx: %v", err)
	}
}

// errOp is the C function an *Error names, "" for any other error.
func errOp(err error) string {
	var e *libssl.Error
	if errors.As(err, &e) {
		return e.Op
	}
	return ""
}

// What libssl staples of bytes that are not a DER OCSPResponse: before 3.6
// the bytes as they are; from 3.6, which decodes them, nothing (the server
// reads back no response and the client sees none).
func TestOCSPResponseNotDER(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{})
	cctx := clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	junk := []byte{0xff}
	want := junk
	if libssl.RuntimeVersion() >= 0x30600000 {
		want = nil
	}
	var server, client []byte
	check(t, sctx.SetStatusCallback(func(s *libssl.SSL) int {
		check(t, s.SetOCSPResponse(junk))
		server = s.OCSPResponse()
		return libssl.StatusServerOK
	}))
	check(t, cctx.SetStatusTypeOCSP())
	check(t, cctx.SetStatusCallback(func(s *libssl.SSL) int {
		client = s.OCSPResponse()
		return libssl.StatusClientAccept
	}))
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Handshake())
	if !bytes.Equal(server, want) || !bytes.Equal(client, want) {
		t.Errorf("libssl %s: server read back %x, client saw %x; want %x", libssl.RuntimeVersionText(), server, client, want)
	}
}
