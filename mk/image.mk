# Container images: ci/Dockerfile built and run for Debian bookworm (OpenSSL
# 3.0.x) and trixie (OpenSSL 3.5.x) with podman, no Docker engine needed.
# See ci/README.md. `make image-check` alone; `make test` runs it last.
.PHONY: image-check
image-check:
	bash ci/container-check.sh $(CURDIR)

test: image-check
