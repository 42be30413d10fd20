package opensslgrpc_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"

	"github.com/libssl-go/libssl/grpc"
	"github.com/libssl-go/libssl/openssl"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// A gRPC server and client over libssl: where a program passes
// credentials.NewTLS(tlsConfig) to grpc.Creds or
// grpc.WithTransportCredentials, it passes opensslgrpc.NewCredentials with
// an openssl.Config instead. The client verifies the server's certificate
// against the host of its target, "localhost", and both sides negotiate
// ALPN "h2".
func Example() {
	caPEM, certPEM, keyPEM := mustRead("testdata/ca.pem"), mustRead("testdata/localhost.pem"), mustRead("testdata/localhost.key")

	// Server: grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: ...})) becomes
	serverCfg := &openssl.Config{Certificates: []openssl.Certificate{{CertPEM: certPEM, KeyPEM: keyPEM}}}
	defer serverCfg.Free()
	srv := grpc.NewServer(grpc.Creds(opensslgrpc.NewCredentials(serverCfg)))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Stop()

	// Client: grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: ...})) becomes
	clientCfg := &openssl.Config{RootCAs: caPEM}
	defer clientCfg.Free()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	cc, err := grpc.NewClient("localhost:"+port, grpc.WithTransportCredentials(opensslgrpc.NewCredentials(clientCfg)))
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()

	resp, err := healthpb.NewHealthClient(cc).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.GetStatus())
	// Output: SERVING
}

func mustRead(name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		log.Fatal(err)
	}
	return b
}
