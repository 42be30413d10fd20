# grpc/: gRPC transport credentials over libssl (package opensslgrpc), a
# module of its own (grpc/go.mod, with a replace of the libssl module by
# this tree) so that the libssl module does not depend on grpc-go; the
# root's ./... never reaches it. `make test-grpc` is its whole check, a step
# of make ci: go vet, staticcheck (the pinned one of mk/lint.mk), then the
# tests with -race and cgocheck2 on the machine's OpenSSL and on 1.1.1w.
# grpc-go and its dependencies come from the Go module proxy (grpc/go.sum
# is complete: no -mod=mod).
.PHONY: test-grpc
test-grpc: $(STATICCHECK)
	cd grpc && $(GO) vet ./... && $(STATICCHECK) ./...
	cd grpc && GOEXPERIMENT=cgocheck2 $(GO) test -race -count=1 ./...
	$(WITH_111) cd grpc && GOEXPERIMENT=cgocheck2 $(GO) test -race -count=1 ./...
