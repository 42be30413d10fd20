# Fuzzing the connection layer: openssl.Conn as server and as client against
# a scripted peer (openssl/fuzz_test.go). The committed seeds
# (openssl/testdata/fuzz/FuzzConn*) run in every `go test ./openssl/`; this
# runs the engine.
#
#   make fuzz-conn      each target for $(FUZZ_CONN_N) inputs. Measured on
#                       the 2-core machine: 1000x took 5 s (server) and 10 s
#                       (client) lightly loaded, and the rate fell to about
#                       25 inputs/s under a load average of 9; so 10000x is
#                       1 to 7 minutes per target, plus the instrumented
#                       build (1 to 3 minutes cold)
#
# A count rather than a duration, for the reason mk/check.mk gives
# (go.dev/issue/75804).
.PHONY: fuzz-conn

FUZZ_CONN_TARGETS := FuzzConnServer FuzzConnClient
FUZZ_CONN_N       ?= 10000x

fuzz-conn:
	@for t in $(FUZZ_CONN_TARGETS); do \
	  echo "fuzzing $$t for $(FUZZ_CONN_N) inputs"; \
	  $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime=$(FUZZ_CONN_N) -fuzzminimizetime=10s ./openssl/ || exit 1; \
	done

# The bounded run CI does (a step of make ci): 400 inputs per target, about
# 20 s each on this machine, beside the seeds every go test runs.
.PHONY: fuzz-conn-ci
fuzz-conn-ci:
	$(MAKE) --no-print-directory fuzz-conn FUZZ_CONN_N=400x
