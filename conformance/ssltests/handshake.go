package ssltests

import (
	"errors"
	"fmt"
	"strings"

	libssl "github.com/libssl-go/libssl"
)

// This file: one case's handshake, as OpenSSL's test/helpers/handshake.c
// runs it: contexts configured with callbacks beside the SSL_CONF
// commands, client and server stepped in turn over two memory BIOs
// through the phases (handshake, renegotiation or post-handshake message,
// application data, shutdown), and the result recorded for the checks.

// peerStatus is one side's state after its last step.
type peerStatus int

const (
	peerSuccess peerStatus = iota
	peerRetry
	peerError
	peerWaiting
	peerTestFailure
)

type phase int

const (
	phaseHandshake phase = iota
	phaseRenegAppData
	phaseRenegSetup
	phaseRenegHandshake
	phaseAppData
	phaseShutdown
	phaseDone
)

// alertRecord is what the info callback saw on one SSL.
type alertRecord struct {
	sent, received int
	fatalSent      int
	servername     string   // the servername callback's choice (server side)
	peerCANames    [][]byte // certificate_authorities of the ClientHello (server side)
	ticketCBCalled bool     // server2's ticket key callback ran
}

type peer struct {
	ssl                       *libssl.SSL
	status                    peerStatus
	bytesToWrite, bytesToRead int
	buf                       []byte
	rec                       *alertRecord
	queue                     *harnessQueue // shared by both peers
}

// harnessQueue stands for the OpenSSL error queue of the one thread C's
// harness runs both peers on. The harness never clears it: the entries a
// failed call leaves (SSL_renegotiate refused by NoRenegotiation, say) stay
// until libssl's handshake state machine clears the queue on entry, and
// meanwhile SSL_get_error answers SSL_ERROR_SSL for any call of either peer
// that returns <= 0, even a plain want-read. The binding drains the queue
// inside each call (a goroutine may change threads between calls), so the
// driver keeps that state here and applies it to the verdicts.
type harnessQueue struct {
	stale bool // entries left on the harness's thread queue
}

// errStaleQueue is the verdict SSL_get_error gives in C for a call that
// would have wanted to retry but found the entries of an earlier failure
// still on the thread's queue.
var errStaleQueue = errors.New("SSL_get_error: SSL_ERROR_SSL (entries an earlier call left on the harness's error queue)")

// call runs one libssl call of this peer the way the C harness's thread
// sees it: a call that runs libssl's handshake state machine (the SSL is in
// a handshake before or after it) cleared the queue first; a failure that
// left entries makes the queue stale; a retry verdict on a stale queue is an
// error, as SSL_get_error reports it in C.
func (p *peer) call(f func() error) error {
	if p.queue == nil {
		return f()
	}
	if p.ssl.InInit() {
		p.queue.stale = false
	}
	err := f()
	if p.ssl.InInit() {
		p.queue.stale = false
	}
	var e *libssl.Error
	if errors.As(err, &e) && len(e.Entries) > 0 {
		p.queue.stale = true
		return err
	}
	if err != nil && p.queue.stale && retryable(err) {
		return errStaleQueue
	}
	return err
}

// retryable reports whether C's harness takes err (SSL_get_error's verdict)
// as a reason to try again.
func retryable(err error) bool {
	return errors.Is(err, libssl.ErrWantRead) || errors.Is(err, libssl.ErrWantWrite) ||
		errors.Is(err, libssl.ErrWantRetryVerify)
}

// handshakeResult is what one run found, for the checks.
type handshakeResult struct {
	result                         Result
	detail                         string // why, for a failure the driver itself caused
	serverAlertSent, serverAlertRx int
	clientAlertSent, clientAlertRx int
	serverFatal, clientFatal       int
	serverProtocol, clientProtocol int
	servername                     string
	sessionTicket                  string // Yes or No
	compression                    bool
	sessionID                      string // Yes or No
	ticketCBCalled                 bool
	clientNPN, serverNPN           string
	clientALPN, serverALPN         string
	ticketAppData                  string
	clientResumed, serverResumed   bool
	cipher                         string
	tmpKeyType                     int
	serverSignHash, clientSignHash int
	serverSignType, clientSignType int
	serverCANames, clientCANames   [][]byte // names the peer sent, DER; nil when none
	serverCertType, clientCertType int
}

// statusOf is do_handshake_step's verdict on SSL_do_handshake: want-read
// and want-retry-verify retry, anything else is an error.
func statusOf(err error) peerStatus {
	if err == nil {
		return peerSuccess
	}
	if errors.Is(err, libssl.ErrWantRead) || errors.Is(err, libssl.ErrWantRetryVerify) {
		return peerRetry
	}
	return peerError
}

func (p *peer) handshakeStep() {
	if p.status != peerRetry {
		p.status = peerTestFailure
		return
	}
	p.status = statusOf(p.call(p.ssl.Handshake))
}

// appDataStep reads everything available, then writes one buffer's worth.
func (p *peer) appDataStep() {
	if p.status != peerRetry {
		p.status = peerTestFailure
		return
	}
	for p.bytesToRead > 0 {
		var n int
		err := p.call(func() (err error) { n, err = p.ssl.Read(p.buf); return err })
		if err != nil {
			if errors.Is(err, libssl.ErrWantRead) {
				break
			}
			p.status = peerError
			return
		}
		if n > p.bytesToRead {
			p.status = peerTestFailure
			return
		}
		p.bytesToRead -= n
	}
	if w := min(p.bytesToWrite, len(p.buf)); w > 0 {
		var n int
		err := p.call(func() (err error) { n, err = p.ssl.Write(p.buf[:w]); return err })
		if err != nil {
			p.status = peerError
			return
		}
		if n != w {
			p.status = peerTestFailure
			return
		}
		p.bytesToWrite -= n
	}
	if p.bytesToWrite == 0 && p.bytesToRead == 0 {
		p.status = peerSuccess
	}
}

func (p *peer) shutdownStep() {
	if p.status != peerRetry {
		p.status = peerTestFailure
		return
	}
	var done bool
	err := p.call(func() (err error) { done, err = p.ssl.Shutdown(); return err })
	switch {
	case err != nil:
		if !errors.Is(err, libssl.ErrWantRead) && !errors.Is(err, libssl.ErrWantWrite) {
			p.status = peerError
		}
	case done:
		p.status = peerSuccess
	}
}

// renegSetupStep starts the renegotiation, key update or post-handshake
// authentication, or (the other side) waits for it.
func (p *peer) renegSetupStep(tc *TestCase) {
	if p.status == peerSuccess {
		// A client that finished this step while the server wanted to
		// retry: a no_renegotiation warning may wait; go on.
		p.status = peerRetry
		p.handshakeStep()
		return
	}
	if p.status != peerRetry {
		p.status = peerTestFailure
		return
	}
	p.bytesToWrite, p.bytesToRead = tc.AppDataSize, tc.AppDataSize
	server := p.ssl.IsServer()
	switch tc.HandshakeMode {
	case ModeRenegServer, ModeRenegClient:
		if server == (tc.HandshakeMode == ModeRenegServer) {
			if !p.ssl.RenegotiatePending() {
				var err error
				if server {
					err = p.call(p.ssl.Renegotiate)
				} else {
					full := false
					if tc.Extra.Client.RenegotiateNoExtms {
						_ = p.ssl.SetOptions(opNoExtendedMasterSecret)
						full = true
					}
					if rc := tc.Extra.Client.RenegotiateCiphers; rc != nil {
						if err := p.call(func() error { return p.ssl.SetCipherList(*rc) }); err != nil {
							p.status = peerError
							return
						}
						full = true
					}
					if full {
						err = p.call(p.ssl.Renegotiate)
					} else {
						err = p.call(p.ssl.RenegotiateAbbreviated)
					}
				}
				if err != nil {
					p.status = peerError
					return
				}
				p.handshakeStep()
				// Retry: waiting on the peer, set up. Success: a server
				// that sent its HelloRequest waits for the ClientHello.
				switch p.status {
				case peerRetry:
					p.status = peerSuccess
				case peerSuccess:
					p.status = peerRetry
				}
				return
			}
		}
	case ModeKeyUpdateServer, ModeKeyUpdateClient:
		if server != (tc.HandshakeMode == ModeKeyUpdateServer) {
			p.status = peerSuccess
			return
		}
		if err := p.call(func() error { return p.ssl.KeyUpdate(tc.KeyUpdateType == 1) }); err != nil {
			p.status = peerError
			return
		}
		p.handshakeStep()
		if p.status != peerSuccess {
			p.status = peerError
		}
		return
	case ModePostHandshakeAuth:
		if server {
			if err := p.call(p.ssl.VerifyClientPostHandshake); err != nil {
				p.status = peerError
				return
			}
		}
		p.handshakeStep()
		if p.status != peerSuccess {
			p.status = peerError
		}
		return
	default:
		p.status = peerTestFailure
		return
	}
	// The side that did not start: a read must fail with want-read and
	// leave the SSL in a handshake.
	var b [1]byte
	err := p.call(func() error { _, err := p.ssl.Read(b[:]); return err })
	if err == nil || !errors.Is(err, libssl.ErrWantRead) {
		p.status = peerError
		return
	}
	if !p.ssl.InInit() {
		return
	}
	p.status = peerSuccess
}

func renegotiates(tc *TestCase) bool {
	return tc.HandshakeMode == ModeRenegServer || tc.HandshakeMode == ModeRenegClient
}

func postHandshake(tc *TestCase) bool {
	switch tc.HandshakeMode {
	case ModeKeyUpdateServer, ModeKeyUpdateClient, ModePostHandshakeAuth:
		return true
	}
	return false
}

func nextPhase(tc *TestCase, ph phase) phase {
	switch ph {
	case phaseHandshake:
		if renegotiates(tc) || postHandshake(tc) {
			return phaseRenegAppData
		}
		return phaseAppData
	case phaseRenegAppData:
		return phaseRenegSetup
	case phaseRenegSetup:
		if postHandshake(tc) {
			return phaseAppData
		}
		return phaseRenegHandshake
	case phaseRenegHandshake:
		return phaseAppData
	case phaseAppData:
		return phaseShutdown
	}
	return phaseDone
}

func (p *peer) step(tc *TestCase, ph phase) {
	switch ph {
	case phaseHandshake, phaseRenegHandshake:
		p.handshakeStep()
	case phaseRenegAppData, phaseAppData:
		p.appDataStep()
	case phaseRenegSetup:
		p.renegSetupStep(tc)
	case phaseShutdown:
		p.shutdownStep()
	}
}

type hsStatus int

const (
	hsSuccess hsStatus = iota
	hsClientError
	hsServerError
	hsInternalError
	hsRetry
)

// classify decides the state of the exchange from the status of the side
// that acted last and the other's.
func classify(last, previous peerStatus, clientLast bool) hsStatus {
	switch last {
	case peerTestFailure, peerWaiting:
		return hsInternalError
	case peerSuccess:
		switch previous {
		case peerSuccess:
			return hsSuccess
		case peerWaiting, peerRetry:
			return hsRetry
		default:
			return hsInternalError
		}
	case peerRetry:
		return hsRetry
	case peerError:
		switch previous {
		case peerTestFailure:
			return hsInternalError
		case peerWaiting:
			if clientLast {
				return hsClientError
			}
			return hsInternalError
		case peerSuccess:
			if clientLast {
				return hsClientError
			}
			return hsServerError
		case peerRetry:
			return hsRetry
		case peerError:
			if clientLast {
				return hsServerError
			}
			return hsClientError
		}
	}
	return hsInternalError
}

// sessions carries a first handshake's sessions into the resumed one.
type sessions struct {
	client, server *libssl.Session
}

func (s *sessions) free() {
	if s != nil {
		s.client.Free()
		s.server.Free()
	}
}

// runOne runs one handshake on the contexts, with the extra configuration
// of that handshake; in is the session to resume, out (when not nil)
// receives this handshake's sessions.
func runOne(ctxs *contexts, tc *TestCase, extra *Extra, in *sessions, out *sessions) (*handshakeResult, error) {
	res := &handshakeResult{result: ResultInternalError}
	srec, crec := &alertRecord{servername: "None"}, &alertRecord{servername: "None"}
	if ctxs.server2 != nil {
		// Tickets are always handled by the first context; a call on
		// server2's means the session context was not kept.
		if err := ctxs.server2.SetTicketKeyCallback(func(*libssl.SSL, bool) libssl.TicketKeyAction {
			srec.ticketCBCalled = true
			return libssl.TicketKeyDecline
		}); err != nil {
			return nil, err
		}
	}
	if err := configureCtx(ctxs, tc, extra, srec); err != nil {
		return nil, err
	}
	server, err := libssl.New(ctxs.server)
	if err != nil {
		return nil, err
	}
	defer server.Free()
	client, err := libssl.New(ctxs.client)
	if err != nil {
		return nil, err
	}
	defer client.Free()
	if n := extra.Client.ServerName; n != "None" {
		if err := client.SetHostName(n); err != nil {
			return nil, err
		}
	}
	if extra.Client.EnablePHA {
		_ = client.SetPostHandshakeAuth(true)
	}
	if in != nil {
		if len(in.server.ID()) > 0 {
			if err := ctxs.server.AddSession(in.server); err != nil {
				return nil, err
			}
		}
		if err := client.SetSession(in.client); err != nil {
			return nil, err
		}
	}
	c2s, err := libssl.NewMemBIO()
	if err != nil {
		return nil, err
	}
	defer c2s.Free()
	s2c, err := libssl.NewMemBIO()
	if err != nil {
		return nil, err
	}
	defer s2c.Free()
	_ = client.SetConnectState()
	_ = server.SetAcceptState()
	if err := client.SetBIO(s2c, c2s); err != nil {
		return nil, err
	}
	if err := server.SetBIO(c2s, s2c); err != nil {
		return nil, err
	}
	info := func(rec *alertRecord) libssl.InfoCallback {
		return func(where, ret int) {
			if where&libssl.InfoAlert == 0 {
				return
			}
			if where&libssl.InfoWrite != 0 {
				rec.sent = ret
				// fatal level (2), or close_notify (0)
				if ret>>8 == 2 || ret&0xff == 0 {
					rec.fatalSent++
				}
			} else {
				rec.received = ret
			}
		}
	}
	if err := server.SetInfoCallback(info(srec)); err != nil {
		return nil, err
	}
	if err := client.SetInfoCallback(info(crec)); err != nil {
		return nil, err
	}
	if err := server.SetUserData(srec); err != nil {
		return nil, err
	}

	const bufSize = 64 << 10
	queue := &harnessQueue{}
	sp := &peer{ssl: server, status: peerWaiting, buf: make([]byte, bufSize), rec: srec,
		bytesToWrite: tc.AppDataSize, bytesToRead: tc.AppDataSize, queue: queue}
	cp := &peer{ssl: client, status: peerRetry, buf: make([]byte, bufSize), rec: crec,
		bytesToWrite: tc.AppDataSize, bytesToRead: tc.AppDataSize, queue: queue}
	ph := phaseHandshake
	clientTurn := true
	clientTurnCount, clientWaitCount := 0, 0
loop:
	for {
		var st hsStatus
		if clientTurn {
			cp.step(tc, ph)
			st = classify(cp.status, sp.status, true)
			if sp.status == peerWaiting {
				sp.status = peerRetry
			}
		} else {
			sp.step(tc, ph)
			st = classify(sp.status, cp.status, false)
		}
		switch st {
		case hsSuccess:
			clientTurnCount = 0
			ph = nextPhase(tc, ph)
			if ph == phaseDone {
				res.result = ResultSuccess
				break loop
			}
			cp.status, sp.status = peerRetry, peerRetry
			clientTurn = true
		case hsClientError:
			res.result = ResultClientFail
			break loop
		case hsServerError:
			res.result = ResultServerFail
			break loop
		case hsInternalError:
			res.result = ResultInternalError
			break loop
		case hsRetry:
			if clientTurnCount >= 2000 {
				res.result = ResultInternalError
				res.detail = "both peers stuck waiting"
				break loop
			}
			clientTurnCount++
			if clientTurn && sp.status == peerSuccess {
				// The server may finish first while the client reads
				// session tickets.
				if clientWaitCount >= 2 {
					res.result = ResultInternalError
					break loop
				}
				clientWaitCount++
			} else {
				clientTurn = !clientTurn
			}
		}
	}

	res.serverAlertSent, res.serverFatal = srec.sent, srec.fatalSent
	res.serverAlertRx = crec.received
	res.clientAlertSent, res.clientFatal = crec.sent, crec.fatalSent
	res.clientAlertRx = srec.received
	res.serverProtocol, res.clientProtocol = int(server.Version()), int(client.Version())
	res.servername = srec.servername
	res.ticketCBCalled = srec.ticketCBCalled
	res.sessionTicket, res.sessionID = "No", "No"
	if cs := client.Session(); cs != nil {
		if cs.HasTicket() {
			res.sessionTicket = "Yes"
		}
		if len(cs.ID()) > 0 {
			res.sessionID = "Yes"
		}
		cs.Free()
	}
	res.compression = client.CompressionActive()
	res.clientNPN, res.serverNPN = client.NextProtoNegotiated(), server.NextProtoNegotiated()
	res.clientALPN, res.serverALPN = client.ALPNSelected(), server.ALPNSelected()
	if ss := server.Session(); ss != nil {
		res.ticketAppData = string(ss.TicketAppData())
		ss.Free()
	}
	res.clientResumed, res.serverResumed = client.SessionReused(), server.SessionReused()
	res.cipher = client.CurrentCipher()
	if out != nil {
		out.client = client.Session()
		if ss := server.Session(); ss != nil {
			out.server, _ = ss.Dup()
			ss.Free()
		}
	}
	res.tmpKeyType = current.tmpKeyType(client)
	res.serverSignHash = nidOr0(client.PeerSignatureNID())
	res.clientSignHash = nidOr0(server.PeerSignatureNID())
	res.serverSignType = nidOr0(client.PeerSignatureTypeNID())
	res.clientSignType = nidOr0(server.PeerSignatureTypeNID())
	res.clientCANames, _ = client.PeerCANamesDER()
	// The names the client sent: the root package's PeerCANamesDER reads
	// SSL_get_client_CA_list, which on a server is its own list, so they
	// come from the ClientHello's certificate_authorities extension, the
	// data SSL_get0_peer_CA_list returns on a server. libssl reads that
	// extension in TLS 1.3 only.
	if server.Version() == libssl.TLS1_3 {
		res.serverCANames = srec.peerCANames
	}
	res.serverCertType = peerCertType(client)
	res.clientCertType = peerCertType(server)
	return res, nil
}

// nidOr0 is the NID a getter found, or NID_undef (0) as the harness leaves
// it when the getter finds none.
func nidOr0(nid int, ok bool) int {
	if !ok {
		return 0
	}
	return nid
}

func peerCertType(s *libssl.SSL) int {
	x := s.PeerCertificate()
	if x == nil {
		return 0
	}
	defer x.Free()
	return x.PublicKeyType()
}

// contexts are a case's SSL_CTXs.
type contexts struct {
	server, server2, client *libssl.Ctx
}

func recOf(s *libssl.SSL) *alertRecord {
	r, _ := s.UserData().(*alertRecord)
	if r == nil {
		return &alertRecord{}
	}
	return r
}

// switchTo moves the server to server2's context and takes its options, as
// the harness's servername callbacks do.
func switchTo(s *libssl.SSL, ctx *libssl.Ctx) {
	_ = s.SetSSLCtx(ctx)
	_ = s.ClearOptions(0xFFFFFFFF)
	_ = s.SetOptions(ctx.Options())
}

// configureCtx sets what SSL_CONF cannot: fragment sizes, verify, SNI and
// ClientHello callbacks, OCSP, ticket callbacks and keys, NPN, ALPN, CT.
func configureCtx(ctxs *contexts, tc *TestCase, extra *Extra, srec *alertRecord) error {
	for _, c := range []*libssl.Ctx{ctxs.server, ctxs.server2, ctxs.client} {
		if c == nil {
			continue
		}
		if err := c.SetMaxSendFragment(tc.MaxFragmentSize); err != nil {
			return err
		}
	}
	client, server, server2 := ctxs.client, ctxs.server, ctxs.server2
	switch extra.Client.VerifyCallback {
	case "AcceptAll":
		if err := client.SetCertVerifyCallback(func(*libssl.SSL, *libssl.VerifyContext) bool { return true }); err != nil {
			return err
		}
	case "RetryOnce":
		// The first verification asks for a retry (the handshake step
		// returns want-retry-verify); the one after accepts.
		retries := 1
		if err := client.SetCertVerifyCallback(func(_ *libssl.SSL, v *libssl.VerifyContext) bool {
			if retries--; retries < 0 {
				return true
			}
			return v.SetRetryVerify() == nil
		}); err != nil {
			return err
		}
	case "RejectAll":
		if err := client.SetCertVerifyCallback(func(_ *libssl.SSL, v *libssl.VerifyContext) bool {
			_ = v.SetErrorCode(x509VErrApplicationVerification)
			return false
		}); err != nil {
			return err
		}
	}
	if m := extra.Client.MaxFragmentLenExt; m != 0 {
		if err := client.SetTLSExtMaxFragmentLength(m); err != nil {
			return err
		}
	}
	var err error
	switch extra.Server.ServerNameCallback {
	case "IgnoreMismatch", "RejectMismatch":
		ignore := extra.Server.ServerNameCallback == "IgnoreMismatch"
		err = server.SetServerNameCallback(func(s *libssl.SSL) libssl.TLSExtResult {
			rec := recOf(s)
			switch name := s.ServerName(); {
			case name == "":
				rec.servername = "server1"
				return libssl.TLSExtNoAck
			case name == "server2":
				switchTo(s, server2)
				rec.servername = "server2"
				return libssl.TLSExtOK
			case name == "server1":
				rec.servername = "server1"
				return libssl.TLSExtOK
			case ignore:
				rec.servername = "server1"
				return libssl.TLSExtNoAck
			}
			return libssl.TLSExtAlertFatal
		})
	case "ClientHelloIgnoreMismatch", "ClientHelloRejectMismatch", "ClientHelloNoV12":
		mode := extra.Server.ServerNameCallback
		err = server.SetClientHelloCallback(func(s *libssl.SSL, alert *int) libssl.ClientHelloResult {
			readCANames(s)
			if mode == "ClientHelloNoV12" {
				v := int(s.ClientHelloLegacyVersion())
				if v > 0x0303 || v < 0x0300 {
					*alert = alertProtocolVersion
					return libssl.ClientHelloError
				}
			}
			ok := clientHelloSelect(s, server2, mode == "ClientHelloIgnoreMismatch")
			if mode == "ClientHelloNoV12" {
				_ = s.SetMaxProtoVersion(libssl.TLS1_1)
			}
			if !ok {
				*alert = alertUnrecognizedName
				return libssl.ClientHelloError
			}
			return libssl.ClientHelloSuccess
		})
	}
	if err != nil {
		return err
	}
	if tc.ExpectedServerCANames != "" && !strings.HasPrefix(extra.Server.ServerNameCallback, "ClientHello") {
		err = server.SetClientHelloCallback(func(s *libssl.SSL, _ *int) libssl.ClientHelloResult {
			readCANames(s)
			return libssl.ClientHelloSuccess
		})
		if err != nil {
			return err
		}
	}
	if cs := extra.Server.CertStatus; cs != "None" {
		if err := client.SetStatusTypeOCSP(); err != nil {
			return err
		}
		if err := client.SetStatusCallback(func(s *libssl.SSL) int {
			if !current.ocspAccepts(s.OCSPResponse()) {
				return 0
			}
			return 1
		}); err != nil {
			return err
		}
		resp, err := current.ocspResponse(cs != "BadResponse")
		if err != nil {
			return err
		}
		if err := server.SetStatusCallback(func(s *libssl.SSL) int {
			if s.SetOCSPResponse(resp) != nil {
				return int(libssl.TLSExtAlertFatal)
			}
			return int(libssl.TLSExtOK)
		}); err != nil {
			return err
		}
	}
	// Fixed (zero) ticket keys, so that the resumption context decrypts
	// the first context's tickets.
	if err := server.SetTicketKeys([]libssl.TicketKey{{}}); err != nil {
		return err
	}
	if extra.Server.BrokenSessionTicket {
		if err := server.SetTicketKeyCallback(func(*libssl.SSL, bool) libssl.TicketKeyAction {
			return libssl.TicketKeyDecline
		}); err != nil {
			return err
		}
	}
	if p := extra.Server.NPNProtocols; p != nil {
		if err := server.SetNextProtosAdvertisedWire(protoWire(*p)); err != nil {
			return err
		}
	}
	if p := extra.Server2.NPNProtocols; p != nil {
		if server2 == nil {
			return errors.New("server2 NPNProtocols without a server2 context")
		}
		if err := server2.SetNextProtosAdvertisedWire(protoWire(*p)); err != nil {
			return err
		}
	}
	if p := extra.Client.NPNProtocols; p != nil {
		if err := client.SetNextProtoSelectWire(protoWire(*p)); err != nil {
			return err
		}
	}
	if p := extra.Server.ALPNProtocols; p != nil {
		if err := server.SetALPNSelectWire(protoWire(*p), true); err != nil {
			return err
		}
	}
	if p := extra.Server2.ALPNProtocols; p != nil {
		if server2 == nil {
			return errors.New("server2 ALPNProtocols without a server2 context")
		}
		if err := server2.SetALPNSelectWire(protoWire(*p), true); err != nil {
			return err
		}
	}
	if p := extra.Client.ALPNProtocols; p != nil {
		if err := client.SetALPNProtos(protoList(*p)); err != nil {
			return err
		}
	}
	dec := func(_ *libssl.SSL, _ *libssl.Session, st libssl.TicketStatus) libssl.TicketReturn {
		switch st {
		case libssl.TicketEmpty, libssl.TicketNoDecrypt:
			return libssl.TicketReturnIgnoreRenew
		case libssl.TicketSuccess:
			return libssl.TicketReturnUse
		case libssl.TicketSuccessRenew:
			return libssl.TicketReturnUseRenew
		}
		return libssl.TicketReturnAbort
	}
	if d := extra.Server.SessionTicketAppData; d != nil {
		data := []byte(*d)
		if err := server.SetSessionTicketCallback(func(s *libssl.SSL) error {
			sess := s.Session()
			if sess == nil {
				return errors.New("no session")
			}
			defer sess.Free()
			return sess.SetTicketAppData(data)
		}, dec); err != nil {
			return err
		}
	}
	if extra.Server2.SessionTicketAppData != nil {
		if server2 == nil {
			return errors.New("server2 SessionTicketAppData without a server2 context")
		}
		if err := server2.SetSessionTicketCallback(nil, dec); err != nil {
			return err
		}
	}
	if err := client.SetCTLogListFile(ctlogFile()); err != nil {
		return fmt.Errorf("CT log list: %w", err)
	}
	switch extra.Client.CTValidation {
	case "Permissive":
		err = client.EnableCT(false)
	case "Strict":
		err = client.EnableCT(true)
	}
	return err
}

// The values of the harness's callbacks.
const (
	// SSL_OP_NO_EXTENDED_MASTER_SECRET (3.0), which the root package does
	// not export; the cases that set it (RenegotiateNoExtms) exist from 3.0.
	opNoExtendedMasterSecret libssl.Options = 1 << 0

	x509VErrApplicationVerification = 50 // X509_V_ERR_APPLICATION_VERIFICATION
	alertProtocolVersion            = 70
	alertUnrecognizedName           = 112
	ocspGood                        = 0xff // the one-byte dummy OCSP responses
	ocspBad                         = 0xfe
)

// readCANames records the DER names of the ClientHello's
// certificate_authorities extension (47): a 2-byte length, then names each
// with a 2-byte length.
func readCANames(s *libssl.SSL) {
	rec := recOf(s)
	rec.peerCANames = nil
	p, ok := s.ClientHelloExtension(47)
	if !ok || len(p) < 2 {
		return
	}
	n := int(p[0])<<8 | int(p[1])
	if n+2 != len(p) {
		return
	}
	p = p[2:]
	var names [][]byte
	for len(p) >= 2 {
		l := int(p[0])<<8 | int(p[1])
		if 2+l > len(p) {
			return
		}
		names = append(names, append([]byte(nil), p[2:2+l]...))
		p = p[2+l:]
	}
	rec.peerCANames = names
}

// clientHelloSelect reads the server_name extension of the ClientHello
// and switches to server2's context for "server2".
func clientHelloSelect(s *libssl.SSL, server2 *libssl.Ctx, ignore bool) bool {
	rec := recOf(s)
	p, ok := s.ClientHelloExtension(0) // server_name
	if !ok || len(p) <= 2 {
		return false
	}
	n := int(p[0])<<8 | int(p[1])
	if n+2 != len(p) {
		return false
	}
	p = p[2:]
	if len(p) == 0 || p[0] != 0 { // host_name
		return false
	}
	p = p[1:]
	if len(p) <= 2 {
		return false
	}
	n = int(p[0])<<8 | int(p[1])
	if n+2 > len(p) {
		return false
	}
	name := string(p[2 : 2+n])
	switch {
	case name == "server2":
		switchTo(s, server2)
		rec.servername = "server2"
		return true
	case name == "server1":
		rec.servername = "server1"
		return true
	case ignore:
		rec.servername = "server1"
		return true
	}
	return false
}
