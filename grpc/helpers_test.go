package opensslgrpc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libssl-go/libssl/openssl"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// pki is a CA with a server certificate for "localhost" (a DNS name only,
// so that dialing 127.0.0.1 without a server name fails verification)
// and a client certificate, made for each test run.
type pki struct {
	caPEM                []byte
	pool                 *x509.CertPool
	serverCert           []byte // PEM
	serverKey            []byte
	clientCert           []byte
	clientKey            []byte
	serverTLS, clientTLS tls.Certificate
}

func newPKI(t testing.TB, caName string) *pki {
	t.Helper()
	caKey := mustKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: caName},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{caPEM: pemBlock("CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	leaf := func(serial int64, cn string, dns []string, eku x509.ExtKeyUsage) (certPEM, keyPEM []byte, tc tls.Certificate) {
		k := mustKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			DNSNames:     dns,
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{eku},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		certPEM, keyPEM = pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", kder)
		tc, err = tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return certPEM, keyPEM, tc
	}
	p.serverCert, p.serverKey, p.serverTLS = leaf(2, "server", []string{"localhost"}, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey, p.clientTLS = leaf(3, "client", nil, x509.ExtKeyUsageClientAuth)
	return p
}

func mustKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// impl is one side's TLS: this package's credentials ("libssl") or grpc's
// own over crypto/tls ("crypto/tls").
type impl string

const (
	libsslImpl impl = "libssl"
	goImpl     impl = "crypto/tls"
)

// pairs are the combinations every end-to-end test runs: each role of this
// package against crypto/tls on the other side, and both sides libssl.
var pairs = []struct{ client, server impl }{
	{libsslImpl, goImpl},
	{goImpl, libsslImpl},
	{libsslImpl, libsslImpl},
}

func forEachPair(t *testing.T, f func(t *testing.T, client, server impl)) {
	for _, p := range pairs {
		t.Run(fmt.Sprintf("client=%s,server=%s", p.client, p.server), func(t *testing.T) {
			f(t, p.client, p.server)
		})
	}
}

// serverCreds returns the server's credentials; mTLS requires and
// verifies a client certificate from p's CA.
func serverCreds(t testing.TB, p *pki, which impl, mTLS bool) credentials.TransportCredentials {
	if which == goImpl {
		cfg := &tls.Config{Certificates: []tls.Certificate{p.serverTLS}}
		if mTLS {
			cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, p.pool
		}
		return credentials.NewTLS(cfg)
	}
	cfg := &openssl.Config{Certificates: []openssl.Certificate{{CertPEM: p.serverCert, KeyPEM: p.serverKey}}}
	if mTLS {
		cfg.ClientAuth, cfg.ClientCAs = openssl.RequireAndVerifyClientCert, p.caPEM
	}
	t.Cleanup(cfg.Free)
	return NewCredentials(cfg)
}

// clientCreds returns a client's credentials trusting p's CA, with p's
// client certificate when mTLS.
func clientCreds(t testing.TB, p *pki, which impl, mTLS bool) credentials.TransportCredentials {
	if which == goImpl {
		cfg := &tls.Config{RootCAs: p.pool}
		if mTLS {
			cfg.Certificates = []tls.Certificate{p.clientTLS}
		}
		return credentials.NewTLS(cfg)
	}
	cfg := &openssl.Config{RootCAs: p.caPEM}
	if mTLS {
		cfg.Certificates = []openssl.Certificate{{CertPEM: p.clientCert, KeyPEM: p.clientKey}}
	}
	t.Cleanup(cfg.Free)
	return NewCredentials(cfg)
}

// rawCodec carries messages as raw bytes (*[]byte), so that the tests need
// no generated protobuf code.
type rawCodec struct{}

func (rawCodec) Name() string { return "raw" }

func (rawCodec) Marshal(v any) ([]byte, error) {
	p, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: %T is not *[]byte", v)
	}
	return *p, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	p, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: %T is not *[]byte", v)
	}
	*p = append((*p)[:0], data...)
	return nil
}

const maxMsg = 64 << 20

// The test service's methods, served by handle through
// grpc.UnknownServiceHandler.
const (
	mUnary        = "/test.Echo/Unary"        // echoes the one request
	mClientStream = "/test.Echo/ClientStream" // replies with the concatenation of every request
	mServerStream = "/test.Echo/ServerStream" // request: a count n (uint32); n replies, reply i = i
	mBidi         = "/test.Echo/Bidi"         // echoes each request
	mPeer         = "/test.Echo/Peer"         // replies with the client certificate's CN, from peer.FromContext
	mBlock        = "/test.Echo/Block"        // blocks until the call ends, sending nothing
)

// handle serves the test service; started counts the Block calls running.
func handle(started *atomic.Int32) grpc.StreamHandler {
	return func(_ any, st grpc.ServerStream) error {
		method, _ := grpc.MethodFromServerStream(st)
		var msg []byte
		switch method {
		case mUnary:
			if err := st.RecvMsg(&msg); err != nil {
				return err
			}
			return st.SendMsg(&msg)
		case mClientStream:
			var all []byte
			for {
				if err := st.RecvMsg(&msg); err == io.EOF {
					return st.SendMsg(&all)
				} else if err != nil {
					return err
				}
				all = append(all, msg...)
			}
		case mServerStream:
			if err := st.RecvMsg(&msg); err != nil {
				return err
			}
			for i := range binary.BigEndian.Uint32(msg) {
				reply := binary.BigEndian.AppendUint32(nil, i)
				if err := st.SendMsg(&reply); err != nil {
					return err
				}
			}
			return nil
		case mBidi:
			for {
				if err := st.RecvMsg(&msg); err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
				if err := st.SendMsg(&msg); err != nil {
					return err
				}
			}
		case mPeer:
			if err := st.RecvMsg(&msg); err != nil {
				return err
			}
			p, ok := peer.FromContext(st.Context())
			if !ok {
				return errors.New("no peer in the context")
			}
			info, ok := p.AuthInfo.(credentials.TLSInfo)
			if !ok {
				return fmt.Errorf("AuthInfo is %T, not credentials.TLSInfo", p.AuthInfo)
			}
			if info.SecurityLevel != credentials.PrivacyAndIntegrity {
				return fmt.Errorf("security level %v", info.SecurityLevel)
			}
			if len(info.State.PeerCertificates) == 0 || len(info.State.VerifiedChains) == 0 {
				return fmt.Errorf("no verified client certificate: %d certificates, %d chains",
					len(info.State.PeerCertificates), len(info.State.VerifiedChains))
			}
			cn := []byte(info.State.PeerCertificates[0].Subject.CommonName)
			return st.SendMsg(&cn)
		case mBlock:
			started.Add(1)
			<-st.Context().Done()
			return st.Context().Err()
		}
		return fmt.Errorf("unknown method %q", method)
	}
}

// testServer is a gRPC server of the test service on a loopback port.
type testServer struct {
	srv     *grpc.Server
	addr    string // "localhost:PORT"
	accepts atomic.Int32
	blocked atomic.Int32 // Block calls running
	done    chan error
}

// countingListener counts the connections accepted.
type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func startServer(t testing.TB, creds credentials.TransportCredentials, opts ...grpc.ServerOption) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{done: make(chan error, 1)}
	opts = append([]grpc.ServerOption{
		grpc.Creds(creds),
		grpc.ForceServerCodec(rawCodec{}),
		grpc.UnknownServiceHandler(handle(&ts.blocked)),
		grpc.MaxRecvMsgSize(maxMsg),
		grpc.MaxSendMsgSize(maxMsg),
	}, opts...)
	ts.srv = grpc.NewServer(opts...)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	ts.addr = net.JoinHostPort("localhost", port)
	go func() { ts.done <- ts.srv.Serve(countingListener{l, &ts.accepts}) }()
	t.Cleanup(func() {
		ts.srv.Stop()
		<-ts.done
	})
	return ts
}

// dial makes a client of target; the connection is made on first use.
func dial(t testing.TB, target string, creds credentials.TransportCredentials, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	opts = append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallRecvMsgSize(maxMsg), grpc.MaxCallSendMsgSize(maxMsg)),
	}, opts...)
	cc, err := grpc.NewClient(target, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func mustEqual(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		if len(got) > 64 || len(want) > 64 {
			t.Fatalf("%s: got %d bytes, want %d (or they differ)", what, len(got), len(want))
		}
		t.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

// tcpPair is a connected pair of loopback TCP sockets (client, server),
// closed when the test ends.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}
