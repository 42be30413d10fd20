#!/usr/bin/env bash
# fetch-runner.sh DEST: puts BoringSSL's ssl/test/runner (and the files it
# builds with: go.mod, go.sum, util/testresult) of the pinned revision into
# DEST, then builds the runner's test binary DEST/runner.test.
#
# Sources, first that works: DEST already filled; the Go module proxy
# (go mod download of the pinned pseudo-version, as crypto/tls's own BoGo
# test does); a local git clone or mirror of BoringSSL named by
# BORINGSSL_GIT (a git directory that has the pinned commit).
set -euo pipefail
DEST=$1
MODVER=v0.0.0-20250620172916-f51d8b099832
REV=${MODVER##*-}
mkdir -p "$DEST"
if [ ! -f "$DEST/ssl/test/runner/runner.go" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	if dir=$(GOMODCACHE="$tmp/mod" GOFLAGS=-modcacherw go mod download -json "boringssl.googlesource.com/boringssl.git@$MODVER" 2>/dev/null |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') && [ -n "$dir" ] && [ -d "$dir/ssl/test/runner" ]; then
		mkdir -p "$DEST/ssl/test" "$DEST/util"
		cp -r "$dir/go.mod" "$dir/go.sum" "$DEST/"
		cp -r "$dir/ssl/test/runner" "$DEST/ssl/test/"
		cp -r "$dir/util/testresult" "$DEST/util/"
	elif [ -n "${BORINGSSL_GIT:-}" ] && git --git-dir="$BORINGSSL_GIT" cat-file -e "$REV^{commit}" 2>/dev/null; then
		git --git-dir="$BORINGSSL_GIT" ls-tree -r "$REV" go.mod go.sum ssl/test/runner util/testresult |
			while read -r _ type obj path; do
				[ "$type" = blob ] || continue
				mkdir -p "$DEST/$(dirname "$path")"
				# A blob a partial mirror lacks (the hpke test vectors) is
				# not needed to build the runner.
				git --git-dir="$BORINGSSL_GIT" cat-file blob "$obj" >"$DEST/$path" 2>/dev/null || rm -f "$DEST/$path"
			done
	else
		echo "fetch-runner.sh: cannot fetch BoringSSL $MODVER: the module proxy refused it and BORINGSSL_GIT names no git directory with commit $REV" >&2
		exit 1
	fi
fi
if [ ! -x "$DEST/runner.test" ]; then
	(cd "$DEST/ssl/test/runner" && GOFLAGS=-mod=mod go test -c -o ../../../runner.test .)
fi
