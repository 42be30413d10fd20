#!/usr/bin/env bash
# ci/openssl111.sh [CACHE_DIR]
#
# Fetch OpenSSL 1.1.1w (Debian bullseye packages libssl1.1 + libssl-dev,
# version 1.1.1w-0+deb11u*) into CACHE_DIR -- never into the system -- and
# print shell `export` lines for building Go/cgo code against it:
#
#     eval "$(ci/openssl111.sh)"
#     go test ./...
#
# Default CACHE_DIR: $REPO/.cache/openssl-1.1.1w.
# stdout carries only the export lines; progress and errors go to stderr.
#
# How: a private apt setup in a temporary directory (own apt.conf, own
# sources.list, own lists/cache/status; the system's /etc/apt config and
# dpkg status are not read, nothing under /etc/apt or /var/lib/apt is
# written), `apt-get update` + `apt-get download`, then `dpkg -x` (which only
# unpacks files; it does not touch the dpkg database). Only the shared libs
# and headers are used: no `openssl` binary is needed.
# Idempotent: a cache that already holds a working extract is reused as is.

set -euo pipefail

OPENSSL_UPSTREAM=1.1.1w
OPENSSL_HEX=0x1010117f
DEB_VERSION_RE='^1\.1\.1w-0\+deb11u[0-9]+$'
PKGS=(libssl1.1 libssl-dev)
ARCH=amd64
MULTIARCH=x86_64-linux-gnu
# Same mirror host and scheme as this machine's own /etc/apt sources.
MIRROR=${OPENSSL111_MIRROR:-http://deb.debian.org}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

log() { printf 'openssl111: %s\n' "$*" >&2; }
die() { printf 'openssl111: ERROR: %s\n' "$*" >&2; exit 1; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$SCRIPT_DIR/.." && pwd -P)

CACHE_DIR=${1:-$REPO/.cache/openssl-$OPENSSL_UPSTREAM}
[ -n "$CACHE_DIR" ] || die "empty CACHE_DIR"
CACHE_DIR=$(realpath -m -- "$CACHE_DIR")
# The paths end up in CGO_CFLAGS/CGO_LDFLAGS, which are split on spaces.
case "$CACHE_DIR" in
  *[!A-Za-z0-9._/+,:@=-]*) die "CACHE_DIR '$CACHE_DIR' has characters unusable in CGO_CFLAGS (use a path without spaces/shell metacharacters)" ;;
esac
[ "$CACHE_DIR" != / ] || die "refusing CACHE_DIR=/"

LIBDIR_REL=usr/lib/$MULTIARCH
MARKER=.openssl111-cache

# check_root DIR: succeed if DIR holds a working 1.1.1w extract.
check_root() {
  local r=$1 lib=$1/$LIBDIR_REL f
  for f in "$lib/libssl.so.1.1" "$lib/libcrypto.so.1.1" \
           "$r/usr/include/openssl/ssl.h" "$r/usr/include/openssl/opensslv.h" \
           "$r/usr/include/$MULTIARCH/openssl/opensslconf.h"; do
    [ -f "$f" ] || { CHECK_ERR="missing $f"; return 1; }
  done
  for f in libssl libcrypto; do
    [ -L "$lib/$f.so" ] || { CHECK_ERR="missing symlink $lib/$f.so"; return 1; }
    [ "$(readlink -f "$lib/$f.so")" = "$(readlink -f "$lib/$f.so.1.1")" ] ||
      { CHECK_ERR="$lib/$f.so does not point at the extracted $f.so.1.1"; return 1; }
  done
  grep -Eq "define[[:space:]]+OPENSSL_VERSION_NUMBER[[:space:]]+${OPENSSL_HEX}L" \
      "$r/usr/include/openssl/opensslv.h" ||
    { CHECK_ERR="$r/usr/include/openssl/opensslv.h is not OpenSSL $OPENSSL_UPSTREAM"; return 1; }
  return 0
}

print_exports() {
  local r=$CACHE_DIR lib=$CACHE_DIR/$LIBDIR_REL
  printf 'export OPENSSL111_ROOT="%s"\n' "$r"
  printf 'export CGO_CFLAGS="-I%s/usr/include -I%s/usr/include/%s"\n' "$r" "$r" "$MULTIARCH"
  printf 'export CGO_LDFLAGS="-L%s -Wl,-rpath,%s"\n' "$lib" "$lib"
  # ${LD_LIBRARY_PATH...} is left for the eval'ing shell to expand.
  # shellcheck disable=SC2016
  printf 'export LD_LIBRARY_PATH="%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"\n' "$lib"
}

if [ -e "$CACHE_DIR/$MARKER" ] && check_root "$CACHE_DIR"; then
  log "using cached OpenSSL $OPENSSL_UPSTREAM in $CACHE_DIR"
  print_exports
  exit 0
fi

# Never clobber a directory that is not ours.
if [ -e "$CACHE_DIR" ]; then
  [ -d "$CACHE_DIR" ] || die "$CACHE_DIR exists and is not a directory"
  if [ -e "$CACHE_DIR/$MARKER" ]; then
    log "cache $CACHE_DIR is incomplete or broken (${CHECK_ERR:-no marker}); rebuilding"
  elif [ -n "$(ls -A "$CACHE_DIR")" ]; then
    die "$CACHE_DIR exists, is not empty and was not made by this script; remove it or pass another CACHE_DIR"
  fi
fi

for tool in apt-get apt-cache dpkg dpkg-deb realpath; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (a Debian/Ubuntu host is required)"
done
[ -r "$KEYRING" ] || die "$KEYRING not found (install debian-archive-keyring)"

parent=$(dirname "$CACHE_DIR")
mkdir -p "$parent" || die "cannot create $parent"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/openssl111-apt.XXXXXX")
STAGE=$(mktemp -d "$parent/.openssl111-stage.XXXXXX")
cleanup() { rm -rf "$TMP" "$STAGE"; }
trap cleanup EXIT

# --- private apt setup -------------------------------------------------------
mkdir -p "$TMP/etc/apt.conf.d" "$TMP/etc/sources.list.d" "$TMP/etc/preferences.d" \
         "$TMP/etc/trusted.gpg.d" "$TMP/state/lists/partial" "$TMP/cache/archives/partial" \
         "$TMP/log" "$TMP/debs"
: > "$TMP/state/status"
cat > "$TMP/etc/sources.list" <<EOF
deb [arch=$ARCH signed-by=$KEYRING] $MIRROR/debian bullseye main
deb [arch=$ARCH signed-by=$KEYRING] $MIRROR/debian-security bullseye-security main
EOF
# APT_CONFIG is read before the config parts, so setting Dir::Etc::Parts and
# Dir::Etc::Main here keeps the system's apt.conf(.d) -- with its hooks that
# act on /var/cache/apt -- out of the picture entirely.
cat > "$TMP/apt.conf" <<EOF
Dir::Etc "$TMP/etc/";
Dir::Etc::Main "/dev/null";
Dir::Etc::Parts "$TMP/etc/apt.conf.d/";
Dir::Etc::SourceList "$TMP/etc/sources.list";
Dir::Etc::SourceParts "$TMP/etc/sources.list.d/";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$TMP/etc/preferences.d/";
Dir::Etc::Trusted "$TMP/etc/trusted.gpg";
Dir::Etc::TrustedParts "$TMP/etc/trusted.gpg.d/";
Dir::State "$TMP/state/";
Dir::State::Lists "$TMP/state/lists/";
Dir::State::status "$TMP/state/status";
Dir::State::extended_states "$TMP/state/extended_states";
Dir::Cache "$TMP/cache/";
Dir::Cache::Archives "$TMP/cache/archives/";
Dir::Log "$TMP/log/";
APT::Architecture "$ARCH";
APT::Architectures { "$ARCH"; };
APT::Get::Assume-Yes "true";
Acquire::Languages "none";
Acquire::Retries "3";
Acquire::http::Timeout "60";
EOF
export APT_CONFIG=$TMP/apt.conf DEBIAN_FRONTEND=noninteractive
# Let apt's unprivileged download sandbox (_apt) write where it must.
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
  chmod 755 "$TMP"
  chown -R _apt "$TMP/state/lists" "$TMP/cache/archives" "$TMP/debs"
fi

log "apt-get update (private lists: bullseye, bullseye-security from $MIRROR)"
apt-get -q update </dev/null >"$TMP/update.log" 2>&1 || {
  cat "$TMP/update.log" >&2; die "apt-get update against bullseye failed"; }
UPDATE_HINT=
if grep -Eq '^(W|E|Err):' "$TMP/update.log"; then
  grep -E '^(W|E|Err):' "$TMP/update.log" >&2
  UPDATE_HINT=" (apt-get update reported problems fetching the bullseye lists, see above)"
fi

# Pick the newest 1.1.1w-0+deb11uN that the private lists offer for each package.
declare -A VER
for p in "${PKGS[@]}"; do
  v=$(apt-cache madison "$p" </dev/null 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
        grep -E "$DEB_VERSION_RE" | sort -V | tail -n1 || true)
  [ -n "$v" ] || {
    apt-cache madison "$p" >&2 || true
    die "no $p version matching 1.1.1w-0+deb11u* in Debian bullseye/bullseye-security$UPDATE_HINT"; }
  VER[$p]=$v
  src=$(apt-cache madison "$p" 2>/dev/null | awk -F'|' -v v="$v" '{gsub(/ /,"",$2)} $2==v {print $3}' | head -n1)
  log "$p=$v from${src}"
done
[ "${VER[libssl1.1]}" = "${VER[libssl-dev]}" ] ||
  die "version mismatch: libssl1.1=${VER[libssl1.1]} libssl-dev=${VER[libssl-dev]}"

log "apt-get download ${PKGS[*]}"
(
  cd "$TMP/debs"
  args=()
  for p in "${PKGS[@]}"; do args+=("$p=${VER[$p]}"); done
  apt-get -q download "${args[@]}" </dev/null >"$TMP/download.log" 2>&1
) || { cat "$TMP/download.log" >&2; die "apt-get download failed"; }

# --- unpack into the staging dir, check, then move into place ----------------
mkdir -p "$STAGE/root/debs"
ROOT_STAGE=$STAGE/root
for p in "${PKGS[@]}"; do
  deb=$(ls "$TMP/debs/${p}_"*"_${ARCH}.deb" 2>/dev/null | head -n1)
  [ -n "$deb" ] && [ -f "$deb" ] || die "downloaded .deb for $p not found"
  got=$(dpkg-deb -W --showformat='${Package} ${Version} ${Architecture}' "$deb")
  [ "$got" = "$p ${VER[$p]} $ARCH" ] || die "unexpected package in $deb: $got"
  dpkg -x "$deb" "$ROOT_STAGE" || die "dpkg -x $deb failed"
  cp "$deb" "$ROOT_STAGE/debs/"
done

# Rewrite any absolute symlink inside the extract as a relative one into the
# extract (so it survives the move below and never points at the system).
while IFS= read -r -d '' link; do
  tgt=$(readlink "$link")
  case "$tgt" in
    /*) ln -sfnr "$ROOT_STAGE$tgt" "$link"
        log "fixed absolute symlink ${link#"$ROOT_STAGE"/} -> $tgt (now $(readlink "$link"))" ;;
  esac
done < <(find "$ROOT_STAGE" -type l -print0)

CHECK_ERR=
check_root "$ROOT_STAGE" || die "extracted tree is not usable: $CHECK_ERR"
printf '%s\n' "${VER[libssl1.1]}" > "$ROOT_STAGE/$MARKER"
# Keep git from ever picking the cache up (the dir's own .gitignore ignores all).
printf '*\n' > "$ROOT_STAGE/.gitignore"

rm -rf "$CACHE_DIR"
mv -T "$ROOT_STAGE" "$CACHE_DIR"

check_root "$CACHE_DIR" || die "cache $CACHE_DIR is not usable after install: $CHECK_ERR"
log "OpenSSL ${VER[libssl1.1]} ready in $CACHE_DIR"
print_exports
