package openssl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
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
// Locks: sslMu serializes every call on the SSL and its BIOs and is never
// held during transport I/O; outMu orders what reaches the transport (it is
// held while records drained from the write BIO are written, so records go
// out in the order libssl made them); readMu and writeMu admit one reader
// and one writer; handshakeMu runs the handshake once.
type Conn struct {
	conn     net.Conn
	config   *Config
	isClient bool
	cacheKey string // client session cache key, "" without a cache
	name     string // the client's server name (SNI and verification)
	refused  string // why a cached session was not offered

	sslMu   sync.Mutex
	ssl     *libssl.SSL
	rbio    *libssl.BIO
	wbio    *libssl.BIO
	freed   bool
	offered *libssl.Session // the session offered for resumption, until stored
	needPut bool            // the client still has to store its session

	handshakeMu   chan struct{} // a lock a waiter can give up on
	handshakeDone atomic.Bool
	handshakeErr  error
	state         ConnectionState
	peerDER       [][]byte
	parseOnce     sync.Once

	readMu   sync.Mutex
	eofSeen  bool
	bigReads bool // the last transport read filled its buffer: read into a record-sized one
	readErr  error

	writeMu sync.Mutex

	outMu           sync.Mutex
	held            []byte // under outMu: a TLS 1.3 server's tickets, sent before the next output
	outErr          error
	wantFlush       atomic.Bool
	writing         bool // under sslMu: a Write has records not yet flushed
	closeNotifySent atomic.Bool
	closeNotifyErr  error

	failMu  sync.Mutex
	failure error // the first error that broke the connection; sticky

	x connExtra // issue 13's hooks and state (verifyhooks.go)

	// activeCall: bit 0 is set by Close; Write adds 2 while it runs (as in
	// crypto/tls, a Close during a Write only closes the transport).
	activeCall atomic.Int32
}

// Client returns a client-side TLS connection over conn. The handshake runs
// on first I/O or on Handshake. Unless config.InsecureSkipVerify is set,
// config.ServerName must be set: the server's chain and host name are
// verified against it. A nil config uses the defaults (system roots).
func Client(conn net.Conn, config *Config) (*Conn, error) {
	if config == nil {
		config = defaultConfig
	}
	return newConn(conn, config, true, config.ServerName)
}

// Server returns a server-side TLS connection over conn. config must carry
// a certificate (Certificates, or a Ctx that has one).
func Server(conn net.Conn, config *Config) (*Conn, error) {
	if config == nil {
		return nil, errors.New("openssl: Server needs a Config with a certificate")
	}
	return newConn(conn, config, false, "")
}

func newConn(conn net.Conn, config *Config, isClient bool, serverName string) (*Conn, error) {
	c := &Conn{conn: conn, config: config, isClient: isClient, name: serverName, handshakeMu: make(chan struct{}, 1)}
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
	var err error
	if c.rbio, err = libssl.NewMemBIO(); err != nil {
		return err
	}
	if c.wbio, err = libssl.NewMemBIO(); err != nil {
		return err
	}
	if err = c.ssl.SetBIO(c.rbio, c.wbio); err != nil {
		return err
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

// SetSession offers s for resumption at the coming handshake
// (SSL_set_session). The SSL takes its own reference; the caller keeps s.
// It must be called before the handshake starts. On a client that verifies
// the server, a session whose server would not pass this Config's
// verification now (see ErrSessionNotTrusted) is refused with an error.
func (c *Conn) SetSession(s *libssl.Session) error {
	if s != nil {
		// A freed session is reported as such, before any policy.
		ref, err := s.UpRef()
		if err != nil {
			return fmt.Errorf("openssl: SetSession: %w", err)
		}
		ref.Free()
	}
	if c.isClient && s != nil {
		if err := c.config.sessionTrusted(s, c.name); err != nil {
			return err
		}
	}
	c.sslMu.Lock()
	defer c.sslMu.Unlock()
	if c.freed {
		return net.ErrClosed
	}
	if !c.ssl.InBefore() {
		return errors.New("openssl: SetSession after the handshake started")
	}
	if err := c.ssl.SetSession(s); err != nil {
		return err
	}
	if c.offered != nil {
		c.offered.Free()
		c.offered = nil
	}
	if s != nil {
		c.offered, _ = s.UpRef()
	}
	return nil
}

// release frees the SSL and the BIO handles once.
func (c *Conn) release() {
	c.sslMu.Lock()
	defer c.sslMu.Unlock()
	if c.freed {
		return
	}
	c.freed = true
	c.ssl.Free()
	c.rbio.Free()
	c.wbio.Free()
	c.offered.Free()
	c.offered = nil
}

// acceptAnyChain is the verify callback of RequestClientCert and
// RequireAnyClientCert: the chain is recorded, not judged.
func acceptAnyChain(bool, *libssl.VerifyContext) bool { return true }

// Handshake runs the handshake if it has not run yet. Read and Write call it.
func (c *Conn) Handshake() error {
	return c.HandshakeContext(context.Background())
}

// HandshakeContext is Handshake bounded by ctx, with crypto/tls's semantics:
// when ctx is done before the handshake has completed, also while another
// goroutine is running the handshake, it closes the transport (which ends
// that other goroutine's handshake too) and returns ctx.Err() without
// waiting. If ctx ends just as the handshake completes, the transport is
// closed and ctx.Err() is returned as well: a nil result always means a
// usable connection.
func (c *Conn) HandshakeContext(ctx context.Context) (ret error) {
	if c.handshakeDone.Load() {
		return nil
	}
	if ctx.Done() != nil {
		done := make(chan struct{})
		interrupted := make(chan error, 1)
		go func() {
			select {
			case <-ctx.Done():
				_ = c.conn.Close()
				interrupted <- ctx.Err()
			case <-done:
				interrupted <- nil
			}
		}()
		defer func() {
			close(done)
			if err := <-interrupted; err != nil {
				ret = err
			}
		}()
	}
	select {
	case c.handshakeMu <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.handshakeMu }()
	if c.handshakeErr != nil {
		return c.handshakeErr
	}
	if c.handshakeDone.Load() {
		return nil
	}
	finished := false
	defer func() {
		if !finished {
			// A Config hook panicked (the panic goes on to the caller):
			// the handshake is over, and a later call must not run it again.
			c.handshakeErr = errHookPanicked
			c.fail("handshake", errHookPanicked)
		}
	}()
	err := c.handshake()
	finished = true
	if err != nil {
		c.handshakeErr = err
		if !isTimeout(err) {
			c.fail("handshake", err)
		}
		return err
	}
	c.handshakeDone.Store(true)
	return nil
}

func (c *Conn) handshake() error {
	for {
		var err error
		held := false
		if serr := c.withSSL(func(s *libssl.SSL) error {
			err = s.Handshake()
			held = err == nil && !c.isClient && s.Version() >= libssl.TLS1_3
			return nil
		}); serr != nil {
			return serr
		}
		if held {
			c.holdTickets()
			return c.completeHandshake()
		}
		if err != nil && !errors.Is(err, libssl.ErrWantRead) && !errors.Is(err, libssl.ErrWantWrite) {
			// The failure is recorded before the alert goes out, so that a
			// transport that refuses the alert cannot take its place.
			herr := c.handshakeFailure(err)
			c.fail("handshake", herr)
			_ = c.flush()
			return herr
		}
		// Whatever the step made goes out.
		if ferr := c.flush(); ferr != nil {
			if err == nil || errors.Is(err, libssl.ErrWantRead) {
				return ferr
			}
		}
		switch {
		case err == nil:
			return c.completeHandshake()
		case errors.Is(err, libssl.ErrWantRead):
			if err := c.fill(); err != nil {
				return err
			}
		case errors.Is(err, libssl.ErrWantWrite):
			// A memory BIO never refuses a write; the flush above drained it.
		default:
			return c.handshakeFailure(err)
		}
	}
}

// errHookPanicked is the handshake's error once a Config hook panicked
// during it.
var errHookPanicked = errors.New("openssl: handshake: a Config hook panicked")

// withSSL runs f on the SSL under sslMu, or returns net.ErrClosed once the
// SSL has been freed. The unlock is deferred, so that a panic f raises (a
// Config hook's, raised again by the root package on this goroutine) leaves
// the SSL usable by Close. Lock order: outMu before sslMu.
func (c *Conn) withSSL(f func(*libssl.SSL) error) error {
	c.sslMu.Lock()
	defer c.sslMu.Unlock()
	if c.freed {
		return net.ErrClosed
	}
	return f(c.ssl)
}

// holdTickets keeps what a TLS 1.3 server's last handshake step wrote: only
// its session tickets. Sending them now would block the handshake on a peer
// that does not read (net.Pipe), and left unread by a client that only
// writes they make its close a TCP reset that destroys what it sent. They
// go out with this side's next output (data, alert, close_notify) instead.
func (c *Conn) holdTickets() {
	c.outMu.Lock() // outMu before sslMu, as flushLocked takes them
	defer c.outMu.Unlock()
	_ = c.withSSL(func(*libssl.SSL) error { c.holdLocked(); return nil })
}

// handshakeFailure turns a failed verification into a
// CertificateVerificationError.
func (c *Conn) handshakeFailure(err error) error {
	if herr := c.hookFailure(err); herr != nil {
		return herr
	}
	c.sslMu.Lock()
	v := libssl.VerifyOK
	if !c.freed {
		v = c.ssl.VerifyResult()
	}
	c.sslMu.Unlock()
	if v != libssl.VerifyOK && (c.isClient && !c.config.InsecureSkipVerify || !c.isClient && c.config.ClientAuth != NoClientCert) {
		return &CertificateVerificationError{VerifyResult: v, Reason: libssl.VerifyResultString(v), Err: err}
	}
	if errors.Is(err, libssl.ErrUnexpectedEOF) {
		return fmt.Errorf("openssl: handshake: connection closed by peer: %w", err)
	}
	return fmt.Errorf("openssl: handshake: %w", err)
}

func (c *Conn) completeHandshake() error {
	c.sslMu.Lock()
	defer c.sslMu.Unlock()
	if c.freed {
		return net.ErrClosed
	}
	s := c.ssl
	c.state = ConnectionState{
		Version:            uint16(s.Version()),
		HandshakeComplete:  true,
		DidResume:          s.SessionReused(),
		CipherSuite:        s.CurrentCipherID(),
		CipherName:         s.CurrentCipher(),
		NegotiatedProtocol: s.ALPNSelected(),
		ServerName:         s.ServerName(),
		VerifyResult:       s.VerifyResult(),
		SessionRefused:     c.refused,
	}
	if c.isClient && c.state.DidResume && !c.config.InsecureSkipVerify && c.config.Ctx == nil &&
		c.state.VerifyResult != libssl.VerifyOK {
		// libssl does not verify again on resumption; it copies the
		// session's result. SetSession and the cache check refuse such
		// sessions; this is the last guard.
		v := c.state.VerifyResult
		c.state = ConnectionState{}
		return &CertificateVerificationError{VerifyResult: v, Reason: libssl.VerifyResultString(v),
			Err: errors.New("openssl: the resumed session's server was not verified")}
	}
	if !c.isClient && c.state.DidResume {
		// libssl asks nothing of a resuming client: hold the session to this
		// Config's ClientAuth (a Ctx shared by Configs with different
		// policies would otherwise let a session made without a
		// certificate in).
		hasCert := false
		if leaf := s.PeerCertificate(); leaf != nil {
			hasCert = true
			leaf.Free()
		}
		a := c.config.ClientAuth
		if (a == RequireAnyClientCert || a == RequireAndVerifyClientCert) && !hasCert {
			c.state = ConnectionState{}
			return errors.New("openssl: handshake: the resumed session has no client certificate and Config.ClientAuth requires one")
		}
		if a.verifies() && hasCert && c.state.VerifyResult != libssl.VerifyOK {
			v := c.state.VerifyResult
			c.state = ConnectionState{}
			return &CertificateVerificationError{VerifyResult: v, Reason: libssl.VerifyResultString(v),
				Err: errors.New("openssl: the resumed session's client certificate was not verified")}
		}
	}
	chain, err := s.PeerCertChainDER()
	if err != nil {
		return err
	}
	if !c.isClient {
		// libssl's server-side chain leaves out the client's leaf.
		if leaf := s.PeerCertificate(); leaf != nil {
			der, err := leaf.DER()
			leaf.Free()
			if err != nil {
				return err
			}
			chain = append([][]byte{der}, chain...)
		}
	}
	c.peerDER = chain
	if err := c.completeMoreLocked(); err != nil {
		return err
	}
	c.storeSessionLocked()
	return nil
}

// storeSessionLocked puts the client's session into the cache once libssl
// says it is resumable and it is not the one that was offered (a TLS 1.3
// session becomes resumable when the server's ticket has been read).
func (c *Conn) storeSessionLocked() {
	if !c.needPut || c.freed {
		return
	}
	if c.offered != nil && c.ssl.SessionIs(c.offered) {
		if c.ssl.SessionReused() && c.ssl.Version() < libssl.TLS1_3 {
			c.needPut = false // a TLS 1.2 resumption keeps the cached session
		}
		return
	}
	sess := c.ssl.Session()
	if sess == nil {
		return
	}
	if !sess.IsResumable() {
		sess.Free()
		return
	}
	c.needPut = false
	c.offered.Free()
	c.offered = nil
	if !c.config.InsecureSkipVerify && c.state.VerifyResult == libssl.VerifyOK {
		var leaf []byte
		if len(c.peerDER) > 0 {
			leaf = c.peerDER[0]
		}
		c.config.recordOwnSession(sess, c.name, leaf)
	}
	c.config.ClientSessionCache.Put(c.cacheKey, sess)
}

// fill reads once from the transport into the read BIO (the handshake's
// pump; Read feeds and reads in one call). At the transport's end it marks
// the BIO's end, so that libssl reports it.
func (c *Conn) fill() error {
	if c.eofSeen {
		return libssl.ErrUnexpectedEOF
	}
	buf := readBufs.Get().(*[inBufSize]byte)
	defer readBufs.Put(buf)
	n, err := c.conn.Read(buf[:])
	if n > 0 || err == io.EOF {
		if werr := c.feed(buf[:n], err == io.EOF); werr != nil {
			return werr
		}
		if err == io.EOF {
			return nil
		}
	}
	return err
}

// feed writes what the transport gave into the read BIO, and marks the
// BIO's end when the transport has ended.
func (c *Conn) feed(in []byte, eof bool) error {
	c.sslMu.Lock()
	defer c.sslMu.Unlock()
	if c.freed {
		return net.ErrClosed
	}
	var err error
	if len(in) > 0 {
		_, err = c.rbio.Write(in)
	}
	if eof {
		c.eofSeen = true
		_ = c.rbio.SetEOF()
	}
	return err
}

// flush writes everything the write BIO holds to the transport.
func (c *Conn) flush() error {
	c.outMu.Lock()
	err := c.flushLocked()
	c.unlockOut()
	return err
}

// flushLocked drains the write BIO to the transport until it is empty; the
// caller holds outMu. Output a reader adds meanwhile sets wantFlush, which
// unlockOut serves.
func (c *Conn) flushLocked() error {
	var buf *[outBufSize]byte
	defer func() {
		if buf != nil {
			writeBufs.Put(buf)
		}
	}()
	for {
		if c.outErr != nil {
			c.wantFlush.Store(false)
			return c.outErr
		}
		c.sslMu.Lock()
		c.wantFlush.Store(false)
		d, pend := 0, 0
		if !c.freed {
			if buf == nil {
				buf = writeBufs.Get().(*[outBufSize]byte)
			}
			_, d, pend, _ = c.ssl.WriteAndDrain(nil, buf[:])
		}
		c.sslMu.Unlock()
		if d > 0 {
			if err := c.sendLocked(buf[:d]); err != nil {
				return err
			}
		}
		if pend == 0 {
			return nil
		}
	}
}

// sendLocked writes records to the transport, after a TLS 1.3 server's
// held tickets; the caller holds outMu. A failed write breaks the
// connection for every later write.
func (c *Conn) sendLocked(out []byte) error {
	if len(c.held) > 0 {
		out = append(c.held, out...)
		c.held = nil
	}
	if _, err := c.conn.Write(out); err != nil {
		// Part of a record may have reached the peer: the stream is lost.
		c.outErr = &permanentError{err: err}
		if !isTimeout(err) {
			c.fail("write", c.outErr)
		}
		return c.outErr
	}
	return nil
}

// holdLocked moves what the write BIO holds into held; the caller holds
// outMu and sslMu.
func (c *Conn) holdLocked() {
	buf := writeBufs.Get().(*[outBufSize]byte)
	defer writeBufs.Put(buf)
	for {
		_, d, pend, _ := c.ssl.WriteAndDrain(nil, buf[:])
		c.held = append(c.held, buf[:d]...)
		if d == 0 || pend == 0 {
			return
		}
	}
}

// unlockOut releases outMu, first flushing output a reader left behind while
// outMu was busy.
func (c *Conn) unlockOut() {
	for {
		c.outMu.Unlock()
		if !c.wantFlush.Load() || !c.outMu.TryLock() {
			return
		}
		_ = c.flushLocked()
	}
}

// Read reads application data, running the handshake first if needed. It
// returns io.EOF after the peer's close_notify, and an error matching
// libssl.ErrUnexpectedEOF and io.ErrUnexpectedEOF when the transport ended
// without one.
func (c *Conn) Read(b []byte) (int, error) {
	if err := c.Handshake(); err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.readErr != nil {
		return 0, c.readErr
	}
	if err := c.failed("read"); err != nil {
		return 0, err
	}
	// What the transport gave goes into the read BIO with the next
	// SSL_read, in one C call (FeedAndRead): a Read with data buffered is
	// one C call, one that waits for the network two.
	//
	// The transport read goes into a small buffer unless the last one
	// filled it: a Read that waits on an idle connection then holds 2 KiB,
	// not a record's 18 KiB, and bulk transfer reads whole records.
	var big *[inBufSize]byte
	var small *[smallInBufSize]byte
	defer func() {
		if big != nil {
			readBufs.Put(big)
		}
		if small != nil {
			smallReadBufs.Put(small)
		}
	}()
	var in []byte
	inLen, inEOF := 0, false
	for {
		c.sslMu.Lock()
		if c.freed {
			c.sslMu.Unlock()
			return 0, net.ErrClosed
		}
		var feed []byte
		if inLen > 0 {
			feed = in[:inLen]
		}
		if inEOF {
			c.eofSeen = true
		}
		n, outPending, err := c.ssl.FeedAndRead(feed, inEOF, b)
		inLen, inEOF = 0, false
		pending := false
		if err != nil && outPending > 0 {
			// Something to send (an alert, a KeyUpdate answer). While a
			// Write is under way the output may be its records: leave them
			// to its flush (which drains the BIO until empty), so that this
			// reader never blocks on the transport for the writer.
			c.wantFlush.Store(true)
			pending = !c.writing
		}
		if c.needPut {
			c.storeSessionLocked()
		}
		c.sslMu.Unlock()
		if n > 0 {
			return n, nil
		}
		var fatal error
		switch {
		case err == nil, err == libssl.ErrWantRead, errors.Is(err, libssl.ErrWantRead), errors.Is(err, libssl.ErrZeroReturn):
		case errors.Is(err, libssl.ErrUnexpectedEOF):
			fatal = fmt.Errorf(msgTruncated, err)
		default:
			fatal = fmt.Errorf("openssl: read: %w", err)
		}
		if fatal != nil {
			// Recorded before the alert libssl queued goes out, so that a
			// transport that refuses the alert cannot take its place.
			c.readErr = c.fail("read", fatal)
		}
		if pending && c.outMu.TryLock() {
			_ = c.flushLocked()
			c.unlockOut()
		}
		if fatal != nil {
			return 0, c.readErr
		}
		switch {
		case err == libssl.ErrWantRead || errors.Is(err, libssl.ErrWantRead):
			if c.eofSeen {
				c.readErr = c.fail("read", fmt.Errorf(msgTruncated, libssl.ErrUnexpectedEOF))
				return 0, c.readErr
			}
			if c.bigReads {
				if big == nil {
					big = readBufs.Get().(*[inBufSize]byte)
				}
				in = big[:]
			} else {
				if small == nil {
					small = smallReadBufs.Get().(*[smallInBufSize]byte)
				}
				in = small[:]
			}
			m, rerr := c.conn.Read(in)
			c.bigReads = m == len(in) || c.bigReads && m > smallInBufSize
			if rerr == nil || rerr == io.EOF {
				inLen, inEOF = m, rerr == io.EOF
				continue
			}
			if m > 0 {
				// Data and an error together: keep the data for the next
				// Read before reporting the error.
				if ferr := c.feed(in[:m], false); ferr != nil {
					rerr = ferr
				}
			}
			if isTimeout(rerr) {
				return 0, rerr // a timeout can be retried
			}
			// A reset or a closed transport stays.
			c.readErr = c.fail("read", fmt.Errorf("openssl: read: %w", rerr))
			return 0, c.readErr
		case errors.Is(err, libssl.ErrZeroReturn):
			c.readErr = io.EOF
			return 0, io.EOF
		case err == nil:
			// SSL_read returned no data and no error: try again.
		}
	}
}

// Write encrypts b and writes it to the transport, running the handshake
// first if needed. It returns when every byte has reached the transport, or
// with the number of bytes that did and an error. After a failed transport
// write (a timeout included) every later Write fails.
func (c *Conn) Write(b []byte) (int, error) {
	for {
		x := c.activeCall.Load()
		if x&1 != 0 {
			return 0, net.ErrClosed
		}
		if c.activeCall.CompareAndSwap(x, x+2) {
			break
		}
	}
	defer func() {
		if c.activeCall.Add(-2) == 1 {
			c.release() // Close ran during this Write
		}
	}()
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
	defer func() {
		c.sslMu.Lock()
		c.writing = false
		c.sslMu.Unlock()
		if c.wantFlush.Load() {
			_ = c.flush() // what a reader left to this Write's flush
		}
	}()
	written := 0
	for written < len(b) {
		chunk := b[written:]
		if len(chunk) > maxWriteChunk {
			chunk = chunk[:maxWriteChunk]
		}
		n, err := c.writeRecords(chunk)
		if err == libssl.ErrWantRead || errors.Is(err, libssl.ErrWantRead) {
			// A renegotiation (Config.AllowRenegotiation) is under way and
			// needs the peer's records before data can go out.
			if ferr := c.flush(); ferr != nil {
				return written, ferr
			}
			if ferr := c.fillForWrite(); ferr != nil {
				if isTimeout(ferr) {
					return written, ferr
				}
				return written, c.fail("write", ferr)
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

// writeRecords encrypts chunk and sends its records, in one C call
// (WriteAndDrain) and one transport write. It holds outMu throughout, so
// that records reach the transport in the order libssl made them. On a
// failed transport write none of chunk counts as written.
func (c *Conn) writeRecords(chunk []byte) (int, error) {
	c.outMu.Lock()
	defer c.unlockOut()
	if c.outErr != nil {
		return 0, c.outErr
	}
	buf := writeBufs.Get().(*[outBufSize]byte)
	defer writeBufs.Put(buf)
	c.sslMu.Lock()
	if c.freed {
		c.sslMu.Unlock()
		return 0, net.ErrClosed
	}
	c.writing = true
	c.wantFlush.Store(false) // this drain takes what a reader left too
	n, d, pend, err := c.ssl.WriteAndDrain(chunk, buf[:])
	c.sslMu.Unlock()
	if err == libssl.ErrWantRead || errors.Is(err, libssl.ErrWantRead) {
		return 0, err
	}
	if err != nil {
		_ = c.flushLocked() // the alert libssl queued, if any
		return 0, c.fail("write", fmt.Errorf("openssl: write: %w", err))
	}
	if d > 0 {
		if err := c.sendLocked(buf[:d]); err != nil {
			return 0, err
		}
	}
	if pend > 0 {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// fillForWrite reads the transport for a Write that met a renegotiation.
// It takes readMu, so it waits while a Read is under way (that Read moves
// the handshake on); it reads only if libssl is still in the handshake with
// nothing buffered to process.
func (c *Conn) fillForWrite() error {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	c.sslMu.Lock()
	if c.freed {
		c.sslMu.Unlock()
		return net.ErrClosed
	}
	need := c.ssl.InInit() && c.rbio.Pending() == 0
	c.sslMu.Unlock()
	if !need {
		return nil
	}
	if err := c.fill(); err != nil {
		if errors.Is(err, libssl.ErrUnexpectedEOF) {
			return fmt.Errorf(msgTruncated, err)
		}
		return err
	}
	return nil
}

// msgTruncated wraps libssl's report of a transport that ended without
// close_notify; that error matches libssl.ErrUnexpectedEOF and
// io.ErrUnexpectedEOF with errors.Is.
const msgTruncated = "openssl: connection closed without close_notify: %w"

var errShutdown = errors.New("openssl: protocol is shut down")

// FailedError is what Read, Write and Close return once the connection has
// failed (a fatal alert, a bad record, a reset, a truncation): the first
// failure, which errors.Is and errors.As see through Unwrap, with the
// operation that was attempted.
type FailedError struct {
	Op  string // "read", "write", "close"
	Err error  // the first failure
}

func (e *FailedError) Error() string {
	return "openssl: " + e.Op + ": the connection failed earlier: " + e.Err.Error()
}

func (e *FailedError) Unwrap() error { return e.Err }

// Timeout reports whether the first failure was a timeout.
func (e *FailedError) Timeout() bool { ne, ok := e.Err.(net.Error); return ok && ne.Timeout() }

// Temporary is false: the connection stays failed.
func (e *FailedError) Temporary() bool { return false }

// fail records err as the connection's failure unless one is recorded
// already, and returns what op must report: err itself when it is the
// first failure, else the first failure wrapped.
func (c *Conn) fail(op string, err error) error {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	if c.failure == nil {
		c.failure = err
		return err
	}
	if c.failure == err {
		return err
	}
	return &FailedError{Op: op, Err: c.failure}
}

// failed returns the recorded failure wrapped for op, or nil.
func (c *Conn) failed(op string) error {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	if c.failure == nil {
		return nil
	}
	return &FailedError{Op: op, Err: c.failure}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// closeNotify sends close_notify once (SSL_shutdown) with a 5 s bound on the
// transport write.
func (c *Conn) closeNotify() error {
	c.outMu.Lock()
	defer c.unlockOut()
	if c.closeNotifySent.Load() {
		return c.closeNotifyErr
	}
	c.closeNotifySent.Store(true)
	c.sslMu.Lock()
	var err error
	if c.freed {
		err = net.ErrClosed
	} else {
		_, err = c.ssl.Shutdown()
	}
	c.sslMu.Unlock()
	if err == nil {
		_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		err = c.flushLocked()
		_ = c.conn.SetWriteDeadline(time.Now())
	}
	c.closeNotifyErr = err
	return err
}

// CloseWrite sends close_notify: the peer reads io.EOF, and this side can
// still Read. It does not close the transport. As with crypto/tls, it must
// follow the handshake.
func (c *Conn) CloseWrite() error {
	if !c.handshakeDone.Load() {
		return errors.New("openssl: CloseWrite before the handshake completed")
	}
	return c.closeNotify()
}

// Close sends close_notify (so that the session stays resumable) after a
// completed handshake, closes the transport and frees the SSL. A Close
// during a Write only closes the transport, which ends the Write.
func (c *Conn) Close() error {
	var x int32
	for {
		x = c.activeCall.Load()
		if x&1 != 0 {
			return net.ErrClosed
		}
		if c.activeCall.CompareAndSwap(x, x|1) {
			break
		}
	}
	if x != 0 {
		return c.conn.Close()
	}
	if ferr := c.failed("close"); ferr != nil {
		// No close_notify on a failed connection (libssl would refuse it
		// with a misleading reason): report the failure.
		_ = c.conn.Close()
		c.release()
		return ferr
	}
	var alertErr error
	if c.handshakeDone.Load() {
		alertErr = c.closeNotify()
	}
	err := c.conn.Close()
	c.release()
	if alertErr != nil && !errors.Is(alertErr, net.ErrClosed) {
		return fmt.Errorf("openssl: failed to send close_notify (the connection was closed anyway): %w", alertErr)
	}
	return err
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

// ErrSessionNotResumable is returned by GetSession when the connection's
// session cannot be resumed: above all a TLS 1.3 client's session before the
// server's session ticket has been read. libssl reads tickets during Read,
// and a server sends them with its first data or its close_notify, so read
// the server's response (or to EOF) first.
var ErrSessionNotResumable = errors.New("openssl: the session is not resumable (a TLS 1.3 client's session becomes resumable only once the server's session ticket has been read, by Read)")

// Session returns the connection's current session (SSL_get1_session) as a
// new handle the caller frees, or nil: before the handshake, after Close,
// and, on a client, while the session is not resumable
// (SSL_SESSION_is_resumable), as a TLS 1.3 session is until the server's
// ticket has been read (see ErrSessionNotResumable). A server's session is
// returned as it is.
func (c *Conn) Session() *libssl.Session {
	s, _ := c.session()
	return s
}

func (c *Conn) session() (*libssl.Session, error) {
	c.sslMu.Lock()
	defer c.sslMu.Unlock()
	if c.freed {
		return nil, errors.New("openssl: no session: the connection is closed")
	}
	s := c.ssl.Session()
	if s == nil {
		return nil, errors.New("openssl: no session: the handshake has not completed")
	}
	if c.isClient && !s.IsResumable() {
		s.Free()
		return nil, ErrSessionNotResumable
	}
	return s, nil
}

// GetSession returns the current session as DER (i2d_SSL_SESSION), for
// DialSession or libssl.UnmarshalSessionDER. On a client it fails with
// ErrSessionNotResumable rather than return a session that cannot be
// resumed (a TLS 1.3 session before the server's ticket has been read).
func (c *Conn) GetSession() ([]byte, error) {
	s, err := c.session()
	if err != nil {
		return nil, err
	}
	defer s.Free()
	return s.MarshalDER()
}

// SessionReused reports whether the handshake resumed a session
// (SSL_session_reused).
func (c *Conn) SessionReused() bool { return c.OpenSSLState().DidResume }

// ConnectionState returns the state of the completed handshake as crypto/tls
// describes it (the zero value before), so that code written for
// *tls.Conn, x/net/http2 (which fills http.Response.TLS and
// http.Request.TLS from it) and Transport work unchanged. VerifiedChains is
// the chain libssl verified (nil on a resumption), and the value's
// ExportKeyingMaterial must not be called (crypto/tls keeps the exporter
// unexported): use OpenSSLState().ExportKeyingMaterial. OpenSSLState has the
// OpenSSL-specific fields. It stays valid after Close.
func (c *Conn) ConnectionState() tls.ConnectionState {
	st := c.OpenSSLState()
	if !st.HandshakeComplete {
		return tls.ConnectionState{}
	}
	return tls.ConnectionState{
		Version:            st.Version,
		HandshakeComplete:  true,
		DidResume:          st.DidResume,
		CipherSuite:        st.CipherSuite,
		NegotiatedProtocol: st.NegotiatedProtocol,
		ServerName:         st.ServerName,
		PeerCertificates:   st.PeerCertificates,
		VerifiedChains:     st.VerifiedChains,
		TLSUnique:          st.TLSUnique,
	}
}

// OpenSSLState returns the state of the completed handshake with libssl's
// view of it: the cipher's OpenSSL name and the verify result beside the
// fields crypto/tls also has (the zero value before the handshake). It
// stays valid after Close.
func (c *Conn) OpenSSLState() ConnectionState {
	if !c.handshakeDone.Load() {
		return ConnectionState{}
	}
	c.parseOnce.Do(func() {
		for _, der := range c.peerDER {
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				break
			}
			c.state.PeerCertificates = append(c.state.PeerCertificates, cert)
		}
		c.state.VerifiedChains = c.parseVerified()
	})
	st := c.state
	st.PeerCertificates = append([]*x509.Certificate(nil), c.state.PeerCertificates...)
	return st
}

// PeerCertificate returns the peer's leaf certificate, or an error when
// there is none.
func (c *Conn) PeerCertificate() (*x509.Certificate, error) {
	certs := c.OpenSSLState().PeerCertificates
	if len(certs) == 0 {
		return nil, errors.New("openssl: no peer certificate")
	}
	return certs[0], nil
}

// VerifyHostname checks that the peer's leaf certificate is valid for host
// (x509.Certificate.VerifyHostname), as spacemonkeygo/openssl's does. Dial
// and Client already make libssl check the host unless InsecureSkipVerify.
func (c *Conn) VerifyHostname(host string) error {
	cert, err := c.PeerCertificate()
	if err != nil {
		return err
	}
	return cert.VerifyHostname(host)
}

// VerifyResult returns SSL_get_verify_result (libssl.VerifyOK when the
// peer's chain verified or was not checked).
func (c *Conn) VerifyResult() int {
	c.sslMu.Lock()
	defer c.sslMu.Unlock()
	if c.freed {
		return c.state.VerifyResult
	}
	return c.ssl.VerifyResult()
}

// CurrentCipher returns the negotiated cipher's OpenSSL name.
func (c *Conn) CurrentCipher() (string, error) {
	st := c.OpenSSLState()
	if st.CipherName == "" {
		return "", errors.New("openssl: no cipher negotiated")
	}
	return st.CipherName, nil
}

// ConnectionState describes a completed handshake as libssl reports it
// (Conn.OpenSSLState); Conn.ConnectionState gives crypto/tls's type.
type ConnectionState struct {
	Version            uint16 // VersionTLS12, VersionTLS13 (SSL_version)
	HandshakeComplete  bool
	DidResume          bool   // SSL_session_reused
	CipherSuite        uint16 // IANA id, as crypto/tls numbers it
	CipherName         string // OpenSSL's name (SSL_CIPHER_get_name)
	NegotiatedProtocol string // ALPN (SSL_get0_alpn_selected)
	// ServerName is the SNI name this client sent or this server received
	// (SSL_get_servername). On a server's TLS 1.2 resumption libssl reports
	// the name kept in the session, which it keeps only when a servername
	// callback acknowledged it: without one it is "".
	ServerName string
	// PeerCertificates: the peer's leaf first, then the chain it sent.
	PeerCertificates []*x509.Certificate
	VerifyResult     int // SSL_get_verify_result (0: X509_V_OK)
	// SessionRefused says why the session the ClientSessionCache held was
	// not offered (it would not pass this Config's verification; see
	// ErrSessionNotTrusted): the handshake was then a full one. Empty
	// otherwise.
	SessionRefused string
	// VerifiedChains: the chain libssl verified the peer's certificate
	// with (X509_STORE_CTX_get0_chain), leaf first, ending at the trust
	// anchor; nil when verification is off (InsecureSkipVerify,
	// ClientAuth not verifying) and on a resumption (libssl keeps no
	// chain in the session).
	VerifiedChains [][]*x509.Certificate
	// NegotiatedGroup is the key exchange group in OpenSSL's name
	// ("X25519", "prime256v1"), CurveID crypto/tls's number for it; "" and
	// 0 when there was no key exchange (a TLS 1.2 resumption).
	NegotiatedGroup string
	CurveID         tls.CurveID
	// TLSUnique is the tls-unique channel binding (RFC 5929: the first
	// Finished message, SSL_get_finished / SSL_get_peer_finished); nil
	// for TLS 1.3, as in crypto/tls.
	TLSUnique []byte

	conn *Conn // for ExportKeyingMaterial
}

// CertificateVerificationError is returned by a handshake that failed
// because the peer's certificate did not verify.
type CertificateVerificationError struct {
	VerifyResult int    // X509_V_ERR_*
	Reason       string // X509_verify_cert_error_string
	Err          error  // libssl's error
}

func (e *CertificateVerificationError) Error() string {
	return fmt.Sprintf("openssl: certificate verification failed: %s (X509_V_ERR %d)", e.Reason, e.VerifyResult)
}

func (e *CertificateVerificationError) Unwrap() error { return e.Err }

type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Timeout() bool   { ne, ok := e.err.(net.Error); return ok && ne.Timeout() }
func (e *permanentError) Temporary() bool { return false }
