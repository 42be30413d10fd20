#!/bin/sh
# instrconn.sh TESTBIN OP P N: instructions per operation of
# BenchmarkConn/op=OP/P=P for each implementation (c, libssl on the socket,
# libssl-mem on memory BIOs, cryptotls), counted by callgrind, as one table
# row:
#   OP  P  C  LIBSSL  LIBSSL-MEM  CRYPTOTLS  LIBSSL/C  LIBSSL-MEM/C  CRYPTOTLS/C
# As instrcount.sh: the measured region is bracketed by callgrind's zero
# and dump client requests (in the Go benchmark and in c/cconn.c),
# so a dump holds the instructions of the operations alone, on every
# thread; each implementation runs with N and 2N operations and the
# difference divided by N is one operation (fixed costs cancel). The Go
# implementations run the test binary under callgrind; impl=c runs the test
# binary natively and it runs the C program under callgrind
# (LIBSSL_CCONN_CALLGRIND). For op=Bulk the figure is per MiB moved (both
# directions counted: an op moves 2 x LIBSSL_CONN_BULK_MIB MiB).
#
# The Go implementations run with GOMAXPROCS=1 (INSTR_GOMAXPROCS overrides).
# Valgrind runs one thread at a time, so with two Ps the runtime's idle M
# spins in findRunnable for the whole of its time slice while the thread it
# waits for cannot run: a cost that native runs pay for microseconds, not
# for a slice. It made the Go figures swing by tens of thousands of
# instructions per handshake between runs, and inflated them (HS12Resumed,
# socket: about 947K with two Ps, 900-917K with one, on 3.0.19). With one P the
# count is the work done: the scheduler, netpoll, cgo transitions and
# allocation, without the spinning. The spinning's real cost shows in
# BenchmarkConn's native cpu-ns/op, which make bench-conn reports beside it.
set -eu
bin=$1 op=$2 p=$3 n=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sel() { echo "^BenchmarkConn\$/^op=$op\$/^P=$p\$/^impl=$1\$"; }
totals() { sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$1" | head -1; }
count() { # impl iterations
	rm -rf "$dir"/cg* "$dir"/c.*
	if [ "$1" = c ]; then
		LIBSSL_CCONN_CALLGRIND="$dir" "$bin" -test.run '^$' -test.bench "$(sel c)" \
			-test.benchtime="${2}x" >"$dir/out" 2>&1 || { cat "$dir/out" >&2; return 1; }
		f="$dir/c.$2.1"
	else
		GOMAXPROCS=${INSTR_GOMAXPROCS:-1} GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off valgrind --tool=callgrind --quiet \
			--callgrind-out-file="$dir/cg" --dump-instr=no --dump-line=no \
			"$bin" -test.run '^$' -test.bench "$(sel "$1")" \
			-test.benchtime="${2}x" >"$dir/out" 2>&1 || { cat "$dir/out" >&2; return 1; }
		f=$(ls "$dir"/cg.* 2>/dev/null | sort -t. -k2 -n | tail -1)
	fi
	[ -n "$f" ] && [ -f "$f" ] || { echo "instrconn: no callgrind dump for $op/$p/$1" >&2; return 1; }
	totals "$f"
}
per() { # impl
	a=$(count "$1" "$n")
	b=$(count "$1" $((2 * n)))
	if [ "$op" = Bulk ]; then
		echo $(((b - a) / (n * 2 * ${LIBSSL_CONN_BULK_MIB:-64})))
	else
		echo $(((b - a) / n))
	fi
}
c=$(per c); g=$(per libssl); m=$(per libssl-mem); t=$(per cryptotls)
r=$(awk "BEGIN{printf \"%.2f\", $g/$c}")
rm_=$(awk "BEGIN{printf \"%.2f\", $m/$c}")
rt=$(awk "BEGIN{printf \"%.2f\", $t/$c}")
printf '%-12s %3s %12s %12s %12s %12s %9s %9s %9s\n' "$op" "$p" "$c" "$g" "$m" "$t" "$r" "$rm_" "$rt"
