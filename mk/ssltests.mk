# OpenSSL's own test/ssl-tests through the binding (conformance/ssltests),
# with C's verdicts beside them.
#
#   make ssl-tests       the machine's libssl (3.0.x)
#   make ssl-tests-111   OpenSSL 1.1.1w (the $(WITH_111) set-up of test-111)
#
# Each one (ci/ssl-tests-src.sh):
#   1. downloads the leg's OpenSSL source (Debian's openssl_V.orig.tar.gz,
#      cached in .cache/ssl-tests-dl/, checked against a suite's Sources
#      sha256) and lays out the leg's folder $(SSL_TESTS_DIR)/LEG: VERSION,
#      ssl-tests/*.cnf, certs/, ct/log_list.cnf, openssl.cnf;
#   2. builds C's ssl_test from that source against the leg's libssl (the
#      test program and its testutil library only, not OpenSSL) and runs it
#      on every file: C's verdicts per case in LEG/c-results.tsv, its
#      counts per file printed (a case C fails on this build is not an
#      error: the Go driver defers to C there);
#   3. runs `sslconform -ssl-tests LEG -ssl-tests-ref LEG/c-results.tsv`
#      (the Go driver: every case through the binding; its counts per file,
#      then "N passed, N failed, N skipped"; a case Go and C disagree on is
#      a failure), and keeps the -json form in
#      $(REPORTS)/ssl-tests-LEG.json. The step fails when sslconform does.
#
# The cases read their certificates and CT log list through the environment
# (SSL_TESTS_ENV), and run with the source's apps/openssl.cnf as
# OPENSSL_CONF, as OpenSSL's harness runs them. `make conform-matrix`
# merges the ssl-tests-LEG.json of all five legs (the image legs' come from
# `make image-check`). Steps 1-2 take about 30 s for 3.0 and 10 s for
# 1.1.1w on 2 idle cores (download cached); step 3 about 10 s of CPU.
SSL_TESTS_DIR ?= $(CURDIR)/.cache/ssl-tests
SSL_TESTS_HOST = $(SSL_TESTS_DIR)/host
SSL_TESTS_111  = $(SSL_TESTS_DIR)/openssl-1.1.1w
# SSL_TESTS_ENV DIR: the environment of both C's ssl_test and the Go driver.
SSL_TESTS_ENV = TEST_CERTS_DIR=$(1)/certs CTLOG_FILE=$(1)/ct/log_list.cnf OPENSSL_CONF=$(1)/openssl.cnf
# SSL_TESTS_FLAGS DIR: sslconform's flags for the leg's ssl-tests.
SSL_TESTS_FLAGS = -ssl-tests $(1) -ssl-tests-ref $(1)/c-results.tsv

.PHONY: ssl-tests ssl-tests-111

ssl-tests:
	@mkdir -p $(REPORTS)
	ci/ssl-tests-src.sh $(SSL_TESTS_HOST)
	$(GO) build -o $(REPORTS)/sslconform-host ./cmd/sslconform
	$(call SSL_TESTS_ENV,$(SSL_TESTS_HOST)) $(REPORTS)/sslconform-host -json $(call SSL_TESTS_FLAGS,$(SSL_TESTS_HOST)) \
	  >$(REPORTS)/ssl-tests-host.json 2>/dev/null || true
	$(call SSL_TESTS_ENV,$(SSL_TESTS_HOST)) $(REPORTS)/sslconform-host $(call SSL_TESTS_FLAGS,$(SSL_TESTS_HOST))

ssl-tests-111:
	@mkdir -p $(REPORTS)
	$(WITH_111) ci/ssl-tests-src.sh $(SSL_TESTS_111) && \
	  $(GO) build -o $(REPORTS)/sslconform-111 ./cmd/sslconform && \
	  { $(call SSL_TESTS_ENV,$(SSL_TESTS_111)) $(REPORTS)/sslconform-111 -json $(call SSL_TESTS_FLAGS,$(SSL_TESTS_111)) \
	    >$(REPORTS)/ssl-tests-openssl-1.1.1w.json 2>/dev/null || true; } && \
	  $(call SSL_TESTS_ENV,$(SSL_TESTS_111)) $(REPORTS)/sslconform-111 $(call SSL_TESTS_FLAGS,$(SSL_TESTS_111))

