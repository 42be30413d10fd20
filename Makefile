# libssl-go: build, test and report. `make test` is what CI runs.
GO       ?= go
OPENSSL111_DIR ?= $(CURDIR)/.cache/openssl-1.1.1w
# The 1.1.1w leg: headers and libraries from Debian bullseye's packages,
# fetched by ci/openssl111.sh into a cache folder (never into the system).
# CGO_CFLAGS from the environment replaces Go's default -O2 -g, so keep them.
WITH_111 = eval "$$(ci/openssl111.sh $(OPENSSL111_DIR))" && export CGO_CFLAGS="-O2 -g $$CGO_CFLAGS" LIBSSL_GO_EXPECT_RUNTIME=1.1.1w &&

.PHONY: all test vet race cgocheck2 test-111 conform conform-111 example
all: test

# The full suite on the machine's OpenSSL and on 1.1.1w.
test: vet race cgocheck2 test-111

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

race:
	$(GO) test -race -count=1 ./...

cgocheck2:
	GOEXPERIMENT=cgocheck2 $(GO) test -count=1 ./...

test-111:
	$(WITH_111) $(GO) vet ./... && $(GO) test -race -count=1 ./...

# Walk the lifecycle once and print what happened.
example:
	$(GO) run ./examples/lifecycle

# Targets added by the layers (conformance, benchmarks, fuzzing, images).
-include mk/*.mk
