#!/usr/bin/env bash
# ci/fips-provider.sh image [REPO_DIR]      (host: `make fips`)
# ci/fips-provider.sh build OUT_DIR [VERSION]   (ci/fips.Dockerfile's build stage)
# ci/fips-provider.sh install FIPS_SO CONF_DIR  (ci/fips.Dockerfile's runtime stage)
# ci/fips-provider.sh check                      (the image's command)
#
# A real FIPS provider for an image leg. Debian ships none, so it is built
# from OpenSSL's source of the leg's own version and installed beside the
# leg's libcrypto, as a FIPS installation is made:
#
#   build    downloads openssl_VERSION.orig.tar.gz from Debian's archive with
#            ci/ssl-tests-src.sh (the same lookup, sha256 check and
#            nearest-release fallback as the ssl-tests legs; VERSION defaults
#            to the installed openssl's library version), runs
#            `./Configure enable-fips` and builds providers/fips.so only;
#            OUT_DIR gets fips.so and VERSION (the source used).
#   install  copies FIPS_SO into the leg's module directory (`openssl version
#            -m`), runs the leg's own `openssl fipsinstall` on it (the
#            module's MAC and self-test status in CONF_DIR/fipsmodule.cnf),
#            and writes CONF_DIR/openssl-fips.cnf: an openssl config that
#            includes fipsmodule.cnf and activates the fips and base
#            providers (no default provider, no default properties).
#   check    in the image: the providers that config activates, a TLS 1.3
#            handshake of the leg's own s_server and s_client in it, then the
#            openssl package's FIPS tests (LIBSSL_GO_FIPS_CONF set to that
#            config; the test binary is built with -tags libssl_fips). Exits non-zero on a failure.
#   image    on the host, with podman (no Docker engine, no registry): the
#            trixie base root filesystem from ci/container-check.sh's cache
#            (.cache/container/, filled by `make image-bases` when missing),
#            imported into a podman store of its own (REPO_DIR/.cache/fips/,
#            kept, so that a second build reuses its layers; `make
#            fips-clean` removes it), `podman build --isolation chroot` of
#            ci/fips.Dockerfile and `podman run --runtime runc --network
#            none` of the image's check. Prints the time of each step.
#
# Environment (image): FIPS_SUITE (trixie; the Debian suite of the leg),
# FIPS_STORE (REPO_DIR/.cache/fips), GO_BUILD_ARGS (extra podman build
# arguments), FIPS_TEST_ARGS (extra arguments of the test binary, e.g.
# "-test.v"). (build): MIRROR, SSL_TESTS_SUITES, SSL_TESTS_CACHE as
# ci/ssl-tests-src.sh reads them; FIPS_MAKE_JOBS (2).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
log() { printf 'fips-provider: %s\n' "$*" >&2; }
die() { printf 'fips-provider: ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2; exit 2; }

# library_version: the version of the libcrypto the leg's openssl command
# runs with ("OpenSSL 3.5.4 30 Sep 2025" or, when the command was built
# against another one, "... (Library: OpenSSL 3.5.5 ...)").
library_version() {
  local v
  v=$(openssl version)
  case $v in
    *"(Library: OpenSSL "*) v=${v#*"(Library: OpenSSL "} ;;
    *) v=${v#OpenSSL } ;;
  esac
  echo "${v%% *}"
}

# modules_dir: where the leg's libcrypto looks for providers (MODULESDIR).
modules_dir() {
  openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p'
}

cmd_build() {
  [ $# -ge 1 ] || usage
  local out want src dl ver t0=$SECONDS
  mkdir -p "$1"
  out=$(cd "$1" && pwd -P)
  want=${2:-$(library_version)}
  [ -n "$want" ] || die "cannot tell the leg's OpenSSL version (openssl version: $(openssl version))"
  src=$(mktemp -d "${TMPDIR:-/tmp}/fips-src.XXXXXX")
  dl=${SSL_TESTS_CACHE:-$src/dl}
  # The leg's own suite first: its Sources index lists the leg's version.
  if [ -z "${SSL_TESTS_SUITES:-}" ] && [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    . /etc/os-release
    if [ -n "${VERSION_CODENAME:-}" ]; then
      case $VERSION_CODENAME in
        sid) export SSL_TESTS_SUITES="sid experimental" ;;
        *) export SSL_TESTS_SUITES="$VERSION_CODENAME $VERSION_CODENAME-security sid" ;;
      esac
    fi
  fi
  # ssl-tests-src.sh's prepare step alone: it finds, downloads and checks
  # the tarball (into its cache) and records the version it took.
  SSL_TESTS_CACHE=$dl "$SCRIPT_DIR/ssl-tests-src.sh" --no-build --no-run "$src/leg" "$want"
  read -r ver _ <"$dl/openssl_$want.orig.tar.gz.ok"
  log "source: $(cat "$src/leg/VERSION")"
  mkdir -p "$src/openssl"
  tar -C "$src/openssl" --strip-components=1 -xzf "$dl/openssl_$ver.orig.tar.gz"
  (
    cd "$src/openssl"
    # enable-fips builds the provider; no-legacy leaves out a module the
    # target does not need. Everything fips.so holds keeps its defaults.
    ./Configure enable-fips no-legacy >"$src/configure.log" 2>&1 ||
      { tail -n 40 "$src/configure.log" >&2; exit 1; }
    # The generated headers (opensslv.h, configuration.h ...) first: the
    # module's own targets do not depend on them.
    make -j"${FIPS_MAKE_JOBS:-2}" build_generated >"$src/make.log" 2>&1 ||
      { tail -n 60 "$src/make.log" >&2; exit 1; }
    make -j"${FIPS_MAKE_JOBS:-2}" providers/fips.so >>"$src/make.log" 2>&1 ||
      { tail -n 60 "$src/make.log" >&2; exit 1; }
  )
  cp "$src/openssl/providers/fips.so" "$out/fips.so"
  printf 'fips.so %s built from %s\n' "$ver" "$(cat "$src/leg/VERSION")" >"$out/VERSION"
  [ "$ver" = "$want" ] || log "the archive serves no openssl_$want.orig.tar.gz: fips.so is $ver's"
  rm -rf "$src"
  log "built $out/fips.so ($ver) in $((SECONDS - t0)) s"
}

cmd_install() {
  [ $# -eq 2 ] || usage
  local so=$1 conf mdir
  mkdir -p "$2"
  conf=$(cd "$2" && pwd -P)
  mdir=$(modules_dir)
  [ -n "$mdir" ] || die "openssl version -m names no MODULESDIR"
  mkdir -p "$mdir"
  install -m 644 "$so" "$mdir/fips.so"
  # The leg's own openssl computes the module's MAC and runs its
  # self-tests; the provider checks both at every load.
  openssl fipsinstall -module "$mdir/fips.so" -out "$conf/fipsmodule.cnf"
  cat >"$conf/openssl-fips.cnf" <<EOF
# The FIPS provider of $mdir/fips.so and the base provider (encoders,
# decoders, stores), nothing else: every algorithm comes from the FIPS
# provider. fipsmodule.cnf is \`openssl fipsinstall\`'s output for that
# module ([fips_sect], activated).
config_diagnostics = 1
openssl_conf = openssl_init

.include $conf/fipsmodule.cnf

[openssl_init]
providers = provider_sect

[provider_sect]
fips = fips_sect
base = base_sect

[base_sect]
activate = 1
EOF
  log "installed $mdir/fips.so; config $conf/openssl-fips.cnf"
}

cmd_check() {
  local conf=${LIBSSL_GO_FIPS_CONF:?LIBSSL_GO_FIPS_CONF names the FIPS config} st=0 d t0
  echo "=== $(openssl version) ($(cat /opt/libssl-go/fips/VERSION 2>/dev/null))"
  echo "=== openssl list -providers (OPENSSL_CONF=$conf)"
  OPENSSL_CONF=$conf openssl list -providers || st=1
  if ! OPENSSL_CONF=$conf openssl list -providers | grep -q '^  fips$'; then
    echo "FAIL: the fips provider is not active under $conf"; st=1
  fi
  # The leg's own s_server and s_client, each in the FIPS config: a TLS 1.3
  # handshake with a P-256 ECDSA certificate made by the same openssl.
  echo "=== openssl s_server / s_client in the FIPS config"
  d=$(mktemp -d)
  if OPENSSL_CONF=$conf openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
       -keyout "$d/key.pem" -out "$d/cert.pem" -subj /CN=localhost -days 1 >"$d/req.log" 2>&1; then
    OPENSSL_CONF=$conf openssl s_server -accept 127.0.0.1:0 -naccept 1 -cert "$d/cert.pem" \
      -key "$d/key.pem" -tls1_3 -www >"$d/server.log" 2>&1 &
    local spid=$! port=
    for _ in $(seq 100); do
      port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$d/server.log")
      [ -n "$port" ] && break
      kill -0 $spid 2>/dev/null || break
      sleep 0.1
    done
    if [ -n "$port" ] && echo | OPENSSL_CONF=$conf openssl s_client -connect "127.0.0.1:$port" \
         -tls1_3 -brief >"$d/client.log" 2>&1; then
      sed 's/^/  /' "$d/client.log"
    else
      echo "FAIL: s_client in the FIPS config"; sed 's/^/  /' "$d/server.log" "$d/client.log" 2>/dev/null; st=1
    fi
    kill $spid 2>/dev/null || true
    wait $spid 2>/dev/null || true
  else
    echo "FAIL: openssl req in the FIPS config"; sed 's/^/  /' "$d/req.log"; st=1
  fi
  rm -rf "$d"
  echo "=== openssl package: the FIPS tests"
  t0=$(date +%s)
  (cd /opt/libssl-go/openssl && ./openssl.test -test.count=1 -test.run '^TestFIPS' -test.v ${FIPS_TEST_ARGS:-} "$@") || st=1
  echo "FIPS tests: $(( $(date +%s) - t0 )) s"
  [ $st = 0 ] && echo "fips check: ok" || echo "fips check: FAILED"
  return $st
}

cmd_image() {
  local repo suite store tb
  repo=$(cd "${1:-$SCRIPT_DIR/..}" && pwd -P)
  suite=${FIPS_SUITE:-trixie}
  store=${FIPS_STORE:-$repo/.cache/fips}
  local podman=(podman --root "$store/root" --runroot "$store/runroot" --tmpdir "$store/tmp"
                --network-config-dir "$store/networks" --storage-driver overlay
                --cgroup-manager cgroupfs --events-backend file)
  mkdir -p "$store/tmp"
  local t0 t_all=$SECONDS timings=()
  tb=$repo/.cache/container/debian-$suite-minbase.tar
  # The base image: the cached root filesystem plus the host's extra CAs
  # (an HTTPS-re-signing egress; the Go module proxy is reached through it),
  # as ci/container-check.sh imports it.
  if ! "${podman[@]}" image exists "localhost/debian:$suite-slim"; then
    if [ ! -f "$tb" ]; then
      t0=$SECONDS
      SUITES="$suite:x" bash "$SCRIPT_DIR/container-check.sh" --bases-only "$repo"
      timings+=("debootstrap $suite: $((SECONDS - t0)) s")
    fi
    t0=$SECONDS
    local extra=(/usr/local/share/ca-certificates/*.crt) base=$tb
    if [ -e "${extra[0]}" ]; then
      local stage=$store/tmp/ca
      rm -rf "$stage"; mkdir -p "$stage/usr/local/share/ca-certificates"
      cp "${extra[@]}" "$stage/usr/local/share/ca-certificates/"
      cp "$tb" "$store/tmp/base.tar"
      tar -C "$stage" --owner=0 --group=0 --numeric-owner -rf "$store/tmp/base.tar" \
        ./usr/local/share/ca-certificates
      base=$store/tmp/base.tar
      log "adding the host's extra CA certificates: ${extra[*]##*/}"
    fi
    "${podman[@]}" import -q "$base" "localhost/debian:$suite-slim" >/dev/null
    rm -rf "$store/tmp/base.tar" "$store/tmp/ca"
    timings+=("podman import: $((SECONDS - t0)) s")
  fi
  t0=$SECONDS
  local rc=0
  # shellcheck disable=SC2086
  "${podman[@]}" build --isolation chroot --pull=never \
    --build-arg "BASE=localhost/debian:$suite-slim" ${GO_BUILD_ARGS:-} \
    -f "$repo/ci/fips.Dockerfile" -t "localhost/libssl-go-fips:$suite" "$repo" \
    >"$store/build.log" 2>&1 || rc=$?
  timings+=("podman build: $((SECONDS - t0)) s")
  grep -E '^fips-provider: |^go version' "$store/build.log" | uniq | sed 's/^/  build: /' || true
  if [ $rc != 0 ]; then
    echo "--- podman build failed; last lines of $store/build.log:" >&2
    tail -n 60 "$store/build.log" >&2
    printf '  %s\n' "${timings[@]}"
    return $rc
  fi
  local hard_nofile
  hard_nofile=$(ulimit -Hn)
  t0=$SECONDS
  # (pipefail: rc is the check's status; the timings are printed either way.)
  # shellcheck disable=SC2086
  "${podman[@]}" run --rm --runtime runc --network none \
    --ulimit "nofile=$hard_nofile:$hard_nofile" --ulimit nproc=32768:32768 \
    "localhost/libssl-go-fips:$suite" libssl-go-fips-check ${FIPS_TEST_ARGS:-} 2>&1 | sed "s/^/  [$suite] /" ||
    rc=$?
  timings+=("podman run (check): $((SECONDS - t0)) s")
  echo "==> timings"
  printf '  %s\n' "${timings[@]}" "total: $((SECONDS - t_all)) s"
  return "$rc"
}

[ $# -ge 1 ] || usage
c=$1
shift
case $c in
  build) cmd_build "$@" ;;
  install) cmd_install "$@" ;;
  check) cmd_check "$@" ;;
  image) cmd_image "$@" ;;
  *) usage ;;
esac
