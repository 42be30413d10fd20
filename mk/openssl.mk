# The openssl/ connection layer: benchmarks beside crypto/tls and beside a C
# program doing the same with libssl (internal/bench/c/cbench.c, built by the
# run), not tests. `make bench-openssl` runs them on the machine's OpenSSL,
# then on 1.1.1w, each followed by a table of the ratios
# (internal/bench/cmd/benchratio).
BENCH_OPENSSL_FLAGS ?= -run '^$$' -bench '^Benchmark(HandshakeFull|HandshakeResumed|Bulk)$$' -benchtime 40x -benchmem

.PHONY: bench-openssl
bench-openssl:
	$(GO) test $(BENCH_OPENSSL_FLAGS) ./openssl/ 2>&1 | $(GO) run ./internal/bench/cmd/benchratio
	$(WITH_111) $(GO) test $(BENCH_OPENSSL_FLAGS) ./openssl/ 2>&1 | $(GO) run ./internal/bench/cmd/benchratio

# Interop with github.com/spacemonkeygo/openssl (pinned pseudo-version in
# go.mod; it builds only against OpenSSL 1.1.1): the 1.1.1w leg, with the
# spacemonkey build tag (openssl/spacemonkey_test.go). Part of `make ci`.
.PHONY: test-spacemonkey
test-spacemonkey:
	$(WITH_111) $(GO) vet -tags spacemonkey ./openssl/ && $(GO) test -tags spacemonkey -count=1 -run 'Spacemonkey' -v ./openssl/
