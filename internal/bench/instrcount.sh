#!/bin/sh
# instrcount.sh TESTBIN OP N: instructions per operation of BenchmarkOps/OP
# for each implementation (c, go), counted by callgrind, as one table row:
#   OP  C  GO  GO/C
# The benchmark brackets its loop with callgrind's client requests
# (cbench.InstrZero, InstrDump), so a dump holds the instructions of the
# loop alone, on every thread (the garbage collector's included). Each
# implementation runs twice, with N and 2N iterations; the difference of
# the two counts divided by N is one operation, with any fixed cost of the
# bracket cancelled. Instruction counts do not move with the machine's
# load, as wall times do.
set -eu
bin=$1 op=$2 n=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
count() { # impl iterations
	rm -f "$dir"/cg*
	GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off valgrind --tool=callgrind --quiet \
		--callgrind-out-file="$dir/cg" --dump-instr=no --dump-line=no \
		"$bin" -test.run '^$' -test.bench "^BenchmarkOps\$/^$op\$/^$1\$" \
		-test.benchtime="${2}x" >"$dir/out" 2>&1 || { cat "$dir/out" >&2; return 1; }
	last=$(ls "$dir"/cg.* 2>/dev/null | sort -t. -k2 -n | tail -1)
	[ -n "$last" ] || { echo -; return 0; }
	sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$last" | head -1
}
min() { [ "$1" = - ] || { [ "$2" != - ] && [ "$2" -lt "$1" ]; } && echo "$2" || echo "$1"; }
per() { # impl: the smaller of two counts at N and at 2N (noise only adds)
	a=$(min "$(count "$1" "$n")" "$(count "$1" "$n")")
	b=$(min "$(count "$1" $((2 * n)))" "$(count "$1" $((2 * n)))")
	if [ "$a" = - ] || [ "$b" = - ]; then echo -; else echo $(((b - a) / n)); fi
}
c=$(per c); g=$(per go)
[ "$g" != - ] || g=-
if [ "$c" = - ] || [ "$c" -le 0 ]; then r=-; else r=$(awk "BEGIN{printf \"%.2f\", $g/$c}"); fi
printf '%-20s %12s %12s %8s\n' "$op" "$c" "$g" "$r"
