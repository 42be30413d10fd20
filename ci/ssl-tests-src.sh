#!/usr/bin/env bash
# ci/ssl-tests-src.sh [--no-build] [--no-run | --run-only] LEG_DIR [VERSION]
#
# OpenSSL's own test/ssl-tests for one leg, with C's verdicts beside them:
#
#   1. prepare: downloads openssl_VERSION.orig.tar.gz from Debian's archive
#      pool into a cache (SSL_TESTS_CACHE, default REPO/.cache/ssl-tests-dl,
#      one tarball per version, reused), checks it against the sha256 a
#      suite's Sources index lists for it (VERSION says "unverified" when
#      none lists it), and lays out LEG_DIR:
#        VERSION           one line: the tarball, where it came from, the libssl
#        ssl-tests/        test/ssl-tests/*.cnf (+ .cnf.in, .pm); 1.1.1's files
#                          are named *.conf upstream and are copied as *.cnf
#        certs/ ct/        test/certs/, test/ct/ (1.1.1's ct/log_list.conf as
#                          ct/log_list.cnf)
#        openssl.cnf       apps/openssl.cnf (the OPENSSL_CONF of OpenSSL's harness)
#        src/              the C sources of ssl_test and the headers they include
#   2. build: compiles C's ssl_test from LEG_DIR/src against the leg's own
#      libssl (not the source tree's: OpenSSL itself is not built) into
#      LEG_DIR/ssl_test;
#   3. run: runs LEG_DIR/ssl_test on every LEG_DIR/ssl-tests/*.cnf as
#      test/recipes/80-test_ssl_new.t does for its "default" provider run,
#      writes LEG_DIR/c-results.tsv (file, case index, pass|fail|skip, one
#      line per case) and prints the counts per file and C's failed cases.
#      C failing a case is a fact about the leg's build (Debian's default
#      security level fails some curves), not an error: the Go driver defers
#      to it. Exits 1 only when C passes no case at all (a broken set-up).
#
# VERSION defaults to the version of the headers the build uses (the
# system's libssl-dev, or CGO_CFLAGS's, e.g. the 1.1.1w cache after
# eval "$(ci/openssl111.sh)"). When the pool does not serve that exact
# release, the nearest one of the same major.minor that a suite lists and
# the archive serves is used, and LEG_DIR/VERSION says so.
#
# --no-build / --no-run skip steps 2 / 3; --run-only does step 3 alone, on a
# LEG_DIR prepared and built before (the run needs only bash, coreutils, awk
# and the libssl, not src/).
#
# Environment:
#   CC (gcc), SSL_TESTS_CFLAGS (default $CGO_CFLAGS), SSL_TESTS_LDFLAGS
#   (default $CGO_LDFLAGS): how the C build finds the leg's headers and libs.
#   MIRROR (http://deb.debian.org/debian), SSL_TESTS_SUITES (the suites whose
#   Sources indexes are read, in order), SSL_TESTS_CACHE.
set -euo pipefail

BUILD=1 RUN=1 RUN_ONLY=
while [ $# -gt 0 ]; do
  case $1 in
    --run-only) RUN_ONLY=1; shift ;;
    --no-build) BUILD= ; shift ;;
    --no-run) RUN= ; shift ;;
    --) shift; break ;;
    -*) echo "usage: $0 [--no-build] [--no-run | --run-only] LEG_DIR [VERSION]" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--no-build] [--no-run | --run-only] LEG_DIR [VERSION]" >&2; exit 2; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$SCRIPT_DIR/.." && pwd -P)
mkdir -p "$1"
DIR=$(cd "$1" && pwd -P)
WANT=${2:-}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CACHE=${SSL_TESTS_CACHE:-$REPO/.cache/ssl-tests-dl}
# -security suites are served from debian-security (bullseye-security and on).
SUITES=${SSL_TESTS_SUITES:-"bullseye bullseye-security bookworm bookworm-security trixie trixie-security sid experimental"}
CC=${CC:-gcc}
CFLAGS_LEG=${SSL_TESTS_CFLAGS-${CGO_CFLAGS:-}}
LDFLAGS_LEG=${SSL_TESTS_LDFLAGS-${CGO_LDFLAGS:-}}

log() { printf 'ssl-tests-src: %s\n' "$*" >&2; }
die() { printf 'ssl-tests-src: ERROR: %s\n' "$*" >&2; exit 1; }

# fetch URL FILE: download URL into FILE (atomically); fails on HTTP errors.
fetch() {
  if command -v curl >/dev/null; then
    curl -fsSL --retry 3 -o "$2.part" "$1" || { rm -f "$2.part"; return 1; }
  elif command -v wget >/dev/null; then
    wget -q -O "$2.part" "$1" || { rm -f "$2.part"; return 1; }
  else
    die "neither curl nor wget is installed"
  fi
  mv "$2.part" "$2"
}

# header_version: the OpenSSL version of the headers the build compiles
# against (OPENSSL_VERSION_TEXT: "OpenSSL 3.0.19 27 Jan 2026").
header_version() {
  # shellcheck disable=SC2086
  printf '#include <openssl/opensslv.h>\nOPENSSL_VERSION_TEXT\n' | $CC $CFLAGS_LEG -E -P - 2>/dev/null |
    sed -n 's/^"OpenSSL \([0-9][^ "]*\).*/\1/p' | tail -n1
}

# sources_index SUITE: the suite's Sources index, cached for a day; prints
# its path, or nothing when the suite has none.
sources_index() {
  local suite=$1 f=$CACHE/Sources/$1.xz base=$MIRROR
  case $suite in *-security) base=${MIRROR%/debian}/debian-security ;; esac
  mkdir -p "$CACHE/Sources"
  if [ -s "$f" ] && [ -z "$(find "$f" -mmin +1440)" ]; then echo "$f"; return 0; fi
  if fetch "$base/dists/$suite/main/source/Sources.xz" "$f"; then echo "$f"; else
    log "no Sources index for $suite (skipped)"; fi
}

# listed SUITE: "VERSION SHA256 URL" of each openssl orig tarball the
# suite lists (its Directory, in the suite's archive).
listed() {
  local idx base=$MIRROR
  case $1 in *-security) base=${MIRROR%/debian}/debian-security ;; esac
  idx=$(sources_index "$1")
  [ -n "$idx" ] || return 0
  xz -dc "$idx" | awk -v base="$base" '
    function flush() { if (p == "openssl" && f != "") print v, h, base "/" d "/" f; p = f = d = "" }
    /^$/ { flush(); next }
    /^Package: / { p = $2 }
    /^Directory: / { d = $2 }
    /^Checksums-Sha256:/ { c = 1; next }
    /^[^ ]/ { c = 0 }
    c && $3 ~ /^openssl_[^_]*\.orig\.tar\.gz$/ {
      f = $3; h = $1; v = f; sub(/^openssl_/, "", v); sub(/\.orig\.tar\.gz$/, "", v) }
    END { flush() }'
}

# by_nearness WANT VERSIONS...: the versions of WANT's major.minor, nearest
# patch release first (3.0.19: 3.0.20, 3.0.18, 3.0.22; 1.1.1w: 1.1.1v ...),
# the newer first on a tie; WANT itself is left out.
by_nearness() {
  local want=$1; shift
  printf '%s\n' "$@" | awk -v want="$want" '
    function mm(v) { return substr(v, 1, match(v, /\.[^.]*$/) - 1) }
    function patch(v,   p) { p = substr(v, match(v, /\.[^.]*$/) + 1)
      if (p ~ /^[0-9]+$/) return p + 0
      return index("abcdefghijklmnopqrstuvwxyz", substr(p, length(p), 1)) + 26 * (length(p) - 1) }
    $1 != want && mm($1) == mm(want) { d = patch($1) - patch(want); if (d < 0) d = -d
      printf "%d %d %s\n", d, 1000 - patch($1), $1 }' | sort -n -k1,1 -k2,2 | awk '{ print $3 }'
}

# harness_skips DIR FILE: succeeds, printing the features, when
# test/recipes/80-test_ssl_new.t skips FILE on a build that lacks them (its
# %skip table, for the features a build option removes; the leg's headers
# say which are off: OPENSSL_NO_<FEATURE>, saved in DIR/disabled).
harness_skips() {
  local off need f hit=
  off=" $(cat "$1/disabled" 2>/dev/null) "
  case $2 in
    07-dtls-protocol-version.cnf|11-dtls_resumption.cnf|18-dtls-renegotiate.cnf) need="DTLS" ;;
    16-dtls-certstatus.cnf) need="DTLS OCSP" ;;
    08-npn.cnf) need="NEXTPROTONEG" ;;
    12-ct.cnf) need="CT EC" ;;
    14-curves.cnf) need="EC EC2M" ;;
    15-certstatus.cnf) need="OCSP" ;;
    22-compression.cnf) need="ZLIB" ;;
    23-srp.cnf) need="SRP" ;;
    29-dtls-sctp-label-bug.cnf) need="SCTP SOCK" ;;
    *) return 1 ;;
  esac
  for f in $need; do
    case $off in *" $f "*) hit="$hit${hit:+, }$f" ;; esac
  done
  [ -n "$hit" ] && echo "$hit"
}

# run_c_ssl_test DIR: C's ssl_test on every DIR/ssl-tests/*.cnf, in the
# environment OpenSSL's harness gives it; its TAP verdicts, one per case
# ("ok N - iteration N", "# skipped" for a skip) into DIR/c-results.tsv
# (case index = N-1, the cnf's test-INDEX); a case with no verdict (the
# program died) is a failure. Prints the counts per file; fails only when
# no case passed. A file the harness skips on this build (harness_skips) is
# not run: its cases are "skip".
run_c_ssl_test() {
  local dir=$1 f b n st=0 args=()
  [ -x "$dir/ssl_test" ] || die "$dir/ssl_test is missing (build it first)"
  export TEST_CERTS_DIR=$dir/certs CTLOG_FILE=$dir/ct/log_list.cnf OPENSSL_CONF=$dir/openssl.cnf
  # 3.x's ssl_test takes the provider to run with (the harness's "default"
  # run); 1.1.1's only the file.
  # (The build step records it in DIR/ssl_test.args: src/ may be gone.)
  if [ -f "$dir/ssl_test.args" ]; then read -r -a args <"$dir/ssl_test.args" || true
  elif grep -q test_arg_libctx "$dir/src/test/ssl_test.c" 2>/dev/null; then args=(default); fi
  mkdir -p "$dir/c-out"
  : >"$dir/c-results.tsv.part"
  printf '%-34s %5s %5s %5s\n' "C ssl_test: file" pass fail skip
  for f in "$dir"/ssl-tests/*.cnf; do
    b=$(basename "$f")
    n=$(sed -n 's/^num_tests *= *\([0-9][0-9]*\).*/\1/p' "$f" | head -n1)
    if off=$(harness_skips "$dir" "$b"); then
      echo "skipped: OpenSSL's harness skips $b on a build without $off" >"$dir/c-out/$b.log"
    else
      (cd "$dir" && ./ssl_test "$f" "${args[@]}") >"$dir/c-out/$b.log" 2>&1 || true
    fi
    awk -v file="$b" -v n="${n:-0}" '
      /^[ \t]+(not )?ok [0-9]+ - iteration [0-9]+/ {
        i = $0; sub(/^[ \t]+(not )?ok /, "", i); i = i + 0
        v[i - 1] = ($0 ~ /^[ \t]+not ok/) ? "fail" : ($0 ~ /# skipped/ ? "skip" : "pass") }
      # One case only: no subtests, the test_handshake line is the verdict.
      /^skipped: / { for (i = 0; i < n; i++) v[i] = "skip" }
      /^(not )?ok 1 - test_handshake/ && !(0 in v) {
        v[0] = ($0 ~ /^not ok/) ? "fail" : ($0 ~ /# skipped/ ? "skip" : "pass") }
      END { for (i = 0; i < n; i++) print file "\t" i "\t" ((i in v) ? v[i] : "fail") }' \
      "$dir/c-out/$b.log" >>"$dir/c-results.tsv.part"
    awk -v file="$b" -F'\t' '$1 == file { c[$3]++ }
      END { printf "%-34s %5d %5d %5d\n", file, c["pass"], c["fail"], c["skip"] }' "$dir/c-results.tsv.part"
  done
  mv "$dir/c-results.tsv.part" "$dir/c-results.tsv"
  awk -F'\t' '{ c[$3]++ } END {
      printf "C ssl_test (%s): %d passed, %d failed, %d skipped\n", ver, c["pass"], c["fail"], c["skip"]
      exit c["pass"] == 0 }' ver="$(cat "$dir/VERSION" 2>/dev/null)" "$dir/c-results.tsv" || st=1
  if grep -q "$(printf '\tfail$')" "$dir/c-results.tsv"; then
    echo "C ssl_test's failed cases (logs: $dir/c-out/):"
    awk -F'\t' '$3 == "fail" { print "  " $1 " #" $2 }' "$dir/c-results.tsv"
  fi
  [ $st = 0 ] || echo "C ssl_test passed no case: the build or the set-up is broken (logs: $dir/c-out/)" >&2
  return $st
}

if [ -n "$RUN_ONLY" ]; then run_c_ssl_test "$DIR"; exit; fi

# ----------------------------------------------------------- 1. prepare
[ -n "$WANT" ] || WANT=$(header_version)
[ -n "$WANT" ] || die "cannot tell the OpenSSL version of the headers (CC=$CC CFLAGS=$CFLAGS_LEG); pass VERSION"
mkdir -p "$CACHE"
VER=$WANT SHA= ORIGIN= NOTE=
tarball() { echo "$CACHE/openssl_$1.orig.tar.gz"; }
# try_get V: downloads V's tarball (when not cached) from where a suite's
# index puts it, else from the main and security pools; checks it against
# the listed sha256; sets SHA and ORIGIN.
try_get() {
  local v=$1 f u urls=() got
  f=$(tarball "$v")
  [ -z "${URL_OF[$v]:-}" ] || urls+=("${URL_OF[$v]}")
  for u in "$MIRROR/pool/main/o/openssl/openssl_$v.orig.tar.gz" \
           "${MIRROR%/debian}/debian-security/pool/updates/main/o/openssl/openssl_$v.orig.tar.gz"; do
    [ "$u" = "${URL_OF[$v]:-}" ] || urls+=("$u")
  done
  if [ ! -s "$f" ]; then
    for u in "${urls[@]}"; do fetch "$u" "$f" 2>/dev/null && break; done
    [ -s "$f" ] || { log "openssl_$v.orig.tar.gz: not served (${urls[*]})"; return 1; }
  fi
  got=$(sha256sum "$f" | cut -d' ' -f1)
  if [ -n "${SHA_OF[$v]:-}" ]; then
    [ "$got" = "${SHA_OF[$v]}" ] || { rm -f "$f"; die "openssl_$v.orig.tar.gz: sha256 $got, but ${SUITE_OF[$v]}'s Sources lists ${SHA_OF[$v]}"; }
    ORIGIN="sha256 of ${SUITE_OF[$v]}'s Sources"
  else
    ORIGIN="sha256 unverified: no suite's Sources lists it"
  fi
  SHA=$got
}
if [ -s "$(tarball "$WANT").ok" ]; then
  read -r VER SHA ORIGIN <"$(tarball "$WANT").ok"
else
  declare -A SHA_OF=() SUITE_OF=() URL_OF=()
  for s in $SUITES; do
    while read -r v h u; do
      [ -n "${SHA_OF[$v]:-}" ] || { SHA_OF[$v]=$h; SUITE_OF[$v]=$s; URL_OF[$v]=$u; }
    done < <(listed "$s")
    [ -z "${SHA_OF[$WANT]:-}" ] || break
  done
  if ! try_get "$WANT"; then
    # Every suite's index, then the nearest release of the line that is served.
    for s in $SUITES; do
      while read -r v h u; do
        [ -n "${SHA_OF[$v]:-}" ] || { SHA_OF[$v]=$h; SUITE_OF[$v]=$s; URL_OF[$v]=$u; }
      done < <(listed "$s")
    done
    VER=
    for v in $(by_nearness "$WANT" "${!SHA_OF[@]}"); do
      if try_get "$v"; then VER=$v; break; fi
    done
    [ -n "$VER" ] || die "openssl_$WANT.orig.tar.gz is not served, nor any release of the same line a suite of ($SUITES) lists"
    log "openssl_$WANT.orig.tar.gz is not served; using the nearest release of the same line that is: $VER"
  fi
  ORIGIN=${ORIGIN// /_}
  printf '%s %s %s\n' "$VER" "$SHA" "$ORIGIN" >"$(tarball "$WANT").ok"
fi
ORIGIN=${ORIGIN//_/ }
SRC_TAR=$(tarball "$VER")
[ "$VER" = "$WANT" ] || NOTE="nearest of the same line: the archive serves no openssl_$WANT.orig.tar.gz; "
log "openssl_$VER.orig.tar.gz ($ORIGIN)"

# Only what the run and the C build need: the tests' files, apps/openssl.cnf,
# ssl_test's sources, the testutil library, apps/lib (opt.c) and the headers
# they include (public, internal, ssl/'s and crypto/'s private ones, the
# root's e_os.h).
rm -rf "$DIR/src" "$DIR/ssl-tests" "$DIR/certs" "$DIR/ct" "$DIR/c-out"
mkdir -p "$DIR/src"
tar -tzf "$SRC_TAR" | grep -E '^[^/]+/(include/|apps/include/|apps/lib/|apps/openssl\.cnf$|test/[^/]*\.h$|test/ssl_test\.c$|test/[^/]*helper[^/]*\.c$|test/ssl_test_ctx\.c$|test/build\.info$|test/helpers/|test/testutil/|test/ssl-tests/|test/certs/|test/ct/|ssl/.*\.h$|crypto/.*\.h$|[^/]*\.h$)' |
  grep -v '/$' >"$DIR/src.list"
tar -C "$DIR/src" --strip-components=1 -xzf "$SRC_TAR" -T "$DIR/src.list"
rm -f "$DIR/src.list"
S=$DIR/src
mkdir -p "$DIR/ssl-tests"
for f in "$S"/test/ssl-tests/*; do
  b=$(basename "$f")
  # 1.1.1 names them NN-name.conf(.in); 3.x NN-name.cnf(.in).
  case $b in *.conf) b=${b%.conf}.cnf ;; *.conf.in) b=${b%.conf.in}.cnf.in ;; esac
  cp "$f" "$DIR/ssl-tests/$b"
done
cp -a "$S/test/certs" "$DIR/certs"
# 1.1.1's CT log list is test/ct/log_list.conf: DIR/ct/log_list.cnf here too.
if [ -d "$S/test/ct" ]; then cp -a "$S/test/ct" "$DIR/ct"; fi
if [ -f "$DIR/ct/log_list.conf" ] && [ ! -f "$DIR/ct/log_list.cnf" ]; then
  mv "$DIR/ct/log_list.conf" "$DIR/ct/log_list.cnf"
fi
cp "$S/apps/openssl.cnf" "$DIR/openssl.cnf"

# ------------------------------------------------------------- 2. build
LIBSSL=
if [ -n "$BUILD" ]; then
  B=$DIR/build
  rm -rf "$B" "$DIR/ssl_test"
  mkdir -p "$B"
  # test/build.info's SOURCE lists, joined across continuation lines:
  # sources_of NAME prints NAME's sources relative to test/ ($LIBAPPSSRC is
  # apps/lib/opt.c; the win32/VMS $AUXLIBAPPSSRC is left out).
  sources_of() {
    awk -v key="SOURCE[$1]" '
      { line = line $0 } /\\$/ { sub(/\\$/, "", line); next }
      { n = split(line, w, /[ \t=]+/)
        for (i = 1; i <= n; i++) if (w[i] == key) for (j = i + 1; j <= n; j++) if (w[j] != "") print w[j]
        line = "" }' "$S/test/build.info" |
      sed -e 's#^\$LIBAPPSSRC$#../apps/lib/opt.c#' -e '/^\$/d' | sort -u
  }
  # The srp helper only where the leg's libssl has SRP.
  # shellcheck disable=SC2086
  no_srp=$(printf '#include <openssl/opensslconf.h>\n#ifdef OPENSSL_NO_SRP\nno_srp\n#endif\n' | $CC $CFLAGS_LEG -E -P - | grep -c no_srp || true)
  # Include order: the leg's installed public headers (CFLAGS_LEG, then the
  # system's) before the source tree's include/ (-idirafter), which only
  # supplies what an installation lacks: internal/*.h, crypto/*.h. The
  # tree's own include/openssl/ stays behind the installed one, so that no
  # header generated at configure time (configuration.h, opensslv.h, ssl.h
  # from .h.in) is needed from the tree.
  INC="-I$S/test -I$S/apps/include -idirafter $S/include -idirafter $S"
  objs=() libobjs=()
  for f in $(sources_of ssl_test); do
    case $f in *handshake_srp.c) [ "$no_srp" = 0 ] || continue ;; esac
    objs+=("$f")
  done
  for f in $(sources_of libtestutil.a); do libobjs+=("$f"); done
  [ ${#objs[@]} -gt 0 ] && [ ${#libobjs[@]} -gt 0 ] || die "no SOURCE[ssl_test] / SOURCE[libtestutil.a] in test/build.info"
  # Object K is the K-th source; two compilers at a time (CI has two cores).
  prog=() lib=() pairs=() k=0
  for f in "${objs[@]}" "${libobjs[@]}"; do
    k=$((k + 1))
    o=$B/$k-$(basename "$f" .c).o
    if [ $k -le ${#objs[@]} ]; then prog+=("$o"); else lib+=("$o"); fi
    pairs+=("$S/test/$f" "$o")
  done
  printf '%s\n' "${pairs[@]}" | CC=$CC CFLAGS_LEG=$CFLAGS_LEG INC=$INC xargs -d '\n' -n 2 -P 2 sh -c \
    '$CC -c -O1 -g0 -w -Werror=implicit-function-declaration $CFLAGS_LEG $INC "$0" -o "$1"' ||
    die "compiling ssl_test's sources failed (see above)"
  # testutil's defaults for cleanup_tests/test_get_options are meant to be
  # overridden by the program: a static library, as upstream builds it.
  ar rcs "$B/libtestutil.a" "${lib[@]}"
  # shellcheck disable=SC2086
  $CC -o "$DIR/ssl_test" "${prog[@]}" "$B/libtestutil.a" $LDFLAGS_LEG -lssl -lcrypto
  log "built $DIR/ssl_test (${#objs[@]} + ${#libobjs[@]} sources)"
  if grep -q test_arg_libctx "$S/test/ssl_test.c"; then echo default; else echo; fi >"$DIR/ssl_test.args"
  # The features the leg's build leaves out (OPENSSL_NO_X), for harness_skips.
  # shellcheck disable=SC2086
  printf '#include <openssl/opensslconf.h>\n' | $CC $CFLAGS_LEG -E -dM - |
    sed -n 's/^#define OPENSSL_NO_\([A-Z0-9_]*\).*/\1/p' | sort | tr '\n' ' ' >"$DIR/disabled"
  # The libssl it runs with, for VERSION.
  printf '#include <stdio.h>\n#include <openssl/crypto.h>\nint main(void){puts(OpenSSL_version(0));return 0;}\n' >"$B/v.c"
  # shellcheck disable=SC2086
  $CC $CFLAGS_LEG -o "$B/v" "$B/v.c" $LDFLAGS_LEG -lcrypto && LIBSSL=$("$B/v" | awk '{print $2}')
fi
printf '%s (openssl_%s.orig.tar.gz, %s; %slibssl %s)\n' "$VER" "$VER" "$ORIGIN" "$NOTE" "${LIBSSL:-$WANT}" >"$DIR/VERSION"
log "VERSION: $(cat "$DIR/VERSION")"

# --------------------------------------------------------------- 3. run
[ -n "$RUN" ] || exit 0
run_c_ssl_test "$DIR"
