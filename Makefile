# libssl-go: build, test and report.
#
#   make conform   the main job: the conformance report for the machine's libssl
#   make test      the developer loop, complete for the machine's OpenSSL and
#                  for 1.1.1w: gofmt, go vet, -race with cgocheck2, then vet
#                  and -race with cgocheck2 against 1.1.1w (fetched into
#                  .cache/, nothing is installed on the system)
#   make ci        what CI runs after `make test` (.ci/run runs both): see CI_STEPS
GO       ?= go
OPENSSL111_DIR ?= $(CURDIR)/.cache/openssl-1.1.1w
# The 1.1.1w leg: headers and libraries from Debian bullseye's packages,
# fetched by ci/openssl111.sh into a cache folder (never into the system).
# CGO_CFLAGS from the environment replaces Go's default -O2 -g, so keep them.
WITH_111 = eval "$$(ci/openssl111.sh $(OPENSSL111_DIR))" && export CGO_CFLAGS="-O2 -g $$CGO_CFLAGS" LIBSSL_GO_EXPECT_RUNTIME=1.1.1w &&

.PHONY: all test ci vet race cgocheck2 race-cgocheck2 test-111 test-long example
all: test

# The full suite on the machine's OpenSSL and on 1.1.1w: one pass each, with
# the race detector and cgocheck2 together. They are independent checks
# (cgocheck2 still stops a Go pointer written into C memory under -race),
# so one pass does what two did, in half the time.
test: vet race-cgocheck2 test-111

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags libssl_fips ./openssl/

# -short: the long tests (the nettest matrix's 264 child processes, 32 MiB
# HTTP bodies under -race, 40-run loss loops) shrink or skip; make ci runs
# them in full (test-long). Everything else runs as in CI.
race-cgocheck2:
	GOEXPERIMENT=cgocheck2 $(GO) test -race -short -count=1 ./...

race:
	$(GO) test -race -count=1 ./...

cgocheck2:
	GOEXPERIMENT=cgocheck2 $(GO) test -count=1 ./...

test-111:
	$(WITH_111) $(GO) vet ./... && GOEXPERIMENT=cgocheck2 $(GO) test -race -short -count=1 ./...

# The tests -short shrinks, in full, on both legs: what make ci adds to make test.
test-long:
	GOEXPERIMENT=cgocheck2 $(GO) test -race -count=1 ./openssl/
	$(WITH_111) GOEXPERIMENT=cgocheck2 $(GO) test -race -count=1 ./openssl/

# openssl/ with every Conn that would run on the socket (TCP and Unix
# transports, Config.SocketIO's default) on memory BIOs instead, so that
# the suite passes on both paths; make test runs the socket path.
.PHONY: test-memory-bio
test-memory-bio:
	LIBSSL_GO_TEST_SOCKETIO=off GOEXPERIMENT=cgocheck2 $(GO) test -race -short -count=1 ./openssl/

# Walk the lifecycle once and print what happened.
example:
	$(GO) run ./examples/lifecycle

# What CI adds to `make test`: every step, in the order it runs, here and
# nowhere else (each is a target of its own, in mk/*.mk but test-long;
# README.md's `make ci` table lists the same steps in the same order, which
# internal/repocheck's test checks). Every step runs even when an earlier
# one failed; the run fails if any did, and ends with the time each step
# took. The tools it needs beyond Go, gcc and libssl-dev (valgrind, podman,
# debootstrap, runc, curl, openssl, xz-utils) are installed by .ci/run.
# CI_STEPS="a b" (environment or command line) runs a subset.
CI_STEPS ?= \
	check-generated \
	staticcheck \
	test-long \
	test-memory-bio \
	test-grpc \
	asan-ci \
	valgrind-ci \
	checkptr-ci \
	fuzz-ci \
	test-spacemonkey \
	conform \
	conform-111 \
	bogo-ci \
	image-check \
	conform-matrix \
	test-callcount \
	bench-conn-smoke \
	fuzz-conn-ci \
	headercheck
# Each step's output is kept in .cache/ci-logs/STEP.log; the run ends with
# the failing tests of each failed step (the lines go test and the image
# check print for them), so that the tail of a long log names them.
ci:
	@failed=; times=; logs=.cache/ci-logs; mkdir -p $$logs; rm -f $$logs/*.log $$logs/*.failed; \
	for s in $(CI_STEPS); do \
	  echo "==> make $$s"; t0=$$(date +%s); \
	  { $(MAKE) --no-print-directory $$s || echo "$$s" >$$logs/$$s.failed; } 2>&1 | tee $$logs/$$s.log; \
	  [ ! -f $$logs/$$s.failed ] || failed="$$failed $$s"; \
	  times="$$times$$(printf '%-18s %5ss' $$s $$(( $$(date +%s) - t0 )))\n"; \
	done; \
	printf '\n==> make ci: time per step\n'"$$times"; \
	for s in $$failed; do \
	  echo "==> $$s failed; its failing tests ($$logs/$$s.log):"; \
	  grep -E -e '--- FAIL|^(  \[[a-z]+\] )?FAIL|panic:|fatal error:|\(failed, exit' $$logs/$$s.log | head -n 25; \
	done; \
	if [ -n "$$failed" ]; then echo "make ci: failed:$$failed"; exit 1; fi; \
	echo "make ci: all steps passed"

# Targets added by the layers (conformance, benchmarks, fuzzing, images, tools).
-include mk/*.mk
