// Command shim is a BoGo shim (BoringSSL's ssl/test/runner) built on the
// binding's openssl package: the runner starts it once per test with the
// test's flags, the shim dials the runner, writes its shim id, makes the
// TLS connection(s) the flags ask for with libssl and echoes every byte it
// reads XOR 0xFF until the peer closes. Exit codes are the runner's: 0 the
// test's exchange succeeded, 1 it failed (the error on stderr, with
// OpenSSL's error lines, which the runner matches against the expected
// error through the config's ErrorMap), 89 a flag this shim does not
// implement.
package main

import (
	"errors"
	"fmt"
	"os"
)

// Exit codes the runner reads.
const (
	exitOK            = 0
	exitFailed        = 1
	exitUnimplemented = 89
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run is the whole shim: it returns the exit code.
func run(args []string) int {
	cs, err := parseFlags(args)
	var unimpl errUnimplemented
	switch {
	case errors.As(err, &unimpl):
		return unimplemented(err)
	case err != nil:
		fmt.Fprintln(os.Stderr, "bad command line:", err)
		return exitFailed
	}
	if cs.initial.isHandshakerSupported {
		// Split handshakes (handoff/handback) are BoringSSL's own.
		fmt.Println("No")
		return exitOK
	}
	if err := checkImplemented(cs); err != nil {
		return unimplemented(err)
	}
	run := runConnections
	if cs.initial.dtls.on {
		run = runDTLSConnections
	}
	if err := run(cs); err != nil {
		var unimpl errUnimplemented
		if errors.As(err, &unimpl) {
			return unimplemented(err)
		}
		fmt.Fprintln(os.Stderr, err)
		return exitFailed
	}
	return exitOK
}

// unimplemented reports err and returns the runner's "unimplemented" exit
// code. With BOGO_UNIMPLEMENTED_LOG set, it also appends err's line to that
// file, so that a run can count which flags cost the most tests.
func unimplemented(err error) int {
	fmt.Fprintln(os.Stderr, err)
	if path := os.Getenv("BOGO_UNIMPLEMENTED_LOG"); path != "" {
		if f, ferr := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); ferr == nil {
			fmt.Fprintln(f, err)
			f.Close()
		}
	}
	return exitUnimplemented
}
