#!/usr/bin/env bash
# fetch-runner.sh DEST: puts BoringSSL's ssl/test/runner (and what it builds
# with: go.mod, go.sum, util/testresult) of the pinned revision into DEST from
# the Go module proxy, as crypto/tls's own BoGo test fetches it, then builds
# the runner's test binary DEST/runner.test.
#
# The only source is the module proxy. A DEST that already holds the runner
# of this revision (ssl/test/runner/runner.go, or a built DEST/runner.test)
# is used as it is, so a developer whose proxy refuses the module can place
# a runner there by other means; this script fetches from nowhere else.
#
# Exit status 3 (and a message naming the proxy's answer) when the proxy
# refuses the module: the caller reports BoGo as not run, with that reason.
set -euo pipefail
DEST=$1
MODVER=v0.0.0-20250620172916-f51d8b099832
MODULE=boringssl.googlesource.com/boringssl.git
mkdir -p "$DEST"
if [ ! -x "$DEST/runner.test" ] && [ ! -f "$DEST/ssl/test/runner/runner.go" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	json=$(GOMODCACHE="$tmp/mod" GOFLAGS=-modcacherw go mod download -json "$MODULE@$MODVER" 2>&1 || true)
	dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [ -z "$dir" ] || [ ! -d "$dir/ssl/test/runner" ]; then
		why=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)"$/\1/p')
		echo "fetch-runner.sh: the Go module proxy did not serve $MODULE@$MODVER: ${why:-$json}" >&2
		exit 3
	fi
	mkdir -p "$DEST/ssl/test" "$DEST/util"
	cp -r "$dir/go.mod" "$dir/go.sum" "$DEST/"
	cp -r "$dir/ssl/test/runner" "$DEST/ssl/test/"
	cp -r "$dir/util/testresult" "$DEST/util/"
	chmod -R u+w "$DEST"
fi
if [ ! -x "$DEST/runner.test" ]; then
	(cd "$DEST/ssl/test/runner" && GOFLAGS=-mod=mod go test -c -o ../../../runner.test .)
fi
