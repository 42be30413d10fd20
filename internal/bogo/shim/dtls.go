package main

// The DTLS path: the runner frames DTLS datagrams over its stream socket
// (ssl/test/runner/packet_adapter.go): 'P' + 32-bit big-endian length +
// one datagram, both ways; from the runner only, 'T' + 64-bit nanoseconds
// (a simulated read timeout, which the shim acknowledges with 't'), 'M' +
// 32-bit MTU and 'E' + 64-bit nanoseconds (the timeout the shim must report
// next). The shim drives a libssl SSL of DTLS_method over two datagram
// memory BIOs (libssl.NewDatagramMemBIO): it writes every datagram libssl
// queued after each step, and gives libssl one datagram each time it
// wants to read, so that datagram boundaries hold both ways.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// The runner's packet-adaptor opcodes.
const (
	opPacket            = 'P'
	opTimeout           = 'T'
	opTimeoutAck        = 't'
	opMTU               = 'M'
	opExpectNextTimeout = 'E'
)

// defaultDTLSMTU is the path MTU without -mtu: BoringSSL's default for a
// transport that reports none (1500 less the IPv4 and UDP headers), which
// the runner's tests assume when they pack or fragment.
const defaultDTLSMTU = 1472

// dtlsTimerStart is the first duration of libssl's retransmission timer:
// longer than any test runs.
const dtlsTimerStart = 30 * time.Minute

// protocolOf returns the method of the run's SSL_CTX and the minimum
// version when none is given: DTLS_method with libssl's lowest DTLS
// version, or TLS_method from TLS 1.0 (BoringSSL's shim speaks no SSL 3).
func protocolOf(c *config) (libssl.Method, libssl.ProtocolVersion) {
	if c.dtls.on {
		return libssl.DTLSMethod, 0
	}
	return libssl.TLSMethod, libssl.ProtocolVersion(0x0301)
}

// setSRTP sets -srtp-profiles on the context (SSL_CTX_set_tlsext_use_srtp).
func setSRTP(ctx *libssl.Ctx, c *config) error {
	if c.dtls.srtpProfiles == "" {
		return nil
	}
	if err := ctx.SetSRTPProfiles(c.dtls.srtpProfiles); err != nil {
		return errUnimplemented{"-srtp-profiles " + c.dtls.srtpProfiles}
	}
	return nil
}

// runDTLSConnections makes the first DTLS connection and -resume-count
// resumptions on one SSL_CTX; a client offers the previous connection's
// session.
func runDTLSConnections(cs *configs) error {
	first := &cs.initial
	// The renegotiation count is checked once the peer closed a TLS
	// connection (checkAtEnd); the DTLS path has no such check.
	for _, c := range []*config{&cs.initial, &cs.resume} {
		if c.expectTotalRenegotiations != 0 {
			return errUnimplemented{"-expect-total-renegotiations with -dtls"}
		}
	}
	ctx, err := newCtx(first)
	if err != nil {
		return err
	}
	defer ctx.Free()
	var session *libssl.Session
	defer func() { session.Free() }()
	for i := 0; i <= first.resumeCount; i++ {
		next, err := runDTLSConnection(ctx, cs.forConn(i), session, i > 0)
		if err != nil {
			next.Free()
			return err
		}
		session.Free()
		session = next
	}
	return nil
}

// dtlsConn is one DTLS connection: the SSL, its two datagram BIOs and the
// runner's framed socket.
type dtlsConn struct {
	s          *libssl.SSL
	rbio, wbio *libssl.BIO
	tcp        *net.TCPConn
	in         *bufio.Reader
	// eof: the runner closed the socket.
	eof bool
}

// runDTLSConnection dials the runner, sends the shim id and runs one DTLS
// connection to its end. It returns the connection's session (a client's
// to offer next; nil on a server).
func runDTLSConnection(ctx *libssl.Ctx, c *config, session *libssl.Session, isResume bool) (*libssl.Session, error) {
	host := "127.0.0.1"
	if c.ipv6 {
		host = "::1"
	}
	raw, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(c.port)))
	if err != nil {
		return nil, err
	}
	tcp := raw.(*net.TCPConn)
	defer tcp.Close()
	var id [8]byte
	binary.LittleEndian.PutUint64(id[:], c.shimID)
	if _, err := tcp.Write(id[:]); err != nil {
		return nil, err
	}
	d, err := newDTLSConn(ctx, c, session, tcp)
	if err != nil {
		return nil, err
	}
	defer d.free()
	if err := d.exchange(c, isResume); err != nil {
		orderlyShutdown(tcp)
		return nil, err
	}
	if c.server {
		return nil, nil
	}
	return d.s.Session(), nil
}

// newDTLSConn makes the connection's SSL over two datagram BIOs.
func newDTLSConn(ctx *libssl.Ctx, c *config, session *libssl.Session, tcp *net.TCPConn) (*dtlsConn, error) {
	s, err := libssl.New(ctx)
	if err != nil {
		return nil, err
	}
	d := &dtlsConn{s: s, tcp: tcp, in: bufio.NewReader(tcp)}
	if d.rbio, err = libssl.NewDatagramMemBIO(); err != nil {
		d.free()
		return nil, err
	}
	if d.wbio, err = libssl.NewDatagramMemBIO(); err != nil {
		d.free()
		return nil, err
	}
	if err := d.setup(c, session); err != nil {
		d.free()
		return nil, err
	}
	return d, nil
}

func (d *dtlsConn) setup(c *config, session *libssl.Session) error {
	if err := d.wbio.SetDatagramMTU(defaultDTLSMTU); err != nil {
		return err
	}
	if err := d.s.SetBIO(d.rbio, d.wbio); err != nil {
		return err
	}
	// Time passes for the runner only when it says so ('T' frames, which
	// this shim refuses: libssl's timer reads the system clock). A timer
	// far beyond a test's length keeps libssl from retransmitting on its
	// own when a loaded machine makes a handshake take seconds.
	if err := d.s.SetDTLSTimerStart(dtlsTimerStart); err != nil {
		return err
	}
	if c.dtls.mtu != 0 {
		if err := d.setMTU(c.dtls.mtu); err != nil {
			return err
		}
	}
	if c.server {
		return d.s.SetAcceptState()
	}
	if c.hostName != "" {
		if err := d.s.SetHostName(c.hostName); err != nil {
			return err
		}
	}
	if session != nil {
		if err := d.s.SetSession(session); err != nil {
			return err
		}
	}
	return d.s.SetConnectState()
}

// setMTU makes libssl write datagrams of at most mtu bytes from now on:
// SSL_set_mtu, with SSL_OP_NO_QUERY_MTU so that libssl keeps it rather
// than ask the BIO.
func (d *dtlsConn) setMTU(mtu int) error {
	if err := d.s.SetOptions(libssl.OpNoQueryMTU); err != nil {
		return err
	}
	if err := d.s.SetMTU(mtu); err != nil {
		return fmt.Errorf("MTU %d: %w", mtu, err)
	}
	return nil
}

func (d *dtlsConn) free() {
	d.s.Free()
	d.rbio.Free()
	d.wbio.Free()
}

// flush sends every datagram libssl has queued, in order.
func (d *dtlsConn) flush() error {
	buf := make([]byte, 1<<16)
	for {
		n, err := d.wbio.Read(buf)
		if errors.Is(err, libssl.ErrWantRead) {
			return nil
		}
		if err != nil {
			return err
		}
		frame := make([]byte, 5+n)
		frame[0] = opPacket
		binary.BigEndian.PutUint32(frame[1:5], uint32(n))
		copy(frame[5:], buf[:n])
		if _, err := d.tcp.Write(frame); err != nil {
			return err
		}
	}
}

// errRunnerClosed: the runner closed its socket while libssl waited for a
// datagram.
var errRunnerClosed = errors.New("the runner closed the connection")

// receive reads the runner's frames until one datagram is in libssl's read
// BIO, doing what the control frames ask on the way.
func (d *dtlsConn) receive() error {
	for {
		op, err := d.in.ReadByte()
		if err == io.EOF {
			d.eof = true
			return errRunnerClosed
		}
		if err != nil {
			return err
		}
		switch op {
		case opPacket:
			var n [4]byte
			if _, err := io.ReadFull(d.in, n[:]); err != nil {
				return err
			}
			pkt := make([]byte, binary.BigEndian.Uint32(n[:]))
			if _, err := io.ReadFull(d.in, pkt); err != nil {
				return err
			}
			if len(pkt) == 0 {
				// libssl reads an empty BIO_read as the end of the
				// transport; an empty datagram carries no record.
				continue
			}
			_, err := d.rbio.Write(pkt)
			return err
		case opMTU:
			var n [4]byte
			if _, err := io.ReadFull(d.in, n[:]); err != nil {
				return err
			}
			if err := d.setMTU(int(binary.BigEndian.Uint32(n[:]))); err != nil {
				return err
			}
		case opTimeout, opExpectNextTimeout:
			// The runner's simulated clock: libssl's DTLS timer reads
			// the system clock, which the shim cannot move.
			return errUnimplemented{fmt.Sprintf("DTLS simulated timeout (packet adaptor opcode %q)", op)}
		default:
			return fmt.Errorf("unknown packet adaptor opcode %#x", op)
		}
	}
}

// step runs op (one libssl call) until it completes, sending what libssl
// writes and receiving a datagram each time it wants to read.
func (d *dtlsConn) step(op func() error) error {
	for {
		err := op()
		if ferr := d.flush(); ferr != nil && err == nil {
			err = ferr
		}
		if !errors.Is(err, libssl.ErrWantRead) {
			return err
		}
		if err := d.receive(); err != nil {
			return err
		}
	}
}

// write sends b as application data.
func (d *dtlsConn) write(b []byte) error {
	return d.step(func() error { _, err := d.s.Write(b); return err })
}

// read reads one record's application data into b.
func (d *dtlsConn) read(b []byte) (int, error) {
	var n int
	err := d.step(func() (err error) { n, err = d.s.Read(b); return err })
	return n, err
}

// exchange runs the handshake, the checks the flags ask for (the TLS
// path's checkHandshake) and the echo loop, as the TLS path's exchange
// does.
func (d *dtlsConn) exchange(c *config, isResume bool) error {
	if c.tlsUnique {
		return errUnimplemented{"-tls-unique with -dtls"}
	}
	checked := false
	check := func() error {
		if checked {
			return nil
		}
		checked = true
		return checkHandshake(d.s, c, isResume)
	}
	if !c.implicitHandshake || c.exportKeyingMaterial > 0 || c.shimShutsDown {
		if err := d.step(d.s.Handshake); err != nil {
			return err
		}
		if err := check(); err != nil {
			return err
		}
	}
	if c.exportKeyingMaterial > 0 {
		var context []byte
		if c.useExportContext {
			context = []byte(c.exportContext)
		}
		ekm, err := d.s.ExportKeyingMaterial(c.exportLabel, context, c.exportKeyingMaterial)
		if err != nil {
			return err
		}
		if err := d.write(ekm); err != nil {
			return err
		}
	}
	if c.shimWritesFirst {
		if err := d.write([]byte("hello")); err != nil {
			return err
		}
		if err := check(); err != nil {
			return err
		}
	}
	if c.shimShutsDown {
		return d.shutdown(c)
	}
	buf := make([]byte, 16384)
	for {
		n, err := d.read(buf)
		switch {
		case errors.Is(err, libssl.ErrZeroReturn):
			// The peer's close_notify: answer it.
			_ = d.step(func() error { _, err := d.s.Shutdown(); return err })
			return nil
		case errors.Is(err, errRunnerClosed) && !c.checkCloseNotify:
			return nil
		case err != nil:
			return err
		}
		if err := check(); err != nil {
			return err
		}
		for i := range buf[:n] {
			buf[i] ^= 0xff
		}
		if err := d.write(buf[:n]); err != nil {
			return err
		}
	}
}

// shutdown sends the shim's close_notify and reads until the peer's.
func (d *dtlsConn) shutdown(c *config) error {
	if _, err := d.s.Shutdown(); err != nil {
		return err
	}
	if err := d.flush(); err != nil {
		return err
	}
	buf := make([]byte, 16384)
	for {
		_, err := d.read(buf)
		switch {
		case errors.Is(err, libssl.ErrZeroReturn):
			return nil
		case errors.Is(err, errRunnerClosed) && !c.checkCloseNotify:
			return nil
		case err != nil:
			return err
		}
	}
}
