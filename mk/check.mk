# Reliability: sanitizers, checkptr, cgocheck2, fuzzing and the
# scaled-up model test.
#
#   make check-ci   the bounded run CI does (make ci runs its four parts:
#                   asan-ci valgrind-ci checkptr-ci fuzz-ci; a few minutes)
#   make check      the long run: whole module, more model steps, longer fuzzing
#   make fuzz       each fuzz target for $(FUZZTIME)
#
# They need gcc's AddressSanitizer runtime (libasan, which gcc's packages
# bring) and valgrind; they install nothing, but say what is missing
# (.ci/run installs valgrind on a clean CI machine).
.PHONY: check check-ci fuzz fuzz-ci asan asan-ci valgrind valgrind-ci \
	checkptr checkptr-ci check-cgocheck2 check-model check-tools-asan check-tools-valgrind

FUZZ_TARGETS   := FuzzUnmarshalSessionDER FuzzServerClientFlight FuzzClientServerFlight
FUZZTIME       ?= 2m
# CI fuzzes a count of inputs, not a duration: with a duration, Go 1.26's
# fuzz coordinator can fail a target with a bare "context deadline exceeded"
# at the deadline when the machine is loaded (go.dev/issue/75804, fixed in
# Go 1.27), which CI saw on FuzzUnmarshalSessionDER with no input at fault.
# The counts are about 10 s per target on this 2-core CI machine under load
# (FuzzClientServerFlight runs about 550 inputs/s there, the others 3000+).
CI_FUZZ        ?= FuzzUnmarshalSessionDER=50000x FuzzServerClientFlight=50000x FuzzClientServerFlight=8000x
CHECK_TMP      ?= $(CURDIR)/.cache/check
# Every sanitizer report fails the run; -asan does leak detection at exit.
ASAN_ENV       := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
# Go's runtime annotates its stacks for valgrind with -tags valgrind; async
# preemption signals confuse valgrind's stack tracking, so they are off.
# valgrind 3.19 does not decode RDTSCP, which Go's runtime.cputicks uses when
# the CPU has it: a CI run died of SIGILL there (sysmon, under load), so the
# runtime is told the CPU lacks it (cpu.rdtscp=off: MFENCE;LFENCE;RDTSC).
VALGRIND       := GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off valgrind --quiet --suppressions=$(CURDIR)/ci/valgrind.supp --leak-check=no --error-exitcode=99 --track-origins=no
# What valgrind runs in CI: the ownership and handshake tests. The model and
# misuse tests and the fuzz targets (with the committed seeds) settle the
# probe with forced collections after each step or input, and a forced GC
# under valgrind with async preemption off can take seconds: a CI rehearsal
# spent 15 minutes there. They run under -asan, -race and cgocheck2 in CI,
# and under valgrind in `make check`, which runs the whole root package.
VALGRIND_CI_RUN := ^(TestNewAndFreeProbe|TestSessionOwnership|TestSetSessionOwnership|TestUpRefProbe|TestDupFreshIsDistinct|TestDupAfterHandshakeStepIsSameObject|TestHandshakeDataShutdownResume)$$
RELIABILITY_RUN := ^(TestRefCountModel|TestMisuse.*|TestConcurrentFreeFreesOnce|TestFreeRacesCleanup|TestErrorQueueIsolation|Fuzz.*)$$

check-ci: asan-ci valgrind-ci checkptr-ci fuzz-ci

check: asan valgrind checkptr check-cgocheck2 check-model fuzz

check-tools-asan:
	@[ -f "$$(gcc -print-file-name=libasan.so)" ] || { \
	  echo "gcc's AddressSanitizer runtime is missing: apt-get install libasan8 (or the libgcc-N-dev of your gcc)"; exit 1; }

check-tools-valgrind:
	@command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind"; exit 1; }

asan-ci: check-tools-asan
	$(ASAN_ENV) LIBSSL_GO_MODEL_STEPS=500 $(GO) test -asan -count=1 -short .

asan: check-tools-asan
	$(ASAN_ENV) LIBSSL_GO_MODEL_STEPS=3000 $(GO) test -asan -count=1 ./...

valgrind-ci: check-tools-valgrind
	@mkdir -p $(CHECK_TMP)
	$(GO) test -c -tags valgrind -o $(CHECK_TMP)/libssl-valgrind.test .
	LIBSSL_GO_MODEL_STEPS=150 $(VALGRIND) $(CHECK_TMP)/libssl-valgrind.test \
	  -test.short -test.count=1 -test.timeout=10m -test.run '$(VALGRIND_CI_RUN)'

valgrind: check-tools-valgrind
	@mkdir -p $(CHECK_TMP)
	$(GO) test -c -tags valgrind -o $(CHECK_TMP)/libssl-valgrind.test .
	LIBSSL_GO_MODEL_STEPS=500 $(VALGRIND) $(CHECK_TMP)/libssl-valgrind.test -test.count=1

# -race (make test) already turns checkptr on everywhere; the CI run adds
# it without the race runtime, on the root package only (fast to rebuild).
checkptr-ci:
	$(GO) test -gcflags=github.com/libssl-go/libssl=-d=checkptr -count=1 -short .

checkptr:
	$(GO) test -gcflags=all=-d=checkptr -count=1 ./...

# cgocheck2 over the module is part of `make test`; here the reliability
# tests run under it at full scale.
check-cgocheck2:
	GOEXPERIMENT=cgocheck2 LIBSSL_GO_MODEL_STEPS=3000 $(GO) test -count=1 -run '$(RELIABILITY_RUN)' .

# The model at scale, with the race detector, on both OpenSSL versions, plus
# one random seed (printed, so that a failure can be replayed).
check-model:
	LIBSSL_GO_MODEL_STEPS=10000 $(GO) test -race -count=1 -run '^TestRefCountModel$$' .
	LIBSSL_GO_MODEL_SEED=random LIBSSL_GO_MODEL_STEPS=10000 $(GO) test -v -count=1 -run '^TestRefCountModel$$' . | grep -E '^(---|ok|FAIL)|seed'
	$(WITH_111) LIBSSL_GO_MODEL_STEPS=10000 $(GO) test -race -count=1 -run '^TestRefCountModel$$' .

fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzzing $$t for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime=$(FUZZTIME) . || exit 1; \
	done

fuzz-ci:
	@for tc in $(CI_FUZZ); do \
	  t=$${tc%%=*} n=$${tc#*=}; \
	  echo "fuzzing $$t for $$n inputs"; \
	  $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime=$$n -fuzzminimizetime=5s . || exit 1; \
	done
