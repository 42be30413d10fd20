package libssl_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// concurrentMutationChild is the crash case of unguarded concurrent use, run in a child process so
// that a crash is a failed test instead of a dead test binary: one goroutine
// calls Clear, SetCipherList and SetHostName through one handle while others
// Dup through other handles on the same SSL. Before the per-SSL guard this
// died within a few thousand iterations (heap-use-after-free in SSL_dup
// under -asan, SIGSEGV without). It prints "detected N" on success.
const concurrentChildEnv = "LIBSSL_GO_CONCURRENT_CHILD"

func runConcurrentMutation() (detected int64, err error) {
	ctx, err := libssl.NewCtx(libssl.TLSMethod)
	if err != nil {
		return 0, err
	}
	defer ctx.Free()
	s, err := libssl.New(ctx)
	if err != nil {
		return 0, err
	}
	defer s.Free()
	const dupers, iters = 3, 20000
	var wg sync.WaitGroup
	var det atomic.Int64
	var firstErr atomic.Value
	note := func(err error) {
		switch {
		case err == nil:
		case errors.Is(err, libssl.ErrConcurrentUse):
			det.Add(1)
		default:
			firstErr.CompareAndSwap(nil, err)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < iters; i++ {
			note(s.Clear())
			note(s.SetCipherList([]string{"HIGH", "ALL", "AES128-SHA:AES256-SHA"}[i%3]))
			note(s.SetHostName(fmt.Sprintf("host%d.example", i%7)))
		}
	}()
	for g := 0; g < dupers; g++ {
		h, err := s.UpRef()
		if err != nil {
			return 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer h.Free()
			for i := 0; i < iters; i++ {
				d, err := h.Dup()
				note(err)
				d.Free()
			}
		}()
	}
	wg.Wait()
	if e, _ := firstErr.Load().(error); e != nil {
		return det.Load(), e
	}
	return det.Load(), nil
}

func TestConcurrentMutationIsCaught(t *testing.T) {
	if os.Getenv(concurrentChildEnv) == "1" {
		n, err := runConcurrentMutation()
		if err != nil {
			fmt.Printf("error %v\n", err)
			os.Exit(2)
		}
		fmt.Printf("detected %d\n", n)
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run", "^TestConcurrentMutationIsCaught$", "-test.v")
	cmd.Env = append(os.Environ(), concurrentChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		tail := string(out)
		if len(tail) > 3000 {
			tail = tail[:3000]
		}
		t.Fatalf("child: %v\n%s", err, tail)
	}
	if !strings.Contains(string(out), "detected ") {
		t.Fatalf("child printed no result:\n%s", out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "detected ") {
			t.Log(l)
		}
	}
}

// panicErr runs f and returns the error it panicked with, or nil.
func panicErr(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	f()
	return nil
}

// While one goroutine is inside a C call on an SSL (here: the handshake,
// stopped in its info callback), a call on the same SSL from another
// goroutine, through another handle, is refused: methods with an error
// result return ErrConcurrentUse, methods without one panic with it, and
// neither reaches libssl. The callback itself, on the thread inside the
// call, may call back into the SSL. Once the handshake returns, the same
// calls work. Deterministic: the other goroutine runs while the callback
// waits for it.
func TestConcurrentUseRefusedDuringCall(t *testing.T) {
	pr := newProbe(t)
	sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	p := newPair(t, cctx, sctx)
	other := must(p.Client.UpRef())
	type result struct{ setErr, getPanic, dupErr error }
	var got *result
	var reentrant error
	check(t, p.Client.SetInfoCallback(func(where, ret int) {
		if got != nil {
			return
		}
		// Same thread, inside the handshake's C call: allowed.
		reentrant = panicErr(func() { _ = p.Client.IsServer(); _ = p.Client.SetCipherList("ALL") })
		ch := make(chan *result)
		go func() {
			r := &result{setErr: other.SetCipherList("HIGH")}
			r.getPanic = panicErr(func() { _ = other.IsServer() })
			d, err := other.Dup()
			d.Free()
			r.dupErr = err
			ch <- r
		}()
		got = <-ch
	}))
	check(t, p.Handshake())
	if reentrant != nil {
		t.Errorf("re-entrant call from the callback: %v", reentrant)
	}
	if got == nil {
		t.Fatal("the info callback never ran")
	}
	for name, err := range map[string]error{"SetCipherList": got.setErr, "IsServer (panic)": got.getPanic, "Dup": got.dupErr} {
		if !errors.Is(err, libssl.ErrConcurrentUse) {
			t.Errorf("%s from another goroutine during the handshake: %v, want ErrConcurrentUse", name, err)
		}
	}
	// After the call: the guard is free again.
	check(t, other.SetCipherList("HIGH"))
	if err := panicErr(func() { _ = other.IsServer() }); err != nil {
		t.Fatal(err)
	}
	check(t, p.Client.SetInfoCallback(nil))
	other.Free()
	p.Free()
	pr.expect("after Free", obj(0, 2, 0))
}
