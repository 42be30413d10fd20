#!/usr/bin/env bash
# internal/headercheck/fetch-headers.sh CACHE_DIR SUITE...
#
# Fetches Debian's libssl-dev for each SUITE (bookworm, trixie, sid,
# experimental) into CACHE_DIR/SUITE with a private apt setup (nothing is
# installed into the system) and prints one line per suite:
#   SUITE VERSION INCLUDE_DIR ARCH_INCLUDE_DIR
# Only the headers are used: the header check compiles the shims against
# them. A cached extract is reused.
set -euo pipefail
cache=$1; shift
arch=amd64; multi=x86_64-linux-gnu
mirror=${HEADERS_MIRROR:-http://deb.debian.org}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "fetch-headers: $keyring missing (install debian-archive-keyring)" >&2; exit 1; }
mkdir -p "$cache"
for suite in "$@"; do
  dir=$cache/$suite
  if [ ! -f "$dir/.done" ]; then
    tmp=$(mktemp -d)
    mkdir -p "$tmp/etc/apt.conf.d" "$tmp/etc/preferences.d" "$tmp/etc/sources.list.d" \
      "$tmp/state/lists/partial" "$tmp/cache/archives/partial" "$tmp/debs"
    : > "$tmp/state/status"
    base=$suite; [ "$suite" = experimental ] && base=sid
    {
      echo "deb [arch=$arch signed-by=$keyring] $mirror/debian $base main"
      [ "$suite" = experimental ] && echo "deb [arch=$arch signed-by=$keyring] $mirror/debian experimental main"
    } > "$tmp/etc/sources.list"
    cat > "$tmp/apt.conf" <<EOF
Dir::Etc "$tmp/etc/"; Dir::Etc::Main "/dev/null"; Dir::Etc::Parts "$tmp/etc/apt.conf.d/";
Dir::Etc::SourceList "$tmp/etc/sources.list"; Dir::Etc::SourceParts "$tmp/etc/sources.list.d/";
Dir::Etc::Preferences "/dev/null"; Dir::Etc::PreferencesParts "$tmp/etc/preferences.d/";
Dir::State "$tmp/state/"; Dir::State::Lists "$tmp/state/lists/"; Dir::State::status "$tmp/state/status";
Dir::Cache "$tmp/cache/"; Dir::Cache::Archives "$tmp/cache/archives/"; Dir::Log "$tmp/";
APT::Architecture "$arch"; APT::Architectures { "$arch"; };
Acquire::Check-Valid-Until "false"; APT::Sandbox::User "root";
EOF
    export APT_CONFIG=$tmp/apt.conf
    apt-get -qq update >/dev/null
    # The newest libssl-dev the suite lists (experimental's beats sid's).
    ver=$(apt-cache madison libssl-dev | awk '{print $3}' | sort -V | tail -1)
    (cd "$tmp/debs" && apt-get -qq download "libssl-dev=$ver" >/dev/null)
    rm -rf "$dir"; mkdir -p "$dir"
    dpkg-deb -x "$tmp"/debs/libssl-dev_*.deb "$dir"
    echo "$ver" > "$dir/.version"
    touch "$dir/.done"
    rm -rf "$tmp"; unset APT_CONFIG
  fi
  echo "$suite $(cat "$dir/.version") $dir/usr/include $dir/usr/include/$multi"
done
