# The conformance report (conformance/, cmd/sslconform), in two parts:
# every row of conformance/CLAIMS.md checked against the linked libssl
# (conform-claims), then OpenSSL's own test/ssl-tests through the binding
# with C's verdicts beside them (ssl-tests, mk/ssltests.mk).
# `make conform` runs both against the machine's libssl, `make conform-111`
# against OpenSSL 1.1.1w (the same $(WITH_111) set-up as test-111). Each
# runs both parts, exits non-zero unless every expected result of both
# holds, and leaves their -json forms in $(REPORTS) for the matrix.
#
# `make conform-matrix` merges the -json reports of all five legs (1.1.1w,
# the machine's 3.0, and the image legs 3.5, 3.6, 4.0 that `make
# image-check` wrote) into one table, printed as text and written as
# Markdown to $(REPORTS)/matrix.md; legs whose report is missing are named.
# Then the same for the legs' runs of OpenSSL's test/ssl-tests
# ($(REPORTS)/ssl-tests-LEG.json, which `make ssl-tests`, `make
# ssl-tests-111` and `make image-check` write: `sslconform -ssl-tests` runs
# those cases instead of the checks, so its -json report is a separate
# file): pass/fail/skip per file and leg, and the cases whose outcome
# differs between versions. Then the legs' BoGo runs ($(REPORTS)/bogo-LEG.json,
# from `make bogo`; optional, since the runner comes only from the module
# proxy): counts per outcome and the tests whose outcome differs.
REPORTS     ?= $(CURDIR)/.cache/reports
MATRIX_LEGS ?= openssl-1.1.1w host trixie sid experimental
.PHONY: conform conform-111 conform-claims conform-claims-111 conform-matrix

# Both parts run even when the first fails, so that one report shows all.
conform:
	@st=0; $(MAKE) --no-print-directory conform-claims || st=1; \
	  $(MAKE) --no-print-directory ssl-tests || st=1; exit $$st

conform-111:
	@st=0; $(MAKE) --no-print-directory conform-claims-111 || st=1; \
	  $(MAKE) --no-print-directory ssl-tests-111 || st=1; exit $$st

conform-claims:
	@mkdir -p $(REPORTS)
	$(GO) build -o $(REPORTS)/sslconform-host ./cmd/sslconform
	$(REPORTS)/sslconform-host -json >$(REPORTS)/host.json 2>/dev/null || true
	$(REPORTS)/sslconform-host

conform-claims-111:
	@mkdir -p $(REPORTS)
	$(WITH_111) $(GO) build -o $(REPORTS)/sslconform-111 ./cmd/sslconform && \
	  { $(REPORTS)/sslconform-111 -json >$(REPORTS)/openssl-1.1.1w.json 2>/dev/null || true; } && \
	  $(REPORTS)/sslconform-111

conform-matrix:
	@st=0; for kind in "" ssl-tests- bogo-; do \
	  files=; missing=; for l in $(MATRIX_LEGS); do \
	    if [ -s $(REPORTS)/$$kind$$l.json ]; then files="$$files $(REPORTS)/$$kind$$l.json"; \
	    else echo "conform-matrix: no $${kind:-claims-}report for leg $$l ($(REPORTS)/$$kind$$l.json)"; missing=1; fi; \
	  done; \
	  if [ "$$kind" != bogo- ]; then [ -n "$$files" ] && [ -z "$$missing" ] || st=1; fi; \
	  [ -n "$$files" ] || continue; \
	  md=$(REPORTS)/$${kind}matrix.md; \
	  $(GO) run ./cmd/sslconform -merge -markdown $$files >$$md || true; \
	  $(GO) run ./cmd/sslconform -merge $$files || st=1; \
	  echo "(Markdown: $$md)"; \
	done; exit $$st
