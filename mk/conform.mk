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
REPORTS     ?= $(CURDIR)/.cache/reports
MATRIX_LEGS ?= openssl-1.1.1w host trixie sid experimental
.PHONY: conform conform-111 conform-matrix

conform:
	@mkdir -p $(REPORTS)
	$(GO) build -o $(REPORTS)/sslconform-host ./cmd/sslconform
	$(REPORTS)/sslconform-host -json >$(REPORTS)/host.json 2>/dev/null || true
	$(REPORTS)/sslconform-host

conform-111:
	@mkdir -p $(REPORTS)
	$(WITH_111) $(GO) build -o $(REPORTS)/sslconform-111 ./cmd/sslconform && \
	  { $(REPORTS)/sslconform-111 -json >$(REPORTS)/openssl-1.1.1w.json 2>/dev/null || true; } && \
	  $(REPORTS)/sslconform-111

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
