#!/usr/bin/env bash
# ci/container-check.sh [REPO_DIR]
#
# Builds ci/Dockerfile for each version leg -- by default Debian trixie
# (OpenSSL 3.5.x), sid (3.6.x) and sid with experimental's OpenSSL (4.0.x)
# -- runs every test binary, the conformance report (sslconform) and
# OpenSSL's own test/ssl-tests through the binding (libssl-go-ssl-tests:
# C's ssl_test ran in the build stage) in each image, prints each report,
# keeps each -json report in REPO_DIR/.cache/reports/LEG.json and
# ssl-tests-LEG.json (for `sslconform -merge`), and exits
# non-zero on any failure. REPO_DIR is the build context (default: the
# repository holding this script). The host's OpenSSL 3.0 and the 1.1.1w
# cache are the other two legs (make test); bookworm (3.0) stays the
# Dockerfile's default and can be checked with SUITES=bookworm:3.0.
#
# Works on a machine with no Docker engine and no registry but Debian's
# archive and the Go module proxy:
#   - base images come from `debootstrap --variant=minbase` (Debian's
#     archive), imported with `podman import`; the rootfs tarballs are cached
#     in REPO_DIR/.cache/container/ (refreshed after CACHE_MAX_AGE_DAYS);
#   - if the host trusts extra CAs in /usr/local/share/ca-certificates (an
#     HTTPS-re-signing egress), they are added to the imported base image
#     (never to the cache, the repository or the images' sources), so that
#     the Go module proxy can be reached from inside the build;
#   - podman runs with a fresh --root/--runroot under a temporary folder,
#     reset and removed on exit; `podman build --isolation chroot`;
#     `podman run --runtime runc` with explicit ulimits, no network.
#
# Environment:
#   SUITES              "trixie:3.5 sid:3.6 experimental:4.0": LEG:expected OpenSSL
#                       major.minor. A leg is a Debian suite, or "experimental":
#                       sid's root filesystem with experimental's OpenSSL
#                       packages pinned (one debootstrap serves both sid legs).
#   REPORT_DIR          where the -json reports go (REPO_DIR/.cache/reports)
#   APT_CHECK_VALID_UNTIL=true  keep apt's Release expiry check in the images
#   MIRROR              http://deb.debian.org/debian
#   CACHE_MAX_AGE_DAYS  7
#   KEEP_IMAGES=1       keep the podman root (its path is printed) instead of resetting it
#   GO_BUILD_ARGS       extra `podman build` arguments, e.g. "--build-arg GOTOOLCHAIN=go1.26.8"
#   BOGO_RUNNER_DIR     BoringSSL's BoGo runner as `make bogo-runner` leaves it
#                       (REPO_DIR/.cache/bogo/boringssl-f51d8b099832, with names.json
#                       from a `make bogo`); when it is there, each leg of BOGO_LEGS
#                       runs it against the image's shim (libssl-go-bogo, about 4
#                       minutes a leg) and keeps bogo-LEG.json beside the other reports;
#                       when it is not (the module proxy refuses it), a line says so
#   (the test binaries of trixie and later legs run with LIBSSL_GO_REQUIRE_PKCS11=1:
#   their images have softhsm2 and pkcs11-provider, so the PKCS #11 tests fail
#   rather than skip when either does not work)
#   BOGO_LEGS           the legs that run BoGo: all of SUITES, or under CI=true only
#                       trixie (3.5), to keep CI within its hour
#
# --bases-only (first argument) only fills the debootstrap cache and exits:
# .ci/run starts it in the background while `make test` runs, since it waits
# on the network rather than the CPU.
set -euo pipefail

BASES_ONLY=
if [ "${1:-}" = --bases-only ]; then BASES_ONLY=1; shift; fi
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "${1:-$SCRIPT_DIR/..}" && pwd -P)
SUITES=${SUITES:-"trixie:3.5 sid:3.6 experimental:4.0"}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CACHE_DIR=$REPO/.cache/container
REPORT_DIR=${REPORT_DIR:-$REPO/.cache/reports}
CACHE_MAX_AGE_DAYS=${CACHE_MAX_AGE_DAYS:-7}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
GO_BUILD_ARGS=${GO_BUILD_ARGS:-}
BOGO_RUNNER_DIR=${BOGO_RUNNER_DIR:-$REPO/.cache/bogo/boringssl-f51d8b099832}
if [ "${CI:-}" = true ]; then BOGO_LEGS=${BOGO_LEGS-trixie}; else BOGO_LEGS=${BOGO_LEGS-$(for s in $SUITES; do printf '%s ' "${s%%:*}"; done)}; fi
export DEBIAN_FRONTEND=noninteractive

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'container-check: ERROR: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ timings
TIMINGS=()
T_START=$SECONDS
# timed NAME CMD...: run CMD, record how long it took, keep its exit status.
timed() {
  local name=$1 t0=$SECONDS rc=0
  shift
  "$@" || rc=$?
  TIMINGS+=("$(printf '%-34s %5ds%s' "$name" $((SECONDS - t0)) "$([ $rc -eq 0 ] || echo "  (failed, exit $rc)")")")
  return $rc
}
print_timings() {
  printf '\n==> timings\n'
  local l
  for l in "${TIMINGS[@]}"; do printf '  %s\n' "$l"; done
  printf '  %-34s %5ds\n' total $((SECONDS - T_START))
}

# ------------------------------------------------------------- host tools
# check_tools: the script installs nothing; it names what is missing
# (.ci/run installs these on a clean CI machine).
check_tools() {
  local need=()
  command -v podman >/dev/null || need+=(podman)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  command -v runc >/dev/null || need+=(runc)
  command -v newuidmap >/dev/null || need+=(uidmap)
  [ -f "$KEYRING" ] || need+=(debian-archive-keyring)
  if [ ${#need[@]} -gt 0 ]; then
    echo "missing: ${need[*]} (apt-get install --no-install-recommends ${need[*]})" >&2
    return 1
  fi
  podman --version
  runc --version | head -n1
}

# ------------------------------------------------------------ base images
# base_of LEG: the Debian suite whose root filesystem the leg builds on.
base_of() { case $1 in experimental) echo sid ;; *) echo "$1" ;; esac; }
# extra_of LEG: the extra apt suite whose OpenSSL packages the leg pins.
extra_of() { case $1 in experimental) echo experimental ;; esac; }

# make_rootfs SUITE TARBALL: debootstrap a minbase rootfs shaped like
# Debian's official slim images (deb822 sources with -updates and -security,
# no docs or man pages), and tar it into TARBALL.
make_rootfs() {
  local suite=$1 out=$2 dir
  dir=$(mktemp -d "$WORK/rootfs-$suite.XXXX")
  if ! debootstrap --variant=minbase --keyring="$KEYRING" "$suite" "$dir" "$MIRROR" \
       >"$WORK/debootstrap-$suite.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap-$suite.log" >&2
    return 1
  fi
  rm -f "$dir/etc/apt/sources.list"
  if [ "$suite" = sid ]; then
    # sid has no -updates or -security suites.
    cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${MIRROR}
Suites: ${suite}
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  else
    cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${MIRROR}
Suites: ${suite} ${suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: ${suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  mkdir -p "$dir/etc/dpkg/dpkg.cfg.d" "$dir/etc/apt/apt.conf.d"
  # The Release files of sid, experimental and -security carry a
  # Valid-Until a week ahead; a mirror that serves a frozen snapshot (as
  # this CI network does) is past it. The signatures are still checked.
  if [ "${APT_CHECK_VALID_UNTIL:-false}" = false ]; then
    echo 'Acquire::Check-Valid-Until "false";' >"$dir/etc/apt/apt.conf.d/no-valid-until"
  fi
  cat >"$dir/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  echo 'Acquire::Languages "none";' >"$dir/etc/apt/apt.conf.d/no-languages"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
         "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/*
  tar -C "$dir" --numeric-owner -cf "$out.tmp" .
  mv "$out.tmp" "$out"
  rm -rf "$dir"
}

# base_tarballs: one cached rootfs per base suite, debootstrapped in parallel.
base_tarballs() {
  local s suite pids=() names=() i rc=0 seen=" "
  mkdir -p "$CACHE_DIR"
  for s in $SUITES; do
    suite=$(base_of "${s%%:*}")
    case $seen in *" $suite "*) continue ;; esac
    seen="$seen$suite "
    local tb=$CACHE_DIR/debian-$suite-minbase.tar
    if [ -f "$tb" ] && [ -z "$(find "$tb" -mtime +"$CACHE_MAX_AGE_DAYS")" ]; then
      echo "cached: $tb"
      continue
    fi
    echo "debootstrap $suite (log: $WORK/debootstrap-$suite.log)"
    make_rootfs "$suite" "$tb" & pids+=($!); names+=("$suite")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { echo "debootstrap ${names[$i]} failed" >&2; rc=1; }
  done
  return $rc
}

# import_base SUITE: podman import the cached rootfs, plus the host's extra CAs
# (once per base suite: the sid legs share one import).
import_base() {
  local suite=$1 tb=$CACHE_DIR/debian-$1-minbase.tar
  if "${PODMAN[@]}" image exists "localhost/debian:$suite-slim"; then
    echo "already imported: localhost/debian:$suite-slim"
    return 0
  fi
  local extra=(/usr/local/share/ca-certificates/*.crt)
  if [ -e "${extra[0]}" ]; then
    local stage=$WORK/ca-$suite
    mkdir -p "$stage/usr/local/share/ca-certificates"
    cp "${extra[@]}" "$stage/usr/local/share/ca-certificates/"
    cp "$tb" "$WORK/base-$suite.tar"
    tar -C "$stage" --owner=0 --group=0 --numeric-owner -rf "$WORK/base-$suite.tar" \
      ./usr/local/share/ca-certificates
    tb=$WORK/base-$suite.tar
    echo "adding the host's extra CA certificates: ${extra[*]##*/}"
  fi
  "${PODMAN[@]}" import -q "$tb" "localhost/debian:$suite-slim"
  rm -f "$WORK/base-$suite.tar"
}

# pkcs11_packages LEG: the runtime packages of the PKCS #11 tests, on the
# legs whose suite ships them (not bookworm).
pkcs11_packages() { case $1 in bookworm) ;; *) echo "softhsm2 pkcs11-provider" ;; esac; }

# legacy_packages LEG: the legacy provider, a package of its own from trixie
# on (bookworm has legacy.so in libssl3), for the provider tests.
legacy_packages() { case $1 in bookworm) ;; *) echo "openssl-provider-legacy" ;; esac; }

build_image() {
  local suite=$1 base extra
  base=$(base_of "$suite") extra=$(extra_of "$suite")
  # The test image also gets the openssl and curl commands, so that the
  # interop tests of openssl/ run against the leg's own s_server/s_client,
  # and SoftHSM with pkcs11-provider (trixie and later ship both), for the
  # tests of keys in a PKCS #11 token (run with LIBSSL_GO_REQUIRE_PKCS11=1).
  # shellcheck disable=SC2086
  "${PODMAN[@]}" build --isolation chroot --pull=never \
    --build-arg "BASE=localhost/debian:$base-slim" --build-arg "APT_EXTRA=$extra" \
    --build-arg "RUNTIME_EXTRA=openssl curl $(pkcs11_packages "$suite") $(legacy_packages "$suite")" $GO_BUILD_ARGS \
    -f "$REPO/ci/Dockerfile" -t "localhost/libssl-go:$suite" "$REPO" \
    >"$WORK/build-$suite.log" 2>&1 || {
      echo "--- podman build $suite failed; last lines of its log:" >&2
      tail -n 60 "$WORK/build-$suite.log" >&2
      return 1
    }
  grep -E '^(go version|libssl-dev [0-9]|ssl-tests build stage:|C ssl_test \()' "$WORK/build-$suite.log" | uniq | sed 's/^/  build: /' || true
  # The exact OpenSSL (and Debian package) version, for the summary.
  grep -E '^libssl-dev [0-9]' "$WORK/build-$suite.log" | tail -n1 >"$WORK/version-$suite" || true
}

RUN_OPTS=()
RUN_EXTRA=()  # podman run options for one run_in call (bind mounts)
run_in() {
  local suite=$1 name=$2
  shift 2
  local rc=0
  "${PODMAN[@]}" run --rm "${RUN_OPTS[@]}" ${RUN_EXTRA[@]+"${RUN_EXTRA[@]}"} "localhost/libssl-go:$suite" "$@" \
    >"$WORK/$name-$suite.log" 2>&1 || rc=$?
  sed "s/^/  [$suite] /" "$WORK/$name-$suite.log"
  return $rc
}

# ------------------------------------------------------------------- main
WORK=$(mktemp -d "${TMPDIR:-/tmp}/libssl-go-container-check.XXXXXX")
# Everything podman keeps (images, layers, state, networks) stays under $WORK,
# so that `system reset` touches nothing of the host's own podman setup.
PODMAN=(podman --root "$WORK/root" --runroot "$WORK/runroot" --tmpdir "$WORK/libpod"
        --network-config-dir "$WORK/networks" --storage-driver overlay
        --cgroup-manager cgroupfs --events-backend file)
cleanup() {
  local rc=$?
  if [ "${KEEP_IMAGES:-}" = 1 ]; then
    echo "kept podman store: ${PODMAN[*]}"
  else
    "${PODMAN[@]}" system reset -f >/dev/null 2>&1 || true
    # A mount left behind by an interrupted build must not stop the removal.
    grep -o " $WORK/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$WORK"
  fi
  print_timings
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "host tools"
timed "host tools" check_tools
hard_nofile=$(ulimit -Hn)
RUN_OPTS=(--runtime runc --network none --ulimit "nofile=$hard_nofile:$hard_nofile"
          --ulimit nproc=32768:32768)
echo "repo: $REPO"
echo "podman root: $WORK/root"

log "base root filesystems ($SUITES)"
timed "debootstrap (or cache)" base_tarballs
[ -z "$BASES_ONLY" ] || exit 0
mkdir -p "$REPORT_DIR"

failed=()
passed=0
for s in $SUITES; do
  suite=${s%%:*} want=${s#*:}
  log "$suite: import base image"
  timed "$suite: podman import" import_base "$(base_of "$suite")" || { failed+=("$suite import"); continue; }
  log "$suite: build localhost/libssl-go:$suite"
  if timed "$suite: podman build" build_image "$suite"; then
    passed=$((passed + 1))
  else
    failed+=("$suite build"); continue
  fi
  log "$suite: test binaries"
  # The PKCS #11 tests must run, not skip, where the image has SoftHSM.
  [ -z "$(pkcs11_packages "$suite")" ] || RUN_EXTRA=(-e LIBSSL_GO_REQUIRE_PKCS11=1)
  if timed "$suite: run test binaries" run_in "$suite" tests libssl-go-tests; then
    passed=$((passed + 1))
  else
    failed+=("$suite tests")
  fi
  RUN_EXTRA=()
  log "$suite: conformance report (sslconform)"
  if timed "$suite: run sslconform" run_in "$suite" report; then
    passed=$((passed + 1))
  else
    failed+=("$suite report")
  fi
  log "$suite: OpenSSL's test/ssl-tests (libssl-go-ssl-tests)"
  if timed "$suite: run ssl-tests" run_in "$suite" ssl-tests libssl-go-ssl-tests; then
    passed=$((passed + 1))
  else
    failed+=("$suite ssl-tests")
  fi
  # Both reports as JSON, for the cross-version matrices (sslconform -merge
  # of LEG.json and of ssl-tests-LEG.json: -ssl-tests runs its cases instead
  # of the checks).
  "${PODMAN[@]}" run --rm "${RUN_OPTS[@]}" "localhost/libssl-go:$suite" sslconform -json \
    >"$REPORT_DIR/$suite.json" 2>/dev/null || true
  rm -f "$REPORT_DIR/ssl-tests-$suite.json"
  timed "$suite: ssl-tests -json" "${PODMAN[@]}" run --rm "${RUN_OPTS[@]}" "localhost/libssl-go:$suite" \
    libssl-go-ssl-tests -json >"$REPORT_DIR/ssl-tests-$suite.json" 2>/dev/null || true
  [ -s "$REPORT_DIR/ssl-tests-$suite.json" ] || rm -f "$REPORT_DIR/ssl-tests-$suite.json"
  case " $BOGO_LEGS " in
  *" $suite "*)
    log "$suite: BoGo (libssl-go-bogo)"
    if [ -x "$BOGO_RUNNER_DIR/runner.test" ] && [ -s "$BOGO_RUNNER_DIR/names.json" ]; then
      mkdir -p "$WORK/bogo-$suite" && chmod 777 "$WORK/bogo-$suite"
      RUN_EXTRA=(-v "$BOGO_RUNNER_DIR:/bogo:ro" -v "$WORK/bogo-$suite:/bogo-out")
      if timed "$suite: run BoGo" run_in "$suite" bogo libssl-go-bogo; then
        passed=$((passed + 1))
      else
        failed+=("$suite bogo")
      fi
      RUN_EXTRA=()
      cp "$WORK/bogo-$suite/bogo.json" "$REPORT_DIR/bogo-$suite.json" 2>/dev/null || true
    else
      echo "  [$suite] BoGo NOT RUN: no runner in $BOGO_RUNNER_DIR (runner.test and names.json; make bogo-runner fetches it from the Go module proxy, make bogo lists its tests)" | tee "$WORK/bogo-$suite.log"
    fi
    ;;
  esac
  if ! grep -hq "OpenSSL $want\." "$WORK/tests-$suite.log" "$WORK/report-$suite.log"; then
    echo "  [$suite] expected OpenSSL $want.x in the image's output" >&2
    failed+=("$suite version")
  fi
done

log "summary"
for s in $SUITES; do
  suite=${s%%:*}
  [ -f "$WORK/report-$suite.log" ] || continue
  printf '  %-13s %-36s %s\n' "$suite" "$(cat "$WORK/version-$suite" 2>/dev/null)" \
    "$(grep -E '[0-9]+ passed, [0-9]+ failed' "$WORK/report-$suite.log" | tail -n1)"
  # OpenSSL's test/ssl-tests: the source used, C's counts, then the binding's.
  if [ -f "$WORK/ssl-tests-$suite.log" ]; then
    printf '  %-13s ssl-tests: %s\n' "" \
      "$(grep -E '^C ssl_test \(' "$WORK/ssl-tests-$suite.log" | tail -n1 | sed 's/^C ssl_test //')"
    printf '  %-13s ssl-tests through libssl-go: %s\n' "" \
      "$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$WORK/ssl-tests-$suite.log" | tail -n1)"
  fi
  if [ -f "$WORK/bogo-$suite.log" ]; then
    printf '  %-13s BoGo: %s\n' "" \
      "$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped|NOT RUN' "$WORK/bogo-$suite.log" | tail -n1 | sed 's/^ *\[[a-z]*\] //')"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "  failed: ${failed[*]}"
fi
echo "image-check: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
