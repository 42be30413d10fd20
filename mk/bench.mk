# Performance: every mirrored call through the binding beside the same call
# in C (internal/cbench, built by this run), as benchstat's table with one
# column per implementation (/impl: c, go, go-unlocked), then memory under a
# million handles (internal/cmd/memcheck). Run on a quiet machine; benchstat
# gives the median and its confidence interval over BENCH_COUNT runs.
#
# benchstat is pinned and run with `go run` (the module proxy, no install).
# The sed turns the positional sub-benchmark names BenchmarkOps/OP/c|go|...
# into BenchmarkOps/OP/impl=c|go|..., which benchstat can put in columns; it
# changes nothing once the benchmarks are named impl=... themselves.
BENCH_COUNT ?= 10
BENCHSTAT   ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_OUT   ?= $(CURDIR)/.cache/bench
.PHONY: bench memcheck
bench:
	@mkdir -p $(BENCH_OUT)
	$(GO) test -run '^$$' -bench 'BenchmarkOps' -count $(BENCH_COUNT) . \
	  | sed -E 's#^(BenchmarkOps/[^/ ]+)/(c|go|go-unlocked)([- \t])#\1/impl=\2\3#' >$(BENCH_OUT)/ops.txt
	$(BENCHSTAT) -col /impl $(BENCH_OUT)/ops.txt
	$(GO) run ./internal/cmd/memcheck

memcheck:
	$(GO) run ./internal/cmd/memcheck
