# The conformance report (conformance/, cmd/sslconform): every row of
# conformance/CLAIMS.md checked against the linked libssl.
# `make conform` runs it against the machine's libssl, `make conform-111`
# against OpenSSL 1.1.1w (the same $(WITH_111) set-up as test-111). Each
# exits non-zero unless every expected result holds, and also leaves its
# -json form in $(REPORTS) for the matrix.
#
# `make conform-matrix` merges the -json reports of all five legs (1.1.1w,
# the machine's 3.0, and the image legs 3.5, 3.6, 4.0 that `make
# image-check` wrote) into one table, printed as text and written as
# Markdown to $(REPORTS)/matrix.md; legs whose report is missing are named.
# The -json reports also carry the leg's run of OpenSSL's test/ssl-tests
# (mk/ssltests.mk: `sslconform -ssl-tests DIR -ssl-tests-ref
# DIR/c-results.tsv`, in its environment), the leg's folder prepared first
# when `make ssl-tests`/`ssl-tests-111` has not; the text report stays the
# claims' (the ssl-tests steps print theirs).
REPORTS     ?= $(CURDIR)/.cache/reports
MATRIX_LEGS ?= openssl-1.1.1w host trixie sid experimental
.PHONY: conform conform-111 conform-matrix

# CONFORM_SSL_TESTS DIR,,BINARY: shell code setting sslflags and sslenv to
# the leg's ssl-tests flags and environment, after preparing DIR (in the
# recipe's environment: $(WITH_111)'s for 1.1.1w) if it has no C results
# yet; st=1 when that fails.
# Without the flags in BINARY (conformance/ssltests not built in) it says so
# and leaves them empty.
CONFORM_SSL_TESTS = sslflags=; sslenv=; \
	if ! $(call SSLCONFORM_HAS_SSL_TESTS,$(3)); then \
	  echo "conform: $(3) has no -ssl-tests flag: its -json report has no ssl-tests results"; \
	elif [ -s $(1)/c-results.tsv ] || ci/ssl-tests-src.sh $(1) >/dev/null; then \
	  sslflags="$(call SSL_TESTS_FLAGS,$(1))"; sslenv="$(call SSL_TESTS_ENV,$(1))"; \
	else echo "conform: preparing $(1) failed: its -json report has no ssl-tests results"; st=1; fi

conform:
	@mkdir -p $(REPORTS)
	$(GO) build -o $(REPORTS)/sslconform-host ./cmd/sslconform
	@st=0; $(call CONFORM_SSL_TESTS,$(SSL_TESTS_HOST),,$(REPORTS)/sslconform-host); \
	  env $$sslenv $(REPORTS)/sslconform-host -json $$sslflags >$(REPORTS)/host.json 2>/dev/null || true; \
	  echo "$(REPORTS)/sslconform-host"; $(REPORTS)/sslconform-host || st=1; exit $$st

conform-111:
	@mkdir -p $(REPORTS)
	@$(WITH_111) st=0; \
	  echo "$(GO) build -o $(REPORTS)/sslconform-111 ./cmd/sslconform (1.1.1w)"; \
	  $(GO) build -o $(REPORTS)/sslconform-111 ./cmd/sslconform || exit 1; \
	  $(call CONFORM_SSL_TESTS,$(SSL_TESTS_111),,$(REPORTS)/sslconform-111); \
	  env $$sslenv $(REPORTS)/sslconform-111 -json $$sslflags >$(REPORTS)/openssl-1.1.1w.json 2>/dev/null || true; \
	  echo "$(REPORTS)/sslconform-111"; $(REPORTS)/sslconform-111 || st=1; exit $$st

conform-matrix:
	@files=; for l in $(MATRIX_LEGS); do \
	  if [ -s $(REPORTS)/$$l.json ]; then files="$$files $(REPORTS)/$$l.json"; \
	  else echo "conform-matrix: no report for leg $$l ($(REPORTS)/$$l.json)"; missing=1; fi; \
	done; \
	[ -n "$$files" ] || exit 1; \
	$(GO) run ./cmd/sslconform -merge -markdown $$files >$(REPORTS)/matrix.md || true; \
	$(GO) run ./cmd/sslconform -merge $$files; st=$$?; \
	echo "(Markdown: $(REPORTS)/matrix.md)"; \
	[ $$st -eq 0 ] && [ -z "$$missing" ]
