// Command memcheck reports the peak resident memory of making many SSL
// objects: N New+Free pairs, and N New whose handles are dropped without Free
// (left to the cleanup backstop). Each scenario runs in a fresh process,
// since peak RSS (VmHWM) is a process-wide high-water mark. Every scenario
// ends by checking that the destruction probe is back to zero.
//
//	memcheck              the report: 1,000,000 New+Free; 100,000 and 1,000,000 dropped
//	memcheck -run MODE N  one scenario (used by the report)
//
// It is a development command (internal/, not installed by `go install
// ./cmd/...`): run it with `make memcheck` or `go run ./internal/bench/cmd/memcheck`.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	libssl "github.com/libssl-go/libssl"
)

func main() {
	run := flag.String("run", "", "scenario to run in this process: free or drop")
	flag.Parse()
	if *run != "" {
		n, _ := strconv.Atoi(flag.Arg(0))
		if err := scenario(*run, n); err != nil {
			fmt.Fprintln(os.Stderr, "memcheck:", err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("OpenSSL %s\n", libssl.RuntimeVersionText())
	fmt.Printf("%-28s %12s %12s %10s %10s\n", "scenario", "peak RSS", "base RSS", "cleanups", "seconds")
	peaks := map[string]float64{}
	failed := false
	for _, sc := range []struct {
		mode string
		n    int
	}{{"free", 1000000}, {"drop", 100000}, {"drop", 1000000}} {
		out, err := exec.Command(os.Args[0], "-run", sc.mode, strconv.Itoa(sc.n)).CombinedOutput()
		line := strings.TrimSpace(string(out))
		if err != nil {
			fmt.Printf("%s %d: %v\n%s\n", sc.mode, sc.n, err, line)
			failed = true
			continue
		}
		var peak, base float64
		var cleanups int64
		var secs float64
		fmt.Sscanf(line, "%f %f %d %f", &peak, &base, &cleanups, &secs)
		name := fmt.Sprintf("%s %d", map[string]string{"free": "New+Free", "drop": "New, dropped"}[sc.mode], sc.n)
		fmt.Printf("%-28s %9.1f MiB %9.1f MiB %10d %10.2f\n", name, peak, base, cleanups, secs)
		peaks[fmt.Sprintf("%s %d", sc.mode, sc.n)] = peak
	}
	if failed {
		os.Exit(1)
	}
	ratio := peaks["drop 1000000"] / peaks["drop 100000"]
	fmt.Printf("New+Free 1,000,000 peak under 64 MiB: %v\n", peaks["free 1000000"] < 64)
	fmt.Printf("dropped: peak at 1,000,000 / peak at 100,000 = %.2f (target at most 1.5)\n", ratio)
	if peaks["free 1000000"] >= 64 || ratio > 1.5 {
		os.Exit(1)
	}
}

func scenario(mode string, n int) error {
	base := rssMiB("VmRSS")
	start := time.Now()
	ctx, err := libssl.NewCtx(libssl.TLSMethod)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		s, err := libssl.New(ctx)
		if err != nil {
			return err
		}
		if mode == "free" {
			s.Free()
		}
	}
	ctx.Free()
	secs := time.Since(start).Seconds()
	// Everything must be destroyed once the handles are gone.
	deadline := time.Now().Add(30 * time.Second)
	for libssl.LiveObjects() != (libssl.Objects{}) {
		if time.Now().After(deadline) {
			return fmt.Errorf("objects still alive: %+v", libssl.LiveObjects())
		}
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Printf("%.1f %.1f %d %.2f\n", rssMiB("VmHWM"), base, libssl.CleanupFrees(), secs)
	return nil
}

// rssMiB reads a VmRSS/VmHWM line of /proc/self/status, in MiB.
func rssMiB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return -1
}
