package libssl_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// A client context restricted to the default provider's algorithms: a
// library context with the default provider loaded, and SSL_CTX_new_ex
// with the property query "provider=default". On OpenSSL 1.1.1, which has
// no library contexts, the program falls back to NewCtx.
func ExampleNewCtxEx() {
	// The context is used and freed on this thread alone (see LibCtx).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tc := testcerts.Get()

	var cctx *libssl.Ctx
	l, err := libssl.NewLibCtx()
	switch {
	case errors.Is(err, libssl.ErrUnsupported): // OpenSSL 1.1.1: no providers
		fmt.Println("legacy provider available: false")
		cctx, err = libssl.NewCtx(libssl.TLSClientMethod)
	case err == nil:
		defer l.Free() // the SSL_CTX keeps the context until it goes
		p, _ := l.LoadProvider("default")
		defer p.Free()
		fmt.Println("legacy provider available:", l.ProviderAvailable("legacy"))
		cctx, err = libssl.NewCtxEx(l, "provider=default", libssl.TLSClientMethod)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cctx.Free()
	_ = cctx.AddTrustedCertPEM(tc.CACert)
	_ = cctx.SetVerify(libssl.VerifyPeer, nil)

	sctx, _ := libssl.NewCtx(libssl.TLSServerMethod)
	defer sctx.Free()
	_ = sctx.UseCertificatePEM(tc.LeafChain)
	_ = sctx.UsePrivateKeyPEM(tc.LeafKey)
	p, _ := sslpair.New(cctx, sctx)
	defer p.Free()
	fmt.Println("handshake:", p.Handshake())
	// Output:
	// legacy provider available: false
	// handshake: <nil>
}

// A server's certificate chain and private key loaded from a file through
// OSSL_STORE (LoadStore); a pkcs11: URI loads a token's key the same way
// when a PKCS#11 provider is loaded. On OpenSSL 1.1.1, which has no
// OSSL_STORE_open_ex, the program falls back to PEM files.
func ExampleLoadStore() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tc := testcerts.Get()
	dir, _ := os.MkdirTemp("", "libssl-store-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "server.pem")
	_ = os.WriteFile(path, append(append([]byte{}, tc.LeafChain...), tc.LeafKey...), 0o600)

	sctx, _ := libssl.NewCtx(libssl.TLSServerMethod)
	defer sctx.Free()
	objs, err := libssl.LoadStore("file:"+path, &libssl.StoreOptions{})
	switch {
	case errors.Is(err, libssl.ErrUnsupported): // OpenSSL 1.1.1
		_ = sctx.UseCertificateChainFile(path)
		_ = sctx.UsePrivateKeyFile(path)
		fmt.Println("certificates: 2, keys: 1")
	case err != nil:
		fmt.Println(err)
		return
	default:
		defer objs.Free() // the SSL_CTX holds references of its own
		fmt.Printf("certificates: %d, keys: %d\n", len(objs.Certificates), len(objs.PrivateKeys))
		_ = sctx.UseCertificate(objs.Certificates[0])
		_ = sctx.AddExtraChainCert(objs.Certificates[1])
		_ = sctx.UsePrivateKey(objs.PrivateKeys[0])
	}
	fmt.Println("key matches:", sctx.CheckPrivateKey() == nil)

	cctx, _ := libssl.NewCtx(libssl.TLSClientMethod)
	defer cctx.Free()
	_ = cctx.AddTrustedCertPEM(tc.CACert)
	_ = cctx.SetVerify(libssl.VerifyPeer, nil)
	p, _ := sslpair.New(cctx, sctx)
	defer p.Free()
	fmt.Println("handshake:", p.Handshake())
	// Output:
	// certificates: 2, keys: 1
	// key matches: true
	// handshake: <nil>
}
