# BoGo: BoringSSL's adversarial TLS tests (ssl/test/runner, pinned revision)
# against internal/bogo/shim, a shim built on the openssl package, on the
# machine's libssl. The runner comes from the Go module proxy only
# (internal/bogo/fetch-runner.sh; a runner already in $(BOGO_RUNNER) is
# used as it is); it and the list of every test of its revision are kept in
# .cache/bogo/ between runs. The runner's JSON result is
# .cache/bogo/results.json, its log .cache/bogo/runner.log.
# internal/bogo/config.json's "Versions" list holds the entries that hold
# only for a range of OpenSSL versions (sslconform -bogo-config-for).
# `sslconform -bogo` (conformance/bogo) classifies every test, prints the
# pass, fail, unimplemented and disabled counts and ends with
# "N passed, N failed, N skipped"; the target fails on any unexpected
# failure. Its -json form goes to $(REPORTS)/bogo-host.json, which
# `make conform-matrix` merges with the other legs' when they have one.
# About 3-4 minutes on two loaded cores.
#
# `make bogo-ci` is CI's step: `make bogo` when the runner can be had, and
# when the module proxy refuses it (it answers 403 for BoringSSL's module
# here), one line saying BoGo did not run and why, without failing CI.
BOGO_DIR      := .cache/bogo
BOGO_RUNNER   := $(BOGO_DIR)/boringssl-f51d8b099832
BOGO_CONFIG   := internal/bogo/config.json
BOGO_WORKERS  ?= 2
BOGO_TEST     ?=
BOGO_LEG      ?= host
REPORTS       ?= $(CURDIR)/.cache/reports

.PHONY: bogo bogo-runner bogo-ci
bogo-runner:
	@mkdir -p $(BOGO_DIR)
	internal/bogo/fetch-runner.sh $(BOGO_RUNNER)

bogo: bogo-runner
	@mkdir -p $(REPORTS)
	$(GO) build -o $(BOGO_DIR)/shim ./internal/bogo/shim
	$(GO) build -o $(BOGO_DIR)/sslconform ./cmd/sslconform
	@# Every test name of the revision: a run of every test against a shim
	@# that implements nothing (exit 89; it answers the runner's split
	@# handshake probe with "No"), done once per revision.
	@if [ ! -s $(BOGO_RUNNER)/names.json ]; then \
		printf '#!/bin/sh\ncase "$$*" in *-is-handshaker-supported*) echo No; exit 0;; esac\nexit 89\n' > $(BOGO_DIR)/noshim && chmod +x $(BOGO_DIR)/noshim && \
		(cd $(BOGO_RUNNER)/ssl/test/runner && ../../../runner.test -include-disabled -allow-unimplemented \
			-num-workers $(BOGO_WORKERS) -shim-path $(abspath $(BOGO_DIR))/noshim \
			-json-output $(abspath $(BOGO_RUNNER))/names.json.tmp >/dev/null 2>&1) ; \
		mv $(BOGO_RUNNER)/names.json.tmp $(BOGO_RUNNER)/names.json; \
	fi
	@# The config as the runner gets it on this libssl: the entries of its
	@# "Versions" list that hold for the linked OpenSSL folded in.
	$(BOGO_DIR)/sslconform -bogo-config-for $(BOGO_CONFIG) > $(BOGO_DIR)/config.json
	@rm -f $(BOGO_DIR)/results.json
	@echo "bogo: running the runner's tests, $(BOGO_WORKERS) workers, log in $(BOGO_DIR)/runner.log"
	-cd $(BOGO_RUNNER)/ssl/test/runner && ../../../runner.test -pipe -allow-unimplemented \
		-num-workers $(BOGO_WORKERS) -shim-path $(abspath $(BOGO_DIR))/shim \
		-shim-config $(abspath $(BOGO_DIR))/config.json $(if $(BOGO_TEST),-test '$(BOGO_TEST)') \
		-json-output $(abspath $(BOGO_DIR))/results.json > $(abspath $(BOGO_DIR))/runner.log 2>&1
	@$(BOGO_DIR)/sslconform -bogo $(BOGO_DIR)/results.json -bogo-config $(BOGO_CONFIG) \
		-bogo-all $(BOGO_RUNNER)/names.json -json > $(REPORTS)/bogo-$(BOGO_LEG).json 2>/dev/null || true
	$(BOGO_DIR)/sslconform -bogo $(BOGO_DIR)/results.json -bogo-config $(BOGO_CONFIG) -bogo-all $(BOGO_RUNNER)/names.json

bogo-ci:
	@mkdir -p $(BOGO_DIR); rc=0; internal/bogo/fetch-runner.sh $(BOGO_RUNNER) 2>$(BOGO_DIR)/fetch.log || rc=$$?; \
	if [ $$rc -eq 3 ]; then \
	  echo "bogo: NOT RUN: $$(cat $(BOGO_DIR)/fetch.log)"; \
	elif [ $$rc -ne 0 ]; then cat $(BOGO_DIR)/fetch.log; exit $$rc; \
	else $(MAKE) --no-print-directory bogo; fi
