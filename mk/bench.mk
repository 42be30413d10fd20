# Performance: every mirrored call through the binding beside the same call
# in C (internal/cbench, built by this run), then memory under a million
# handles. Run on a quiet machine: the figures are medians of BENCH_COUNT runs.
BENCH_COUNT ?= 5
.PHONY: bench memcheck
bench:
	$(GO) test -run '^$$' -bench 'BenchmarkOps' -count $(BENCH_COUNT) . | $(GO) run ./cmd/benchtable
	$(GO) run ./cmd/memcheck

memcheck:
	$(GO) run ./cmd/memcheck
