# Static checks CI runs (make ci):
#
#   make staticcheck      honnef.co/go/tools' staticcheck, pinned, installed
#                         with `go install` into .cache/bin (no system install);
#                         it must report nothing
#   make check-generated  `go generate ./...` must leave the tree as it was:
#                         a generated file that differs from what its
#                         generator writes fails the run (with the diff)
STATICCHECK_VERSION ?= v0.8.2
TOOLS_BIN           ?= $(CURDIR)/.cache/bin
STATICCHECK         := $(TOOLS_BIN)/staticcheck
.PHONY: staticcheck check-generated

$(STATICCHECK):
	GOBIN=$(TOOLS_BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK)
	@v=$$($(STATICCHECK) -version); case "$$v" in *"($(STATICCHECK_VERSION:v%=%))"*) ;; *) \
	  echo "$(STATICCHECK) is $$v, want $(STATICCHECK_VERSION:v%=%): reinstalling"; \
	  GOBIN=$(TOOLS_BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ;; esac
	$(STATICCHECK) ./...

# In a clean clone this is `go generate ./... && git diff --exit-code`. It
# compares the tree before and after instead, so that it also works (and
# blames only the generators) in a working copy with edits of its own.
check-generated:
	@state() { git status --porcelain=v1 --untracked-files=all; git diff; }; \
	before=$$(state | sha256sum); \
	$(GO) generate ./... || exit 1; \
	if [ "$$(state | sha256sum)" != "$$before" ]; then \
	  echo "check-generated: go generate ./... changed the tree: the generated files are stale"; \
	  git status --short; git diff --stat; exit 1; \
	fi; \
	echo "check-generated: the generated files are fresh"
