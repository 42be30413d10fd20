# Performance: every mirrored call through the binding beside the same call
# in C (internal/bench/cbench, built by this run), in two tables from the same
# build:
#
#  1. Instructions per operation (the primary figure): callgrind counts the
#     instructions of each benchmark loop, C's and Go's, on every thread
#     (internal/bench/instrcount.sh). Counts do not move with the machine's load; wall
#     times on a shared machine move by +-30% between runs.
#  2. Wall time: benchstat's medians and confidence intervals over
#     BENCH_COUNT runs, one column per implementation (-col /impl: c, go,
#     go-unlocked).
#
# Then memory under a million handles (internal/bench/cmd/memcheck).
#
# benchstat is pinned and run with `go run` (the module proxy, no install).
# The sed turns the positional sub-benchmark names BenchmarkOps/OP/c|go|...
# into BenchmarkOps/OP/impl=c|go|..., which benchstat can put in columns.
# BENCH_INSTR=0 skips the instruction table (it needs valgrind; about four
# minutes on two loaded cores).
BENCH_COUNT ?= 10
BENCH_INSTR ?= 1
BENCHSTAT   ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_OUT   ?= $(CURDIR)/.cache/bench
# Operations and their callgrind iteration counts (cheap ones need many so
# that the runtime's background work is small beside them).
INSTR_OPS   ?= FloorCgoCall:20000 FloorHandleAlloc:20000 FloorCleanup:10000 Version:20000 UpRefFree:10000 Clear:5000 SetSession:10000 \
	SessionFree:10000 NewFree:2000 DupFree:2000 MarshalDER:5000 UnmarshalDER:2000 \
	Handshake13Full:20 Handshake13Resumed:40 Handshake12Full:20 Handshake12Resumed:40
.PHONY: bench bench-instr memcheck
bench:
	@mkdir -p $(BENCH_OUT)
	@if [ "$(BENCH_INSTR)" = 1 ]; then $(MAKE) --no-print-directory bench-instr; fi
	$(GO) test -run '^$$' -bench 'BenchmarkOps' -count $(BENCH_COUNT) . \
	  | sed -E 's#^(BenchmarkOps/[^/ ]+)/(c|go|go-unlocked)([- \t])#\1/impl=\2\3#' >$(BENCH_OUT)/ops.txt
	$(BENCHSTAT) -col /impl $(BENCH_OUT)/ops.txt
	$(GO) run ./internal/bench/cmd/memcheck
	$(MAKE) --no-print-directory bench-conn

# The instruction table alone.
bench-instr:
	@command -v valgrind >/dev/null || { echo "bench-instr: needs valgrind"; exit 1; }
	@mkdir -p $(BENCH_OUT)
	$(GO) test -c -o $(BENCH_OUT)/libssl.test .
	@printf '%-20s %12s %12s %8s\n' "instructions/op" c go go/c | tee $(BENCH_OUT)/instr.txt
	@for e in $(INSTR_OPS); do \
	  sh internal/bench/instrcount.sh $(BENCH_OUT)/libssl.test $${e%%:*} $${e##*:} || exit 1; \
	done | tee -a $(BENCH_OUT)/instr.txt

memcheck:
	$(GO) run ./internal/bench/cmd/memcheck

# The cgo calls per Read and Write of an openssl.Conn, counted by a build of
# package libssl with the libssl_callcount tag (about 2 s). A test, not a
# timing: a step of make ci.
.PHONY: test-callcount
test-callcount:
	$(GO) test -count=1 -tags libssl_callcount -run 'TestCgoCallsPerReadWrite' -v ./openssl

# Memory per idle connection: n TLS 1.3 connections over loopback
# TCP (10,000 by default; IDLEMEM_N), each handshaken with one small exchange
# each way, then idle; bytes per connection for package openssl, crypto/tls
# and C (internal/bench/cmd/idlemem builds internal/bench/c/idlec.c), each end in a process
# of its own. About 2-3 minutes on two loaded cores.
IDLEMEM_N ?= 10000
.PHONY: idlemem
idlemem:
	$(GO) run ./internal/bench/cmd/idlemem -n $(IDLEMEM_N)

# ---------------------------------------------------------------------------
# The connection layer over loopback: openssl's BenchmarkConn,
# handshakes (TLS 1.3 and 1.2, full and resumed) and full-duplex bulk (64 MiB
# each way at once, every byte checked) at P = 1, 2, 8, 64 concurrent
# connections, for impl=c (internal/bench/c/cconn.c, 2P threads, built by
# the run and linked to the same libssl), impl=libssl (on the socket),
# impl=libssl-mem (the same Configs on memory BIOs) and impl=cryptotls.
# Two tables, as for `bench`:
#
#  1. Instructions per handshake, and per MiB moved for Bulk (both
#     directions counted), by callgrind on every thread, C and Go in the
#     same build (internal/bench/instrconn.sh: N and 2N, the difference over N).
#     INSTR_CONN_OPS lists OP:P:N; Bulk runs with BENCH_CONN_BULK_MIB MiB
#     each way per op (callgrind is ~50x slower). Callgrind runs one thread
#     at a time, so the counts say what work is done, not how it overlaps.
#  2. Wall time: benchstat's medians and confidence intervals over
#     BENCH_CONN_COUNT runs, one column per implementation (-col /impl, C
#     first and the base), with hs/s and MB/s.
#
# 7 to 12 minutes on the 2 shared cores, by their load (instructions 5-9);
# BENCH_CONN_INSTR=0 skips the instruction table.
BENCH_CONN_COUNT     ?= 8
BENCH_CONN_HS_TIME   ?= 100x
BENCH_CONN_BULK_TIME ?= 3x
BENCH_CONN_INSTR     ?= 1
BENCH_CONN_BULK_MIB  ?= 8
INSTR_CONN_OPS       ?= HS13Full:1:5 HS13Resumed:1:10 HS12Full:1:5 HS12Resumed:1:10 Bulk:1:1 \
	HS13Full:8:8 Bulk:8:1
.PHONY: bench-conn bench-conn-instr bench-conn-smoke
bench-conn:
	@mkdir -p $(BENCH_OUT)
	@if [ "$(BENCH_CONN_INSTR)" = 1 ]; then $(MAKE) --no-print-directory bench-conn-instr; fi
	$(GO) test -run '^$$' -bench '^BenchmarkConn$$/^op=HS' -benchtime $(BENCH_CONN_HS_TIME) \
	  -count $(BENCH_CONN_COUNT) -benchmem ./openssl >$(BENCH_OUT)/conn.txt
	$(GO) test -run '^$$' -bench '^BenchmarkConn$$/^op=Bulk' -benchtime $(BENCH_CONN_BULK_TIME) \
	  -count $(BENCH_CONN_COUNT) -benchmem ./openssl >>$(BENCH_OUT)/conn.txt
	$(BENCHSTAT) -col /impl $(BENCH_OUT)/conn.txt

# The instruction table of BenchmarkConn alone (needs valgrind).
bench-conn-instr:
	@command -v valgrind >/dev/null || { echo "bench-conn-instr: needs valgrind"; exit 1; }
	@mkdir -p $(BENCH_OUT)
	$(GO) test -c -o $(BENCH_OUT)/openssl.test ./openssl
	@printf '%-12s %3s %12s %12s %12s %12s %9s %9s %9s\n' "instr/op" P c libssl libssl-mem cryptotls libssl/c mem/c tls/c | tee $(BENCH_OUT)/conn-instr.txt
	@cd openssl && for e in $(INSTR_CONN_OPS); do \
	  op=$${e%%:*}; r=$${e#*:}; \
	  LIBSSL_CONN_BULK_MIB=$(BENCH_CONN_BULK_MIB) sh ../internal/bench/instrconn.sh $(BENCH_OUT)/openssl.test $$op $${r%%:*} $${r#*:} || exit 1; \
	done | tee -a $(BENCH_OUT)/conn-instr.txt

# Where the instructions of one BenchmarkConn operation go, by category
# (libssl and libcrypto, libc, the binding's Go and C, cgo transitions, the
# runtime's scheduler, netpoll and GC, ...), C, libssl-go and crypto/tls side
# by side, and the functions that differ most from C's
# (internal/bench/cmd/instrprofile: cachegrind, whole runs at N and 2N).
# PROFILE_OP, PROFILE_P, PROFILE_N, PROFILE_TOP choose; about 20 s for a
# resumed handshake, minutes for a full one or Bulk.
PROFILE_OP  ?= HS12Resumed
PROFILE_P   ?= 1
PROFILE_N   ?= 80
PROFILE_TOP ?= 30
.PHONY: bench-conn-profile
bench-conn-profile:
	@command -v valgrind >/dev/null || { echo "bench-conn-profile: needs valgrind"; exit 1; }
	@mkdir -p $(BENCH_OUT)
	$(GO) test -c -o $(BENCH_OUT)/openssl.test ./openssl
	$(GO) run ./internal/bench/cmd/instrprofile -bin $(BENCH_OUT)/openssl.test -op $(PROFILE_OP) \
	  -p $(PROFILE_P) -n $(PROFILE_N) -top $(PROFILE_TOP) | tee $(BENCH_OUT)/profile-$(PROFILE_OP)-$(PROFILE_P).txt

# Each BenchmarkConn benchmark once (C, libssl-go, crypto/tls at every P),
# so that none rots: about 14 s with the build (11 s of run). Not a timing:
# a test that each benchmark still works, and a step of make ci.
bench-conn-smoke:
	$(GO) test -run '^$$' -bench '^BenchmarkConn$$' -benchtime 1x ./openssl
