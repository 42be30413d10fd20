# The conformance report (conformance/, cmd/sslconform): every row of
# shared/conformance/claims.md checked against the linked libssl.
# `make conform` runs it against the machine's libssl, `make conform-111`
# against OpenSSL 1.1.1w (the same $(WITH_111) set-up as test-111). Each
# exits non-zero unless every expected result holds.
.PHONY: conform conform-111

conform:
	$(GO) run ./cmd/sslconform

conform-111:
	$(WITH_111) $(GO) run ./cmd/sslconform

test: conform conform-111
