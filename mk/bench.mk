# Performance: every mirrored call through the binding beside the same call
# in C (internal/cbench, built by this run), in two tables from the same
# build:
#
#  1. Instructions per operation (the primary figure): callgrind counts the
#     instructions of each benchmark loop, C's and Go's, on every thread
#     (mk/instrcount.sh). Counts do not move with the machine's load; wall
#     times on a shared machine move by +-30% between runs.
#  2. Wall time: benchstat's medians and confidence intervals over
#     BENCH_COUNT runs, one column per implementation (-col /impl: c, go,
#     go-unlocked).
#
# Then memory under a million handles (internal/cmd/memcheck).
#
# benchstat is pinned and run with `go run` (the module proxy, no install).
# The sed turns the positional sub-benchmark names BenchmarkOps/OP/c|go|...
# into BenchmarkOps/OP/impl=c|go|..., which benchstat can put in columns.
# BENCH_INSTR=0 skips the instruction table (it needs valgrind; about four
# minutes on two loaded cores).
BENCH_COUNT ?= 10
BENCH_INSTR ?= 1
BENCHSTAT   ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_OUT   ?= $(CURDIR)/.cache/bench
# Operations and their callgrind iteration counts (cheap ones need many so
# that the runtime's background work is small beside them).
INSTR_OPS   ?= FloorCgoCall:20000 Version:20000 UpRefFree:10000 Clear:5000 SetSession:10000 \
	SessionFree:10000 NewFree:2000 DupFree:2000 MarshalDER:5000 UnmarshalDER:2000 \
	Handshake13Full:20 Handshake13Resumed:40 Handshake12Full:20 Handshake12Resumed:40
.PHONY: bench bench-instr memcheck
bench:
	@mkdir -p $(BENCH_OUT)
	@if [ "$(BENCH_INSTR)" = 1 ]; then $(MAKE) --no-print-directory bench-instr; fi
	$(GO) test -run '^$$' -bench 'BenchmarkOps' -count $(BENCH_COUNT) . \
	  | sed -E 's#^(BenchmarkOps/[^/ ]+)/(c|go|go-unlocked)([- \t])#\1/impl=\2\3#' >$(BENCH_OUT)/ops.txt
	$(BENCHSTAT) -col /impl $(BENCH_OUT)/ops.txt
	$(GO) run ./internal/cmd/memcheck

# The instruction table alone.
bench-instr:
	@command -v valgrind >/dev/null || { echo "bench-instr: needs valgrind"; exit 1; }
	@mkdir -p $(BENCH_OUT)
	$(GO) test -c -o $(BENCH_OUT)/libssl.test .
	@printf '%-20s %12s %12s %8s\n' "instructions/op" c go go/c | tee $(BENCH_OUT)/instr.txt
	@for e in $(INSTR_OPS); do \
	  sh mk/instrcount.sh $(BENCH_OUT)/libssl.test $${e%%:*} $${e##*:} || exit 1; \
	done | tee -a $(BENCH_OUT)/instr.txt

memcheck:
	$(GO) run ./internal/cmd/memcheck

# The cgo calls per Read and Write of an openssl.Conn, counted by a build of
# package libssl with the libssl_callcount tag (about 2 s).
.PHONY: test-callcount
test-callcount:
	$(GO) test -count=1 -tags libssl_callcount -run 'TestCgoCallsPerReadWrite' -v ./openssl

# The cgo-call ceilings of the connection layer are a test, not a timing:
# CI runs them (about 2 s).
CI_STEPS += test-callcount

# Memory per idle connection (issue 15): n TLS 1.3 connections over loopback
# TCP (10,000 by default; IDLEMEM_N), each handshaken with one small exchange
# each way, then idle; bytes per connection for package openssl, crypto/tls
# and C (internal/cmd/idlemem builds testdata/idlec.c), each end in a process
# of its own. About 2-3 minutes on two loaded cores.
IDLEMEM_N ?= 10000
.PHONY: idlemem
idlemem:
	$(GO) run ./internal/cmd/idlemem -n $(IDLEMEM_N)
