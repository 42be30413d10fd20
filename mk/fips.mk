# The openssl package's FIPS tests against a real FIPS provider: OpenSSL's
# fips.so built from the source of the trixie leg's own version (3.5.x),
# installed with that leg's `openssl fipsinstall`, in an image of
# ci/fips.Dockerfile built and run with podman (ci/fips-provider.sh image).
# Not a CI step: one command on a machine with podman, debootstrap and runc
# (what `make image-check` needs). The podman store is kept in
# .cache/fips/ so that a second run reuses the fips.so layer;
# `make fips-clean` removes it. FIPS_SUITE=sid tries the 3.6 leg.
.PHONY: fips fips-clean
fips:
	bash ci/fips-provider.sh image $(CURDIR)

fips-clean:
	-podman --root $(CURDIR)/.cache/fips/root --runroot $(CURDIR)/.cache/fips/runroot \
	  --storage-driver overlay system reset -f
	rm -rf $(CURDIR)/.cache/fips
