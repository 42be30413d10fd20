// Package sslpair connects a client SSL and a server SSL in one process over
// memory BIOs, using only the public API of the libssl package. Tests and
// conformance checks use it to run real handshakes without sockets.
package sslpair

import (
	"errors"
	"fmt"
	"sync"

	libssl "github.com/libssl-go/libssl"
)

// Pair is a client and a server SSL wired back to back. Each side has its own
// read and write memory BIO; Pump moves what one side wrote into the other
// side's read BIO.
type Pair struct {
	Client, Server *libssl.SSL
	cr, cw, sr, sw *libssl.BIO
}

// bufs holds the 16 KiB buffers Pump moves records through.
var bufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

// New makes a client SSL from cctx and a server SSL from sctx, sets their
// roles and gives them BIOs. The caller frees the pair with Free.
func New(cctx, sctx *libssl.Ctx) (*Pair, error) {
	c, err := libssl.New(cctx)
	if err != nil {
		return nil, err
	}
	s, err := libssl.New(sctx)
	if err != nil {
		c.Free()
		return nil, err
	}
	p, err := Wrap(c, s)
	if err != nil {
		c.Free()
		s.Free()
		return nil, err
	}
	_ = c.SetConnectState()
	_ = s.SetAcceptState()
	return p, nil
}

// Wrap gives an existing client and server SSL fresh memory BIOs, without
// touching their roles. The Pair takes over the two handles.
func Wrap(c, s *libssl.SSL) (*Pair, error) {
	p := &Pair{Client: c, Server: s}
	var err error
	for _, b := range []**libssl.BIO{&p.cr, &p.cw, &p.sr, &p.sw} {
		if *b, err = libssl.NewMemBIO(); err != nil {
			p.freeBIOs()
			return nil, err
		}
	}
	if err = c.SetBIO(p.cr, p.cw); err == nil {
		err = s.SetBIO(p.sr, p.sw)
	}
	if err != nil {
		p.freeBIOs()
		return nil, err
	}
	return p, nil
}

// Rewire gives both SSLs fresh BIOs again, for instance after Clear when the
// old BIOs may hold stale bytes.
func (p *Pair) Rewire() error {
	p.freeBIOs()
	n, err := Wrap(p.Client, p.Server)
	if err != nil {
		return err
	}
	*p = *n
	return nil
}

func (p *Pair) freeBIOs() {
	for _, b := range []*libssl.BIO{p.cr, p.cw, p.sr, p.sw} {
		b.Free()
	}
}

// Free frees both SSLs and the pair's BIO handles.
func (p *Pair) Free() {
	p.Client.Free()
	p.Server.Free()
	p.freeBIOs()
}

// Pump moves pending bytes client→server and server→client once, and
// reports how many bytes moved.
func (p *Pair) Pump() (int, error) {
	moved := 0
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	buf := *bp
	for _, dir := range [2][2]*libssl.BIO{{p.cw, p.sr}, {p.sw, p.cr}} {
		for dir[0].Pending() > 0 {
			n, err := dir[0].Read(buf)
			if err != nil {
				return moved, err
			}
			if _, err := dir[1].Write(buf[:n]); err != nil {
				return moved, err
			}
			moved += n
		}
	}
	return moved, nil
}

func wouldBlock(err error) bool {
	return errors.Is(err, libssl.ErrWantRead) || errors.Is(err, libssl.ErrWantWrite)
}

// Handshake drives both sides until both handshakes finish, or one fails, or
// no bytes move any more. It returns the first side's real error.
func (p *Pair) Handshake() error {
	cdone, sdone := false, false
	for i := 0; i < 100; i++ {
		var cerr, serr error
		if !cdone {
			if cerr = p.Client.Handshake(); cerr == nil {
				cdone = true
			} else if !wouldBlock(cerr) {
				_, _ = p.Pump()
				return fmt.Errorf("client handshake: %w", cerr)
			}
		}
		if !sdone {
			if serr = p.Server.Handshake(); serr == nil {
				sdone = true
			} else if !wouldBlock(serr) {
				_, _ = p.Pump()
				return fmt.Errorf("server handshake: %w", serr)
			}
		}
		moved, err := p.Pump()
		if err != nil {
			return err
		}
		if cdone && sdone && moved == 0 {
			return nil
		}
		if moved == 0 && !(cdone && sdone) && i > 0 {
			return fmt.Errorf("handshake stalled (client done %v, server done %v): client %v, server %v", cdone, sdone, cerr, serr)
		}
	}
	return errors.New("handshake did not finish in 100 rounds")
}

// Send writes msg on from and reads it on to, pumping between them.
func (p *Pair) Send(from, to *libssl.SSL, msg []byte) ([]byte, error) {
	if _, err := from.Write(msg); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	if _, err := p.Pump(); err != nil {
		return nil, err
	}
	got := make([]byte, 0, len(msg))
	buf := make([]byte, 16<<10)
	for len(got) < len(msg) {
		n, err := to.Read(buf)
		if err != nil {
			return got, fmt.Errorf("read after %d bytes: %w", len(got), err)
		}
		got = append(got, buf[:n]...)
	}
	return got, nil
}

// ReadTickets lets the client process what the server sent after the
// handshake (TLS 1.3 NewSessionTicket messages): an SSL_read that finds no
// application data.
func (p *Pair) ReadTickets() error {
	if _, err := p.Pump(); err != nil {
		return err
	}
	var b [1]byte
	n, err := p.Client.Read(b[:])
	if n > 0 {
		return fmt.Errorf("unexpected application data while reading tickets")
	}
	if err != nil && !errors.Is(err, libssl.ErrWantRead) {
		return err
	}
	return nil
}

// Shutdown closes both directions cleanly: the client sends close_notify,
// the server answers, the client reads the answer.
func (p *Pair) Shutdown() error {
	if _, err := p.Client.Shutdown(); err != nil {
		return fmt.Errorf("client shutdown: %w", err)
	}
	if _, err := p.Pump(); err != nil {
		return err
	}
	var b [1]byte
	if _, err := p.Server.Read(b[:]); !errors.Is(err, libssl.ErrZeroReturn) {
		return fmt.Errorf("server read after close_notify: %v, want zero return", err)
	}
	done, err := p.Server.Shutdown()
	if err != nil || !done {
		return fmt.Errorf("server shutdown: done %v, %v", done, err)
	}
	if _, err := p.Pump(); err != nil {
		return err
	}
	done, err = p.Client.Shutdown()
	if err != nil || !done {
		return fmt.Errorf("client shutdown completion: done %v, %v", done, err)
	}
	return nil
}
