# The header check (internal/headercheck): the C boundary compiled, with
# implicit and deprecated declarations as errors, against the headers of
# every supported OpenSSL: 1.1.1w (the cache of ci/openssl111.sh) and
# Debian's libssl-dev of bookworm (3.0), trixie (3.5), sid (3.6) and
# experimental (4.0), fetched into .cache/headers with a private apt setup.
HEADERS_DIR ?= $(CURDIR)/.cache/headers

.PHONY: headercheck
headercheck:
	@ci/openssl111.sh $(OPENSSL111_DIR) >/dev/null
	@mkdir -p $(HEADERS_DIR)
	internal/headercheck/fetch-headers.sh $(HEADERS_DIR) bookworm trixie sid experimental > $(HEADERS_DIR)/sets.txt
	@sets="1.1.1w=$(OPENSSL111_DIR)/usr/include:$(OPENSSL111_DIR)/usr/include/x86_64-linux-gnu"; \
	while read -r suite ver inc arch; do \
	  echo "headers: $$suite libssl-dev $$ver"; sets="$$sets $$suite=$$inc:$$arch"; \
	done < $(HEADERS_DIR)/sets.txt; \
	LIBSSL_GO_HEADERS="$$sets" $(GO) test -count=1 -v -run 'Test' ./internal/headercheck/
