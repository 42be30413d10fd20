package libssl_test

import (
	"testing"
)

// BenchmarkRecordBuffer moves 16 KiB records from client to server through
// SSL_write and SSL_read, with the caller's buffers as plain slices
// (impl=slice) and as arrays inside a struct that holds pointers
// (impl=struct), the shape net/http and x/net/http2 use. The I/O calls take
// an unsigned char * either way, so no copy is made and the two cost the
// same; compare with benchstat -col /impl.
func BenchmarkRecordBuffer(b *testing.B) {
	type holder struct {
		next *holder
		buf  [16 << 10]byte
	}
	for _, impl := range []string{"slice", "struct"} {
		b.Run("impl="+impl, func(b *testing.B) {
			sctx, cctx := serverCtx(b, ctxOpts{}), clientCtx(b, ctxOpts{})
			defer sctx.Free()
			defer cctx.Free()
			pair := newPair(b, cctx, sctx)
			defer pair.Free()
			if err := pair.Handshake(); err != nil {
				b.Fatal(err)
			}
			in, out := &holder{}, &holder{}
			in.next, out.next = out, in
			var wbuf, rbuf []byte
			if impl == "slice" {
				wbuf, rbuf = make([]byte, 16<<10), make([]byte, 16<<10)
			} else {
				wbuf, rbuf = out.buf[:], in.buf[:]
			}
			b.SetBytes(int64(len(wbuf)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := pair.Client.Write(wbuf); err != nil {
					b.Fatal(err)
				}
				if _, err := pair.Pump(); err != nil {
					b.Fatal(err)
				}
				for got := 0; got < len(wbuf); {
					n, err := pair.Server.Read(rbuf)
					if err != nil && !wouldBlock(err) {
						b.Fatal(err)
					}
					got += n
				}
			}
		})
	}
}
