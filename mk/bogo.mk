# BoGo: BoringSSL's adversarial TLS tests (ssl/test/runner, pinned revision)
# against internal/bogo/shim, a shim built on the openssl package, on the
# machine's libssl. The runner comes from the Go module proxy only
# (internal/bogo/fetch-runner.sh; a runner already in $(BOGO_RUNNER) is used
# as it is); it and its test-name list are kept in .cache/bogo/ between runs. The runner's
# JSON result is .cache/bogo/results.json, its log .cache/bogo/runner.log.
# The summary (internal/bogo/report) prints pass, fail, unimplemented and
# disabled counts and ends with "N passed, N failed, N skipped"; the target
# fails on any unexpected failure. About 3-4 minutes on two loaded cores.
BOGO_DIR      := .cache/bogo
BOGO_RUNNER   := $(BOGO_DIR)/boringssl-f51d8b099832
BOGO_CONFIG   := internal/bogo/config.json
BOGO_WORKERS  ?= 2
BOGO_TEST     ?=

.PHONY: bogo
bogo:
	@mkdir -p $(BOGO_DIR)
	internal/bogo/fetch-runner.sh $(BOGO_RUNNER)
	$(GO) build -o $(BOGO_DIR)/shim ./internal/bogo/shim
	$(GO) build -o $(BOGO_DIR)/report ./internal/bogo/report
	@# Every test name of the revision: a run of every test against a shim
	@# that implements nothing (exit 89; it answers the runner's split
	@# handshake probe with "No"), done once per revision.
	@if [ ! -s $(BOGO_RUNNER)/names.txt ]; then \
		printf '#!/bin/sh\ncase "$$*" in *-is-handshaker-supported*) echo No; exit 0;; esac\nexit 89\n' > $(BOGO_DIR)/noshim && chmod +x $(BOGO_DIR)/noshim && \
		(cd $(BOGO_RUNNER)/ssl/test/runner && ../../../runner.test -include-disabled -allow-unimplemented \
			-num-workers $(BOGO_WORKERS) -shim-path $(abspath $(BOGO_DIR))/noshim \
			-json-output $(abspath $(BOGO_RUNNER))/names.json >/dev/null 2>&1) ; \
		$(GO) run ./internal/bogo/report -list-names $(BOGO_RUNNER)/names.json > $(BOGO_RUNNER)/names.txt.tmp && \
		mv $(BOGO_RUNNER)/names.txt.tmp $(BOGO_RUNNER)/names.txt; \
	fi
	@rm -f $(BOGO_DIR)/results.json
	@echo "bogo: running $$(wc -l < $(BOGO_RUNNER)/names.txt) tests, $(BOGO_WORKERS) workers, log in $(BOGO_DIR)/runner.log"
	-cd $(BOGO_RUNNER)/ssl/test/runner && ../../../runner.test -pipe -allow-unimplemented \
		-num-workers $(BOGO_WORKERS) -shim-path $(abspath $(BOGO_DIR))/shim \
		-shim-config $(abspath $(BOGO_CONFIG)) $(if $(BOGO_TEST),-test '$(BOGO_TEST)') \
		-json-output $(abspath $(BOGO_DIR))/results.json > $(abspath $(BOGO_DIR))/runner.log 2>&1
	$(BOGO_DIR)/report -results $(BOGO_DIR)/results.json -config $(BOGO_CONFIG) -names $(BOGO_RUNNER)/names.txt
