package openssl

// The Conn type, its constructors, and the calls that move data: Read,
// Write, Close.

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	libssl "github.com/libssl-go/libssl"
)

const (
	// maxWriteChunk bounds what one SSL_write encrypts before the records go
	// to the transport: four full records.
	maxWriteChunk = 4 << 14
	// inBufSize holds one full TLS record with its header and overhead.
	inBufSize = 16384 + 2048
	// outBufSize holds the records one WriteAndDrain makes of a
	// maxWriteChunk (at most 2048 bytes of overhead per record), so that
	// a Write is one C call per chunk.
	outBufSize = maxWriteChunk + 4*2048
	// smallInBufSize is what a Read reads from the transport into while
	// reads are small (smallReadBufs).
	smallInBufSize = 2048
)

// The Conn's transport buffers are taken from these pools for one Read or
// Write and given back after, so that an idle Conn holds none and the
// steady state allocates nothing. A Read blocked on the transport holds
// one read buffer: 2 KiB while reads are small, 18 KiB during bulk.
var (
	readBufs      = sync.Pool{New: func() any { return new([inBufSize]byte) }}
	smallReadBufs = sync.Pool{New: func() any { return new([smallInBufSize]byte) }}
	writeBufs     = sync.Pool{New: func() any { return new([outBufSize]byte) }}
)

// Conn is a TLS connection over a net.Conn, run by libssl through memory
// BIOs that the Conn pumps from Go. It implements net.Conn with the semantics
// of crypto/tls.Conn: one goroutine may Read while another Writes; the
// handshake runs on first use or on Handshake; deadlines apply to the
// transport and interrupt a blocked Read, Write or handshake.
//
// Locks, taken in this order: handshakeMu runs the handshake once; writeMu
// admits one writer; in admits one reader; out orders what reaches the
// transport (it is held while records drained from the write BIO are
// written, so records go out in the order libssl made them); sslMu, taken
// only through withSSL (pump.go), serializes every call on the SSL and its
// BIOs and is never held during transport I/O.
type Conn struct {
	conn     net.Conn
	config   *Config
	isClient bool
	cacheKey string // client session cache key, "" without a cache
	name     string // the client's server name (SNI and verification)
	refused  string // why a cached session was not offered

	sslMu   sync.Mutex // withSSL's: the fields below up to the blank line are under it
	ssl     *libssl.SSL
	rbio    *libssl.BIO
	wbio    *libssl.BIO
	freed   bool
	offered *libssl.Session // the session offered for resumption, until stored
	needPut bool            // the client still has to store its session
	writing bool            // a Write has records not yet flushed
	psk     pskState        // the external PSK sessions handed to libssl (psk.go)

	sock sockIO // the socket path's state (socket.go); sock.raw is nil on the memory-BIO path

	handshakeMu   chan struct{} // a lock a waiter can give up on
	handshakeDone atomic.Bool
	handshakeErr  error // under handshakeMu
	state         ConnectionState
	peerDER       [][]byte
	parseOnce     sync.Once

	in       halfConn // the read side: its lock admits one reader
	eofSeen  bool     // the transport has ended (set under sslMu)
	bigReads bool     // the last transport read filled its buffer: read into a record-sized one

	writeMu sync.Mutex

	out             halfConn    // the transport's write side
	held            []byte      // under out: a TLS 1.3 server's tickets, sent before the next output
	wantFlush       atomic.Bool // a reader left output in the write BIO for out's holder
	closeNotifySent atomic.Bool
	closeNotifyErr  error // under out

	failMu  sync.Mutex
	failure error // the first error that broke the connection; sticky

	hooks hookState // the Config hooks' state (verifyhooks.go)

	// activeCall: bit 0 is set by Close; Write adds 2 while it runs. A
	// Close during a Write waits for it on closeWaiter (close.go).
	activeCall  atomic.Int32
	closeWaiter atomic.Pointer[closeWaiter]

	// netHTTP: net/http's Server.Serve or Transport made this connection,
	// and will speak HTTP/1.1 over it (nethttp_h2.go).
	netHTTP bool
}

// Client returns a client-side TLS connection over conn. The handshake runs
// on first I/O or on Handshake. Unless config.InsecureSkipVerify is set,
// config.ServerName must be set: the server's chain and host name are
// verified against it. A nil config uses the defaults (system roots).
// Called under net/http's Transport, a config that offers "h2" fails with
// ErrHTTP2OverNetHTTP.
func Client(conn net.Conn, config *Config) (*Conn, error) {
	if config == nil {
		config = defaultConfig
	}
	return newConnOffering(conn, config, true, config.ServerName)
}

// Server returns a server-side TLS connection over conn. config must carry
// a certificate (Certificates, or a Ctx that has one) or TLS 1.3
// PreSharedKeys. Called under net/http's Server.Serve, a config that
// offers "h2" fails with ErrHTTP2OverNetHTTP.
func Server(conn net.Conn, config *Config) (*Conn, error) {
	if config == nil {
		return nil, errors.New("openssl: Server needs a Config with a certificate")
	}
	return newConnOffering(conn, config, false, "")
}

// newConnOffering is newConn for a connection that offers config's
// NextProtos, refused where net/http would speak HTTP/1.1 over an h2 one.
func newConnOffering(conn net.Conn, config *Config, isClient bool, serverName string) (*Conn, error) {
	c, err := newConn(conn, config, isClient, serverName)
	if err != nil {
		return nil, err
	}
	if err := c.checkNetHTTPOffer(config.NextProtos); err != nil {
		c.release()
		return nil, err
	}
	return c, nil
}

func newConn(conn net.Conn, config *Config, isClient bool, serverName string) (*Conn, error) {
	c := &Conn{conn: conn, config: config, isClient: isClient, name: serverName, handshakeMu: make(chan struct{}, 1)}
	if mayOfferH2(config) {
		c.netHTTP = calledByNetHTTP(isClient)
	}
	config.useMu.RLock() // Config.Free waits for this SSL_new
	ctx, err := config.ctx(isClient)
	if err == nil {
		c.ssl, err = libssl.New(ctx)
	}
	config.useMu.RUnlock()
	if err != nil {
		return nil, err
	}
	if err = c.setupHooks(); err == nil {
		err = c.setup(serverName)
	}
	if err != nil {
		c.release()
		return nil, err
	}
	return c, nil
}

func (c *Conn) setup(serverName string) error {
	raw, err := rawConnOf(c.conn, c.config.SocketIO)
	if err != nil {
		return err
	}
	if raw != nil {
		err = c.setupSocket(raw)
	} else {
		err = c.setupMemoryBIOs()
	}
	if err != nil {
		return err
	}
	if c.config.ReleaseBuffers {
		if err = c.ssl.SetMode(libssl.ModeReleaseBuffers); err != nil {
			return err
		}
	}
	if !c.isClient {
		if err = c.ssl.SetAcceptState(); err != nil {
			return err
		}
		switch c.config.ClientAuth {
		case NoClientCert:
		case RequestClientCert:
			err = c.ssl.SetVerify(libssl.VerifyPeer, acceptAnyChain)
		case RequireAnyClientCert:
			err = c.ssl.SetVerify(libssl.VerifyPeer|libssl.VerifyFailIfNoPeerCert, acceptAnyChain)
		case VerifyClientCertIfGiven:
			err = c.ssl.SetVerify(libssl.VerifyPeer, nil)
		case RequireAndVerifyClientCert:
			err = c.ssl.SetVerify(libssl.VerifyPeer|libssl.VerifyFailIfNoPeerCert, nil)
		default:
			// Config.check rejects it for built contexts; a caller's Ctx too.
			err = fmt.Errorf("openssl: Config.ClientAuth: unknown ClientAuthType %d", int(c.config.ClientAuth))
		}
		return err
	}
	if err = c.ssl.SetConnectState(); err != nil {
		return err
	}
	ip := net.ParseIP(serverName)
	if serverName != "" && ip == nil {
		if err = c.ssl.SetHostName(serverName); err != nil {
			return err
		}
	}
	if !c.config.InsecureSkipVerify {
		switch {
		case serverName == "":
			return errors.New("openssl: either ServerName or InsecureSkipVerify must be set in the Config")
		case ip != nil:
			err = c.ssl.SetVerifyIP(serverName)
		default:
			err = c.ssl.SetVerifyHost(serverName)
		}
		if err != nil {
			return err
		}
		if err = c.ssl.SetVerify(libssl.VerifyPeer, nil); err != nil {
			return err
		}
	}
	if cache := c.config.ClientSessionCache; cache != nil {
		c.cacheKey = serverName
		if c.cacheKey == "" && c.conn.RemoteAddr() != nil {
			c.cacheKey = c.conn.RemoteAddr().String()
		}
		c.needPut = true
		if s := cache.Get(c.cacheKey); s != nil {
			if terr := c.config.sessionTrusted(s, serverName); terr != nil {
				c.refused = terr.Error()
				s.Free()
				return nil
			}
			err = c.ssl.SetSession(s)
			c.offered = s
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// setupMemoryBIOs gives the SSL the memory BIOs the pump fills and drains.
func (c *Conn) setupMemoryBIOs() error {
	var err error
	if c.rbio, err = libssl.NewMemBIO(); err != nil {
		return err
	}
	if c.wbio, err = libssl.NewMemBIO(); err != nil {
		return err
	}
	return c.ssl.SetBIO(c.rbio, c.wbio)
}

// release frees the SSL and the BIO handles once.
func (c *Conn) release() {
	_ = c.withSSL(func(s *libssl.SSL) error {
		c.freed = true
		s.Free()
		c.rbio.Free()
		c.wbio.Free()
		c.offered.Free()
		c.offered = nil
		c.psk.free()
		return nil
	})
}

// Read reads application data, running the handshake first if needed. It
// returns io.EOF after the peer's close_notify, and an error matching
// libssl.ErrUnexpectedEOF and io.ErrUnexpectedEOF when the transport ended
// without one.
//
// What the transport gave goes into the read BIO with the next SSL_read, in
// one C call (FeedAndRead): a Read with data buffered is one C call, one
// that waits for the network two.
func (c *Conn) Read(b []byte) (int, error) {
	if err := c.Handshake(); err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	c.in.Lock()
	defer c.in.Unlock()
	if c.in.err != nil {
		return 0, c.in.err
	}
	if err := c.failed("read"); err != nil {
		return 0, err
	}
	if c.sock.raw != nil {
		return c.readSocket(b)
	}
	var in transportIn
	defer in.release()
	for {
		n, needInput, err := c.readRecord(b, &in)
		if n > 0 || err != nil {
			return n, err
		}
		if needInput {
			if err := c.readTransport(&in); err != nil {
				return 0, err
			}
		}
	}
}

// Write encrypts b and writes it to the transport, running the handshake
// first if needed. It returns when every byte has reached the transport, or
// with the number of bytes that did and an error. After a failed transport
// write (a timeout included) every later Write fails.
func (c *Conn) Write(b []byte) (int, error) {
	if !c.enterWrite() {
		return 0, net.ErrClosed
	}
	defer c.leaveWrite()
	if err := c.Handshake(); err != nil {
		return 0, err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.closeNotifySent.Load() {
		return 0, errShutdown
	}
	if err := c.failed("write"); err != nil {
		return 0, err
	}
	defer c.endWrite()
	written := 0
	for written < len(b) {
		chunk := b[written:]
		if len(chunk) > maxWriteChunk {
			chunk = chunk[:maxWriteChunk]
		}
		n, err := c.writeRecords(chunk)
		if isWantRead(err) {
			// A renegotiation (Config.AllowRenegotiation) is under way and
			// needs the peer's records before data can go out.
			if err := c.awaitRenegotiation(); err != nil {
				return written, err
			}
			continue
		}
		if err != nil {
			return written, err
		}
		written += n
	}
	return written, nil
}

// LocalAddr returns the transport's local address.
func (c *Conn) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// RemoteAddr returns the transport's remote address.
func (c *Conn) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// SetDeadline sets the transport's read and write deadlines. A Write that
// times out leaves the connection unusable for writing.
func (c *Conn) SetDeadline(t time.Time) error { return c.conn.SetDeadline(t) }

// SetReadDeadline sets the transport's read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// SetWriteDeadline sets the transport's write deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.conn.SetWriteDeadline(t) }

// NetConn returns the transport. Reading or writing it directly corrupts
// the TLS stream.
func (c *Conn) NetConn() net.Conn { return c.conn }

// UnderlyingConn is NetConn, under spacemonkeygo/openssl's name.
func (c *Conn) UnderlyingConn() net.Conn { return c.conn }
