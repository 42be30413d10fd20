package libssl_test

import (
	"errors"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// A certificate-verify callback that asks for a retry suspends the
// client's handshake with SSL_ERROR_WANT_RETRY_VERIFY; the next step runs
// the verification again and the handshake completes. OpenSSL 1.1.1 lacks
// SSL_set_retry_verify: the call says so and the handshake is not held.
func TestVerifyRetry(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{})
	cctx := clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	calls := 0
	var retryErr error
	var kept *libssl.VerifyContext
	check(t, cctx.SetCertVerifyCallback(func(_ *libssl.SSL, v *libssl.VerifyContext) bool {
		calls++
		kept = v
		if calls == 1 {
			retryErr = v.SetRetryVerify()
			return retryErr == nil
		}
		ok, err := v.Verify()
		return ok && err == nil
	}))
	p := newPair(t, cctx, sctx)
	defer p.Free()
	err := p.Handshake()
	if libssl.RuntimeVersion() < 0x30000000 {
		if !errors.Is(retryErr, libssl.ErrUnsupported) {
			t.Fatalf("SetRetryVerify on %s: %v, want ErrUnsupported", libssl.RuntimeVersionText(), retryErr)
		}
		if err == nil {
			t.Fatal("the handshake completed although the callback rejected the chain")
		}
		return
	}
	check(t, retryErr)
	if !errors.Is(err, libssl.ErrWantRetryVerify) {
		t.Fatalf("first handshake: %v, want ErrWantRetryVerify", err)
	}
	var e *libssl.Error
	if !errors.As(err, &e) || e.Code != libssl.SSLErrorWantRetryVerify || e.Code.String() != "SSL_ERROR_WANT_RETRY_VERIFY" {
		t.Fatalf("first handshake's error: %#v", err)
	}
	if errors.Is(err, libssl.ErrWantRead) {
		t.Error("a retry-verify matches ErrWantRead")
	}
	if calls != 1 {
		t.Fatalf("callback ran %d times before the retry, want 1", calls)
	}
	check(t, p.Handshake())
	if calls != 2 {
		t.Errorf("callback ran %d times, want 2 (the retry verifies again)", calls)
	}
	if got := p.Client.VerifyResult(); got != 0 {
		t.Errorf("verify result %d after the retry", got)
	}
	if err := kept.SetRetryVerify(); !errors.Is(err, libssl.ErrVerifyContextDone) {
		t.Errorf("SetRetryVerify after the callback returned: %v, want ErrVerifyContextDone", err)
	}
}
