package libssl_test

import (
	"fmt"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// The lifecycle of libssl objects through their handles, with the
// destruction probe (LiveObjects) counting what is alive in C: each handle
// owns one reference, Free drops it (and is idempotent), UpRef gives a
// second handle on the same object, Dup a copy (a new object before the
// handshake), Clear resets an SSL for a new connection (after Shutdown:
// clearing an open connection would make its session non-resumable), and
// SetSession offers a session for resumption, taking a reference of its own.
func Example_lifecycle() {
	tc := testcerts.Get()
	start := libssl.LiveObjects()
	live := func(what string) {
		n := libssl.LiveObjects()
		fmt.Printf("%-28s SSL %d, SSL_CTX %d, SSL_SESSION %d\n", what+":",
			n.SSL-start.SSL, n.Ctx-start.Ctx, n.Session-start.Session)
	}

	sctx, _ := libssl.NewCtx(libssl.TLSServerMethod)
	_ = sctx.UseCertificatePEM(tc.LeafChain)
	_ = sctx.UsePrivateKeyPEM(tc.LeafKey)
	cctx, _ := libssl.NewCtx(libssl.TLSClientMethod)
	live("two contexts")

	client, _ := libssl.New(cctx) // SSL_new: holds a reference on cctx
	server, _ := libssl.New(sctx)
	live("New x2")

	same, _ := client.UpRef() // SSL_up_ref: the same object, a second handle
	copyOf, _ := client.Dup() // SSL_dup before the handshake: a new object
	live("UpRef and Dup")
	same.Free()
	copyOf.Free()
	copyOf.Free() // Free is idempotent
	live("their Free")

	_ = client.SetConnectState()
	_ = server.SetAcceptState()
	p, _ := sslpair.Wrap(client, server)
	fmt.Println("handshake:", p.Handshake())
	_ = p.ReadTickets()      // a TLS 1.3 client's session comes with the ticket
	sess := client.Session() // SSL_get1_session: a reference of the caller's on the client's session (one session per side)
	live("after the handshake")

	_, _ = client.Shutdown() // close_notify: the session stays resumable
	_, _ = server.Shutdown()
	_ = client.Clear() // SSL_clear: ready for a new connection, same SSL
	_ = client.SetSession(sess)
	_ = server.Clear()
	_ = p.Rewire()
	fmt.Println("handshake:", p.Handshake(), "resumed:", client.SessionReused())
	sess.Free() // the SSL keeps its own reference to the session

	p.Free() // the pair frees both SSLs
	sctx.Free()
	cctx.Free() // each object goes once its last holder lets go
	live("all freed")
	// Output:
	// two contexts:                SSL 0, SSL_CTX 2, SSL_SESSION 0
	// New x2:                      SSL 2, SSL_CTX 2, SSL_SESSION 0
	// UpRef and Dup:               SSL 3, SSL_CTX 2, SSL_SESSION 0
	// their Free:                  SSL 2, SSL_CTX 2, SSL_SESSION 0
	// handshake: <nil>
	// after the handshake:         SSL 2, SSL_CTX 2, SSL_SESSION 2
	// handshake: <nil> resumed: true
	// all freed:                   SSL 0, SSL_CTX 0, SSL_SESSION 0
}
