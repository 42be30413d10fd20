# The openssl/ connection layer: benchmarks beside crypto/tls (not tests).
# `make bench-openssl` runs them on the machine's OpenSSL, then on 1.1.1w.
BENCH_OPENSSL_FLAGS ?= -run '^$$' -bench . -benchtime 40x -benchmem

.PHONY: bench-openssl
bench-openssl:
	$(GO) test $(BENCH_OPENSSL_FLAGS) ./openssl/
	$(WITH_111) $(GO) test $(BENCH_OPENSSL_FLAGS) ./openssl/
