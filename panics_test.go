package libssl_test

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// removeOnFreeServer makes a TLS 1.2 server context with an internal
// session cache whose remove-session callback panics with v, and a pair on
// it whose handshake completed without a shutdown: SSL_clear and SSL_free
// then find the server's session open and remove it from the cache as bad
// (ssl_clear_bad_session), which runs the callback.
func removeOnFreeServer(t *testing.T, v any) (sctx, cctx *libssl.Ctx, server *libssl.SSL, free func()) {
	t.Helper()
	sctx = serverCtx(t, ctxOpts{version: libssl.TLS1_2, noTicket: true})
	cctx = clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	check(t, sctx.SetSessionCacheMode(libssl.SessCacheServer))
	p := newPair(t, cctx, sctx)
	check(t, p.Handshake())
	check(t, sctx.SetSessionCallbacks(nil, func(s *libssl.Session) { s.Free(); panic(v) }))
	return sctx, cctx, p.Server, func() {
		_ = sctx.SetSessionCallbacks(nil, nil)
		p.Free()
		sctx.Free()
		cctx.Free()
	}
}

// A panic in the remove-session callback that SSL_clear or SSL_free runs is
// raised again by Clear or Free, on the caller's goroutine; nothing of it
// stays pending, so another SSL's handshake on the same context does not
// meet it.
func TestRemoveCallbackPanicIsRaisedByClearAndFree(t *testing.T) {
	type boom struct{ where string }
	for _, step := range []string{"clear", "free"} {
		t.Run(step, func(t *testing.T) {
			pr := newProbe(t)
			func() {
				sctx, cctx, server, free := removeOnFreeServer(t, boom{step})
				defer free()
				call := server.Free
				if step == "clear" {
					call = func() { _ = server.Clear() }
				}
				if got := catch(call); got != (boom{step}) {
					t.Fatalf("%s raised %v, want boom{%q}", step, got, step)
				}
				if n := libssl.PendingPanics(); n != 0 {
					t.Fatalf("%d panics pending after %s returned", n, step)
				}
				check(t, sctx.SetSessionCallbacks(nil, nil))
				q := newPair(t, cctx, sctx)
				defer q.Free()
				if got := catch(func() { check(t, q.Handshake()) }); got != nil {
					t.Fatalf("another SSL's handshake on the context raised %v", got)
				}
			}()
			pr.expect("after freeing everything", obj(0, 0, 0))
		})
	}
}

const backstopChildEnv = "LIBSSL_GO_TEST_BACKSTOP_PANIC"

// The cleanup backstop of an SSL dropped without Free runs SSL_free on the
// runtime's cleanup goroutine; a panic in the remove-session callback it
// runs is raised there, which ends the program with the callback's panic
// value (a panic from user code is never swallowed). The program runs in
// a child process: the test binary again, with backstopChildEnv set.
func TestRemoveCallbackPanicInCleanupBackstopEndsTheProgram(t *testing.T) {
	const msg = "remove-session callback panic in the cleanup backstop"
	if os.Getenv(backstopChildEnv) == "1" {
		// The server handle is dropped without Free: only its cleanup
		// frees it.
		sctx, _, _, _ := removeOnFreeServer(t, msg)
		for i := 0; i < 200; i++ {
			runtime.GC()
			runtime.Gosched()
		}
		runtime.KeepAlive(sctx)
		t.Log("the backstop's SSL_free raised nothing")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRemoveCallbackPanicInCleanupBackstopEndsTheProgram$", "-test.count=1")
	cmd.Env = append(os.Environ(), backstopChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child exited with status 0; output:\n%s", out)
	}
	if !strings.Contains(string(out), "panic: "+msg) {
		t.Fatalf("the child failed (%v) without the callback's panic value; output:\n%s", err, out)
	}
}
