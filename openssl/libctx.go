package openssl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/libssl-go/libssl"
)

// newCtx makes one of the Config's SSL_CTXs: with SSL_CTX_new_ex in
// Config.LibraryContext and with Config.PropertyQuery when either is set,
// else with SSL_CTX_new, as before library contexts existed (so that a
// Config that sets neither behaves the same on 1.1.1).
//
// libssl's own reason for a library context that cannot serve TLS is
// "library has no ciphers", whatever is missing; the error adds what the
// library context had (its providers) and, for a query that asks for FIPS
// algorithms, whether a FIPS provider was there at all.
func (cfg *Config) newCtx() (*libssl.Ctx, error) {
	if cfg.LibraryContext == nil && cfg.PropertyQuery == "" {
		return libssl.NewCtx(libssl.TLSMethod)
	}
	ctx, err := libssl.NewCtxEx(cfg.LibraryContext, cfg.PropertyQuery, libssl.TLSMethod)
	if err == nil {
		return ctx, nil
	}
	if errors.Is(err, libssl.ErrUnsupported) {
		return nil, fmt.Errorf("openssl: Config.LibraryContext/PropertyQuery: %w", err)
	}
	l := cfg.LibraryContext
	where := "the default library context"
	if l != nil {
		where = "Config.LibraryContext"
	}
	provs := l.Providers()
	have := "none"
	if len(provs) > 0 {
		have = strings.Join(provs, ", ")
	}
	var why string
	if wantsFIPS(cfg.PropertyQuery) && !l.ProviderAvailable("fips") {
		why = "; no FIPS provider is loaded"
	}
	return nil, fmt.Errorf("openssl: %s (providers loaded: %s) with Config.PropertyQuery %q cannot make an SSL_CTX%s: %w",
		where, have, cfg.PropertyQuery, why, err)
}

// wantsFIPS reports whether a property query requires FIPS algorithms: it
// has the clause "fips=yes" (or the bare "fips", which means the same),
// not the optional "?fips=yes".
func wantsFIPS(q string) bool {
	for _, c := range strings.Split(q, ",") {
		switch strings.ReplaceAll(strings.TrimSpace(c), " ", "") {
		case "fips=yes", "fips", "fips=true":
			return true
		}
	}
	return false
}
