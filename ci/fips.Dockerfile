# libssl-go's FIPS tests against a real FIPS provider, on an image leg.
#
#   make fips          (ci/fips-provider.sh image: podman, the trixie leg)
#
# Debian ships no FIPS provider: the fips stage builds fips.so from OpenSSL's
# source of the leg's own version (ci/fips-provider.sh build); the runtime
# stage installs it beside the leg's libcrypto and runs the leg's own
# `openssl fipsinstall` on it (ci/fips-provider.sh install). The test stage
# builds the openssl package's test binary against the leg's libssl-dev.
# The image's command (libssl-go-fips-check) shows the providers the FIPS
# config activates, runs a handshake of the leg's s_server and s_client in
# it, then the FIPS tests (built with -tags libssl_fips; LIBSSL_GO_FIPS_CONF).
#
# BASE: the leg's Debian image (ci/container-check.sh's localhost/debian:
# trixie-slim, OpenSSL 3.5.x). The fips stage copies only the two scripts,
# so that a change to the Go sources reuses its layers.
ARG BASE=debian:trixie-slim

# ----------------------------------------------------------------- fips.so
FROM ${BASE} AS fips
ENV DEBIAN_FRONTEND=noninteractive
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl xz-utils gcc libc6-dev make perl openssl; \
    rm -rf /var/lib/apt/lists/*
COPY ci/fips-provider.sh ci/ssl-tests-src.sh /src/ci/
RUN /src/ci/fips-provider.sh build /out

# --------------------------------------------------------- the test binary
FROM ${BASE} AS test
ARG GOTOOLCHAIN=auto
ARG GOPROXY=https://proxy.golang.org,direct
ARG GOSUMDB=sum.golang.org
ARG GOFLAGS=-buildvcs=false
ENV GOTOOLCHAIN=${GOTOOLCHAIN} GOPROXY=${GOPROXY} GOSUMDB=${GOSUMDB} GOFLAGS=${GOFLAGS} \
    CGO_ENABLED=1 DEBIAN_FRONTEND=noninteractive
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev pkg-config golang-go libssl-dev; \
    rm -rf /var/lib/apt/lists/*; \
    go version
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download && go version
COPY . .
RUN set -eux; \
    mkdir -p /out/openssl; \
    go test -c -tags libssl_fips -o /out/openssl/openssl.test ./openssl; \
    cp -a openssl/testdata /out/openssl/; \
    echo "libssl-dev $(pkg-config --modversion libssl)"

# ------------------------------------------------------------------ runtime
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends openssl; \
    rm -rf /var/lib/apt/lists/*
COPY --from=fips /out/ /opt/libssl-go/fips/
COPY ci/fips-provider.sh /usr/local/bin/fips-provider.sh
RUN /usr/local/bin/fips-provider.sh install /opt/libssl-go/fips/fips.so /etc/ssl/fips
COPY --from=test /out/openssl /opt/libssl-go/openssl
RUN printf '%s\n' '#!/bin/sh' 'exec /usr/local/bin/fips-provider.sh check "$@"' \
      >/usr/local/bin/libssl-go-fips-check && chmod 755 /usr/local/bin/libssl-go-fips-check
ENV LIBSSL_GO_FIPS_CONF=/etc/ssl/fips/openssl-fips.cnf
USER 65534:65534
WORKDIR /tmp
CMD ["libssl-go-fips-check"]
