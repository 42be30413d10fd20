package openssl

// Benchmarks, beside Go's crypto/tls: full and resumed TLS 1.3 handshakes
// over loopback TCP and net.Pipe, and bulk transfer (64 MiB in 16 KiB
// writes). Both sides use X25519, ECDSA P-256 and TLS_AES_128_GCM_SHA256.
// Each is also run by a C program doing the same with libssl directly (the
// .../c sub-benchmarks, see cbench_test.go).
// Run with `make bench-openssl` or `go test -run '^$' -bench . ./openssl`.

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
)

type hsConn interface {
	net.Conn
	Handshake() error
}

type impl struct {
	name           string
	client, server func(tb testing.TB, c net.Conn) hsConn
}

func implementations(tb testing.TB, resume bool) []impl {
	scfg := serverConfig(VersionTLS13)
	scfg.NextProtos = nil
	ccfg := clientConfig(VersionTLS13)
	ccfg.NextProtos = nil
	ccfg.CipherSuites = "TLS_AES_128_GCM_SHA256"
	if !resume {
		ccfg.ClientSessionCache = nil
	}
	tb.Cleanup(func() {
		if c, ok := ccfg.ClientSessionCache.(*LRUClientSessionCache); ok {
			c.Clear()
		}
		ccfg.Free()
		scfg.Free()
	})
	gs := goServerConfig(tb, VersionTLS13)
	gs.NextProtos = nil
	gs.CurvePreferences = []tls.CurveID{tls.X25519}
	gc := goClientConfig(VersionTLS13)
	gc.NextProtos = nil
	gc.CurvePreferences = []tls.CurveID{tls.X25519}
	if !resume {
		gc.ClientSessionCache = nil
	}
	return []impl{
		{
			name: "libssl",
			client: func(tb testing.TB, c net.Conn) hsConn {
				x, err := Client(c, ccfg)
				if err != nil {
					tb.Fatal(err)
				}
				return x
			},
			server: func(tb testing.TB, c net.Conn) hsConn {
				x, err := Server(c, scfg)
				if err != nil {
					tb.Fatal(err)
				}
				return x
			},
		},
		{
			name:   "cryptotls",
			client: func(tb testing.TB, c net.Conn) hsConn { return tls.Client(c, gc) },
			server: func(tb testing.TB, c net.Conn) hsConn { return tls.Server(c, gs) },
		},
	}
}

type transport struct {
	name string
	dial func(tb testing.TB) (client, server net.Conn)
}

func transports(tb testing.TB) []transport {
	return []transport{
		{"pipe", func(testing.TB) (net.Conn, net.Conn) { return net.Pipe() }},
		{"loopback", func(tb testing.TB) (net.Conn, net.Conn) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				tb.Fatal(err)
			}
			defer l.Close()
			ch := make(chan net.Conn, 1)
			go func() { c, _ := l.Accept(); ch <- c }()
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				tb.Fatal(err)
			}
			return c, <-ch
		}},
	}
}

// oneHandshake runs a handshake, one byte from server to client (so that a
// TLS 1.3 client reads its ticket), and a clean close.
func oneHandshake(b *testing.B, im impl, tr transport) bool {
	craw, sraw := tr.dial(b)
	cl, sv := im.client(b, craw), im.server(b, sraw)
	done := make(chan error, 1)
	go func() {
		err := sv.Handshake()
		if err == nil {
			_, err = sv.Write([]byte{1})
		}
		if err == nil {
			_, _ = io.Copy(io.Discard, sv) // until the client's close_notify
		}
		sv.Close()
		done <- err
	}()
	if err := cl.Handshake(); err != nil {
		b.Fatal(err)
	}
	var one [1]byte
	if _, err := io.ReadFull(cl, one[:]); err != nil {
		b.Fatal(err)
	}
	resumed := false
	switch c := cl.(type) {
	case *Conn:
		resumed = c.ConnectionState().DidResume
	case *tls.Conn:
		resumed = c.ConnectionState().DidResume
	}
	cl.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return resumed
}

func benchHandshake(b *testing.B, resume bool) {
	cb := buildCBench(b)
	mode := map[bool]string{false: "full", true: "resumed"}[resume]
	for _, tr := range transports(b) {
		b.Run("c/"+tr.name, func(b *testing.B) { cb.run(b, mode, tr.name, 0) })
		for _, im := range implementations(b, resume) {
			b.Run(im.name+"/"+tr.name, func(b *testing.B) {
				if resume {
					oneHandshake(b, im, tr) // fill the cache
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if got := oneHandshake(b, im, tr); got != resume {
						b.Fatalf("resumed = %v, want %v", got, resume)
					}
				}
			})
		}
	}
}

func BenchmarkHandshakeFull(b *testing.B)    { benchHandshake(b, false) }
func BenchmarkHandshakeResumed(b *testing.B) { benchHandshake(b, true) }

// BenchmarkBulk sends 64 MiB in 16 KiB writes from client to server per op.
func BenchmarkBulk(b *testing.B) {
	const total, chunk = 64 << 20, 16 << 10
	cb := buildCBench(b)
	for _, tr := range transports(b) {
		b.Run("c/"+tr.name, func(b *testing.B) { cb.run(b, "bulk", tr.name, total) })
		for _, im := range implementations(b, false) {
			b.Run(im.name+"/"+tr.name, func(b *testing.B) {
				craw, sraw := tr.dial(b)
				cl, sv := im.client(b, craw), im.server(b, sraw)
				defer cl.Close()
				defer sv.Close()
				errc := make(chan error, 1)
				go func() {
					err := sv.Handshake()
					if err == nil {
						_, err = sv.Write([]byte{1})
					}
					errc <- err
				}()
				// Reading a byte also takes in the server's TLS 1.3 tickets,
				// which net.Pipe would otherwise leave blocked.
				var one [1]byte
				if _, err := io.ReadFull(cl, one[:]); err != nil {
					b.Fatal(err)
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
				buf := make([]byte, chunk)
				b.SetBytes(total)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					go func() {
						rb := make([]byte, chunk)
						var err error
						for got := 0; got < total && err == nil; {
							var n int
							n, err = sv.Read(rb)
							got += n
						}
						errc <- err
					}()
					for sent := 0; sent < total; sent += chunk {
						if _, err := cl.Write(buf); err != nil {
							b.Fatal(err)
						}
					}
					if err := <-errc; err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
