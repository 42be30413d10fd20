package openssl

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
)

// ErrHTTP2OverNetHTTP is the error (matched with errors.Is) for a
// connection that would negotiate HTTP/2 ("h2") by ALPN and then be spoken
// to in HTTP/1.1 by net/http.
//
// net/http's Server and Transport speak HTTP/2 only over a *tls.Conn: a
// *Conn they get, whatever ALPN selected, gets HTTP/1.1. So the crypto/tls
// idioms
//
//	srv.Serve(openssl.NewListener(l, cfg))                 // cfg.NextProtos has "h2"
//	&http.Transport{DialTLSContext: ... openssl.Dial ...} // cfg.NextProtos has "h2"
//
// would agree to HTTP/2 with the peer and then write HTTP/1.1 into the
// connection, which the peer reads as a broken frame or response. This
// package refuses them at first use instead:
//   - http.Server.Serve over a Listener from this package (Listen,
//     NewListener, or a listener of the caller's that makes its connections
//     with Server) whose Config offers "h2": Accept returns this error
//     before it accepts anything, so Serve returns it at once;
//   - net/http's Transport dialling a *Conn (Dial, DialContext, Client in
//     DialTLSContext, DialContext or DialTLS) whose Config offers "h2": the
//     dial returns this error, and so does the request.
//
// Serve (HTTP/2 and HTTP/1.1 by ALPN, on one listener) and Transport (the
// same for clients) are what to use instead; or leave "h2" out of
// NextProtos to speak HTTP/1.1 only. A Config whose ALPN is set on its own
// Ctx (so that this package does not see what it offers) is checked after
// the handshake instead: the handshake fails with this error if "h2" was
// selected.
//
// The check asks the goroutine's stack whether net/http's Server.Serve or
// Transport is the caller, and runs only for Configs that may offer "h2".
var ErrHTTP2OverNetHTTP = errors.New(`openssl: "h2" negotiated for net/http, which speaks only HTTP/1.1 over a *openssl.Conn`)

// netHTTPFrames are the functions of net/http that make or accept a
// connection they will speak HTTP/1.1 over, for a server and a client.
const (
	netHTTPServeFrame = "net/http.(*Server).Serve"
	netHTTPDialFrame  = "net/http.(*Transport).dialConn"
)

// offersH2 reports whether an ALPN list offers HTTP/2.
func offersH2(protos []string) bool { return slices.Contains(protos, "h2") }

// mayOfferH2 reports whether a connection made with config may negotiate
// "h2": its NextProtos say so, or its ALPN is on a Ctx of the caller's.
func mayOfferH2(config *Config) bool {
	return offersH2(config.NextProtos) || config.Ctx != nil
}

// calledByNetHTTP reports whether net/http's server (isClient false) or
// Transport (isClient true) is on the calling goroutine's stack.
func calledByNetHTTP(isClient bool) bool {
	want := netHTTPServeFrame
	if isClient {
		want = netHTTPDialFrame
	}
	var pcs [48]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.Function == want {
			return true
		}
		if !more {
			return false
		}
	}
}

// netHTTPH2Error is ErrHTTP2OverNetHTTP with what to use instead.
func netHTTPH2Error(isClient bool) error {
	if isClient {
		return fmt.Errorf(`%w: use openssl.Transport (HTTP/2 and HTTP/1.1 by ALPN), or leave "h2" out of Config.NextProtos`, ErrHTTP2OverNetHTTP)
	}
	return fmt.Errorf(`%w: serve with openssl.Serve(srv, l) (HTTP/2 and HTTP/1.1 by ALPN), or leave "h2" out of Config.NextProtos`, ErrHTTP2OverNetHTTP)
}

// checkNetHTTPOffer refuses a connection that net/http will speak HTTP/1.1
// over while it offers "h2" (protos: what this connection offers).
func (c *Conn) checkNetHTTPOffer(protos []string) error {
	if c.netHTTP && offersH2(protos) {
		return netHTTPH2Error(c.isClient)
	}
	return nil
}

// checkNetHTTPSelected fails a completed handshake that selected "h2" on a
// connection net/http will speak HTTP/1.1 over (ALPN set on a Ctx of the
// caller's, which checkNetHTTPOffer cannot see).
func (c *Conn) checkNetHTTPSelected(selected string) error {
	if c.netHTTP && selected == "h2" {
		return netHTTPH2Error(c.isClient)
	}
	return nil
}
