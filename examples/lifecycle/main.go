// Command lifecycle walks the SSL lifecycle once, over memory BIOs in one
// process, and prints what libssl did at each step: SSL_new, SSL_up_ref,
// SSL_dup before and after a handshake step, a TLS 1.3 handshake, data,
// shutdown, SSL_clear, SSL_set_session and resumption, with the destruction
// probe's count of live native objects after each step.
package main

import (
	"fmt"
	"os"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "lifecycle:", err)
		os.Exit(1)
	}
}

func step(what string) {
	l := libssl.LiveObjects()
	fmt.Printf("%-52s live: SSL %d, SSL_CTX %d, SSL_SESSION %d\n", what, l.SSL, l.Ctx, l.Session)
}

func run() error {
	if err := libssl.InitError(); err != nil {
		return err
	}
	fmt.Printf("OpenSSL: runtime %s, headers %s\n", libssl.RuntimeVersionText(), libssl.HeaderVersionText())
	cs := testcerts.Get()

	sctx, err := libssl.NewCtx(libssl.TLSServerMethod)
	if err != nil {
		return err
	}
	defer sctx.Free()
	for _, err := range []error{sctx.UseCertificatePEM(cs.LeafChain), sctx.UsePrivateKeyPEM(cs.LeafKey), sctx.SetSessionIDContext([]byte("lifecycle"))} {
		if err != nil {
			return err
		}
	}
	cctx, err := libssl.NewCtx(libssl.TLSClientMethod)
	if err != nil {
		return err
	}
	defer cctx.Free()
	if err := cctx.AddTrustedCertPEM(cs.CACert); err != nil {
		return err
	}
	_ = cctx.SetVerify(libssl.VerifyPeer, nil)
	step("SSL_CTX_new x2")

	s, err := libssl.New(cctx)
	if err != nil {
		return err
	}
	step("SSL_new")
	u, err := s.UpRef()
	if err != nil {
		return err
	}
	step(fmt.Sprintf("SSL_up_ref (same object: %v)", u.SameObject(s)))
	u.Free()
	d, err := s.Dup()
	if err != nil {
		return err
	}
	step(fmt.Sprintf("SSL_dup of a fresh SSL (same object: %v)", d.SameObject(s)))
	d.Free()
	s.Free()
	step("SSL_free of both")

	pair, err := sslpair.New(cctx, sctx)
	if err != nil {
		return err
	}
	_ = pair.Client.Handshake() // one step: ClientHello, then want-read
	d, err = pair.Client.Dup()
	if err != nil {
		return err
	}
	step(fmt.Sprintf("SSL_dup after one handshake step (same: %v)", d.SameObject(pair.Client)))
	d.Free()
	if err := pair.Handshake(); err != nil {
		return err
	}
	step(fmt.Sprintf("handshake done: %v %s", pair.Client.Version(), pair.Client.CurrentCipher()))
	got, err := pair.Send(pair.Client, pair.Server, []byte("hello over libssl"))
	if err != nil {
		return err
	}
	fmt.Printf("server read %q\n", got)
	if err := pair.ReadTickets(); err != nil {
		return err
	}
	sess := pair.Client.Session()
	fmt.Printf("client session resumable: %v\n", sess.IsResumable())
	if err := pair.Shutdown(); err != nil {
		return err
	}
	step("SSL_shutdown both ways")
	if err := pair.Client.Clear(); err != nil {
		return err
	}
	step(fmt.Sprintf("SSL_clear (before: %v)", pair.Client.InBefore()))
	pair.Free()
	step("SSL_free of the pair")

	pair, err = sslpair.New(cctx, sctx)
	if err != nil {
		return err
	}
	if err := pair.Client.SetSession(sess); err != nil {
		return err
	}
	sess.Free()
	if err := pair.Handshake(); err != nil {
		return err
	}
	step(fmt.Sprintf("SSL_set_session + handshake (reused: %v)", pair.Client.SessionReused()))
	pair.Free()
	cctx.Free()
	sctx.Free()
	step("everything freed")
	if l := libssl.LiveObjects(); l != (libssl.Objects{}) {
		return fmt.Errorf("objects still alive: %+v", l)
	}
	return nil
}
