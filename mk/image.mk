# Container images: ci/Dockerfile built and run with podman (no Docker
# engine needed) for the version legs OpenSSL 3.5.x (Debian trixie), 3.6.x
# (sid) and 4.0.x (sid with experimental's OpenSSL); each runs every test
# binary and the conformance report, whose -json form lands in
# .cache/reports/ for `make conform-matrix`. See ci/README.md.
# `make image-check` alone; `make ci` runs it. SUITES="sid:3.6" (say) picks
# legs; SUITES=bookworm:3.0 checks the Dockerfile's default base.
.PHONY: image-check image-bases
image-check:
	bash ci/container-check.sh $(CURDIR)

# Only the debootstrap cache (network-bound; .ci/run starts it early).
image-bases:
	bash ci/container-check.sh --bases-only $(CURDIR)
