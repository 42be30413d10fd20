package libssl_test

// Model-based reference-count test.
//
// A seeded random sequence of operations runs against the real library and,
// in step, against a model of the native objects: which SSL, SSL_CTX and
// SSL_SESSION objects exist, which handles and which libssl-internal
// references keep each alive. After every step the destruction probe
// (LiveObjects) must equal the model exactly.
//
// The model follows libssl's rules (1.1.1 and 3.0 alike):
//   - SSL_dup makes a new object only while SSL_in_before; the copy shares
//     the original's context and session (SSL_copy_session_id). Afterwards it
//     returns the same object with one more reference.
//   - A client makes a new session at its ClientHello unless its current
//     session is resumable for its protocol version; a server makes one when
//     it reads the ClientHello (and keeps exactly one once done).
//   - A TLS 1.2 client keeps its session object through the handshake; the
//     ticket makes it resumable. A TLS 1.3 client's session becomes
//     resumable only with a NewSessionTicket, which replaces the session
//     object (ssl_session_dup) when the client reads it.
//   - SSL_free, SSL_clear and SSL_set_session on an SSL whose session is
//     open (handshake done, no close_notify sent) mark that session
//     non-resumable for every holder when it has an id (ssl_clear_bad_session);
//     SSL_clear drops the SSL's session only in that case.
//
// Internal caches would hold references the model cannot see, so every
// context runs with SSL_SESS_CACHE_OFF; the server's tickets are stateless.
//
// Scale: LIBSSL_GO_MODEL_STEPS (steps per seed), LIBSSL_GO_MODEL_SEED or
// -model.seed (one seed instead of the default ones).

import (
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

var modelSeed = flag.Int64("model.seed", 0, "seed for TestRefCountModel (0: the default seeds, or LIBSSL_GO_MODEL_SEED)")

const (
	stBefore = iota // SSL_in_before
	stInit          // ClientHello sent, handshake unfinished
	stDone          // handshake finished
)

type mCtx struct {
	id              int
	flavor          int // index into modelVersions
	server          bool
	handles, refsBy int // Go handles; SSL objects made from it
	alive           bool
}

type mSess struct {
	id             int
	handles, refs  int // Go handles; SSL objects holding it as their session
	client         bool
	version        libssl.ProtocolVersion
	resumable, hid bool // SSL_SESSION_is_resumable; session_id_length > 0
	alive          bool
}

type mSSL struct {
	id      int
	handles int
	ctx     *mCtx
	server  bool
	state   int
	sent    bool // SSL_SENT_SHUTDOWN
	sess    *mSess
	peer    *mSSL // the connected peer, nil when none
	broken  bool  // connection unusable for I/O (peer gone, cleared, session replaced)
	closed  bool  // shut down both ways
	tickets bool  // TLS 1.3 tickets waiting in the client's read BIO
	resume  bool  // the ClientHello offered a resumable session
	alive   bool
	rb, wb  *libssl.BIO // the test's handles on the SSL's BIOs
}

type hSSL struct {
	h *libssl.SSL
	o *mSSL
}
type hSess struct {
	h *libssl.Session
	o *mSess
}
type hCtx struct {
	h    *libssl.Ctx
	o    *mCtx
	base bool
}

var modelVersions = []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3}

type model struct {
	t        *testing.T
	rng      *rand.Rand
	seed     int64
	step     int
	log      []string
	base     libssl.Objects
	baseCF   int64 // CleanupFrees at the start
	drops    int64 // handles dropped so far
	nextID   int
	ctxs     []*mCtx
	cctx     []*mCtx // client context per flavor
	sctx     []*mCtx
	ssls     []*mSSL
	sessions []*mSess
	hs       []hSSL
	hsess    []hSess
	hctx     []hCtx
	stats    map[string]int
	maxLive  libssl.Objects
}

func (m *model) id() int { m.nextID++; return m.nextID }

func (m *model) logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if m.stats != nil {
		m.stats[strings.SplitN(msg, "(", 2)[0]]++
	}
	m.log = append(m.log, fmt.Sprintf("%d: ", m.step)+msg)
	if len(m.log) > 40 {
		m.log = m.log[len(m.log)-40:]
	}
}

func (m *model) fatalf(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("seed %d step %d: %s\nrecent steps:\n%s\n(rerun with -model.seed=%d)", m.seed, m.step,
		fmt.Sprintf(format, args...), strings.Join(m.log, "\n"), m.seed)
}

func (m *model) ok(what string, err error) {
	m.t.Helper()
	if err != nil {
		m.fatalf("%s: %v", what, err)
	}
}

// --- model bookkeeping -------------------------------------------------

func (m *model) sessRef(s *mSess) {
	if s != nil {
		s.refs++
	}
}

func (m *model) sessUnref(s *mSess) {
	if s == nil {
		return
	}
	s.refs--
	m.sessMaybeDie(s)
}

func (m *model) sessMaybeDie(s *mSess) {
	if s.handles+s.refs == 0 && s.alive {
		s.alive = false
	}
}

func (m *model) newSess(client bool, v libssl.ProtocolVersion) *mSess {
	s := &mSess{id: m.id(), client: client, version: v, alive: true}
	m.sessions = append(m.sessions, s)
	return s
}

// bad is ssl_clear_bad_session's test: the session is open.
func bad(o *mSSL) bool {
	return o.sess != nil && !o.sent && o.state == stDone
}

// clearBad applies ssl_clear_bad_session (SSL_CTX_remove_session marks a
// session with an id non-resumable) and reports whether it was bad.
func clearBad(o *mSSL) bool {
	if !bad(o) {
		return false
	}
	if o.sess.hid {
		o.sess.resumable = false
	}
	return true
}

func (m *model) ctxUnref(c *mCtx) {
	c.refsBy--
	if c.handles+c.refsBy == 0 {
		c.alive = false
	}
}

func (m *model) breakPeer(o *mSSL) {
	if o.peer != nil {
		o.peer.peer = nil
		o.peer.broken = true
		o.peer = nil
	}
}

// destroy is SSL_free's last reference going.
func (m *model) destroy(o *mSSL) {
	clearBad(o)
	m.sessUnref(o.sess)
	o.sess = nil
	m.breakPeer(o)
	m.ctxUnref(o.ctx)
	o.alive = false
	o.rb.Free()
	o.wb.Free()
	o.rb, o.wb = nil, nil
}

func (m *model) want() libssl.Objects {
	var w libssl.Objects
	for _, c := range m.ctxs {
		if c.alive {
			w.Ctx++
		}
	}
	for _, o := range m.ssls {
		if o.alive {
			w.SSL++
		}
	}
	for _, s := range m.sessions {
		if s.alive {
			w.Session++
		}
	}
	return w
}

func (m *model) live() libssl.Objects {
	now := libssl.LiveObjects()
	return libssl.Objects{SSL: now.SSL - m.base.SSL, Ctx: now.Ctx - m.base.Ctx, Session: now.Session - m.base.Session}
}

// verify compares the probe with the model. After a drop it runs the GC
// until every dropped handle's cleanup has run and the probe agrees.
func (m *model) verify(settleGC bool) {
	m.t.Helper()
	want := m.want()
	if settleGC {
		deadline := time.Now().Add(10 * time.Second)
		for libssl.CleanupFrees()-m.baseCF < m.drops || m.live() != want {
			if time.Now().After(deadline) {
				m.fatalf("after GC: live %+v, model %+v; cleanups %d, drops %d",
					m.live(), want, libssl.CleanupFrees()-m.baseCF, m.drops)
			}
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
	}
	if got := m.live(); got != want {
		m.fatalf("live objects %+v, model %+v", got, want)
	}
	m.maxLive.SSL = max(m.maxLive.SSL, want.SSL)
	m.maxLive.Session = max(m.maxLive.Session, want.Session)
	m.maxLive.Ctx = max(m.maxLive.Ctx, want.Ctx)
	if cf := libssl.CleanupFrees() - m.baseCF; cf != m.drops {
		m.fatalf("cleanups released %d references, %d handles were dropped", cf, m.drops)
	}
	// Spot checks of identity and of the sessions' state.
	if len(m.hs) >= 2 {
		a, b := m.hs[m.rng.Intn(len(m.hs))], m.hs[m.rng.Intn(len(m.hs))]
		if a.h.SameObject(b.h) != (a.o == b.o) {
			m.fatalf("SameObject(ssl#%d, ssl#%d) = %v", a.o.id, b.o.id, a.h.SameObject(b.h))
		}
	}
	for _, hs := range m.hsess {
		if hs.o.client && hs.h.IsResumable() != hs.o.resumable {
			m.fatalf("session#%d IsResumable %v, model %v", hs.o.id, hs.h.IsResumable(), hs.o.resumable)
		}
	}
	if len(m.hs) > 0 && len(m.hsess) > 0 {
		a, s := m.hs[m.rng.Intn(len(m.hs))], m.hsess[m.rng.Intn(len(m.hsess))]
		if a.h.SessionIs(s.h) != (a.o.sess == s.o) {
			m.fatalf("SessionIs(ssl#%d, session#%d) = %v", a.o.id, s.o.id, a.h.SessionIs(s.h))
		}
	}
	for _, h := range m.hs {
		if h.h.HasSession() != (h.o.sess != nil) {
			m.fatalf("ssl#%d HasSession %v, model session %v", h.o.id, h.h.HasSession(), h.o.sess != nil)
		}
	}
}

// --- helpers over handles ----------------------------------------------

func (m *model) handleOf(o *mSSL) *libssl.SSL {
	for _, h := range m.hs {
		if h.o == o {
			return h.h
		}
	}
	m.fatalf("no handle on ssl#%d", o.id)
	return nil
}

func (m *model) addSSL(h *libssl.SSL, o *mSSL) { m.hs = append(m.hs, hSSL{h, o}); o.handles++ }

func (m *model) newSSLObj(ctx *mCtx, server bool) *mSSL {
	o := &mSSL{id: m.id(), ctx: ctx, server: server, alive: true}
	ctx.refsBy++
	m.ssls = append(m.ssls, o)
	return o
}

func removeAt[T any](s []T, i int) []T {
	last := len(s) - 1
	s[i] = s[last]
	var zero T
	s[last] = zero // no stale reference keeps a dropped handle reachable
	return s[:last]
}

func (m *model) pick(pred func(*mSSL) bool) *mSSL {
	var c []*mSSL
	for _, o := range m.ssls {
		if o.alive && pred(o) {
			c = append(c, o)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return c[m.rng.Intn(len(c))]
}

// giveBIOs gives o fresh memory BIOs (the SSL takes its own references; the
// test keeps one handle on each to pump).
func (m *model) giveBIOs(o *mSSL) {
	o.rb.Free()
	o.wb.Free()
	var err error
	o.rb, err = libssl.NewMemBIO()
	m.ok("NewMemBIO", err)
	o.wb, err = libssl.NewMemBIO()
	m.ok("NewMemBIO", err)
	m.ok("SetBIO", m.handleOf(o).SetBIO(o.rb, o.wb))
}

func (m *model) pump(c, s *mSSL) int {
	buf := make([]byte, 32<<10)
	moved := 0
	for _, d := range [][2]*libssl.BIO{{c.wb, s.rb}, {s.wb, c.rb}} {
		for d[0].Pending() > 0 {
			n, err := d[0].Read(buf)
			m.ok("BIO read", err)
			_, err = d[1].Write(buf[:n])
			m.ok("BIO write", err)
			moved += n
		}
	}
	return moved
}

// --- the operations ------------------------------------------------------

func (m *model) opNew() {
	f := m.rng.Intn(len(modelVersions))
	var ch *hCtx
	for i := range m.hctx {
		if m.hctx[i].o == m.cctx[f] {
			ch = &m.hctx[i]
			break
		}
	}
	if ch == nil {
		return
	}
	h, err := libssl.New(ch.h)
	m.ok("New", err)
	m.ok("SetConnectState", h.SetConnectState())
	o := m.newSSLObj(ch.o, false)
	m.addSSL(h, o)
	m.logf("New(ctx#%d) -> ssl#%d", ch.o.id, o.id)
}

func (m *model) opDup() {
	if len(m.hs) == 0 {
		return
	}
	src := m.hs[m.rng.Intn(len(m.hs))]
	d, err := src.h.Dup()
	m.ok("Dup", err)
	if src.o.state != stBefore {
		if !d.SameObject(src.h) {
			m.fatalf("Dup of ssl#%d after a handshake step made a new object", src.o.id)
		}
		m.addSSL(d, src.o)
		m.logf("Dup(ssl#%d) -> same object", src.o.id)
		return
	}
	if d.SameObject(src.h) {
		m.fatalf("Dup of ssl#%d in its initial state returned the same object", src.o.id)
	}
	o := m.newSSLObj(src.o.ctx, src.o.server)
	o.sess = src.o.sess
	m.sessRef(o.sess)
	m.addSSL(d, o)
	m.logf("Dup(ssl#%d) -> ssl#%d (session %v)", src.o.id, o.id, sessID(o.sess))
}

func sessID(s *mSess) string {
	if s == nil {
		return "none"
	}
	return "#" + strconv.Itoa(s.id)
}

func (m *model) opUpRef() {
	if len(m.hs) == 0 {
		return
	}
	src := m.hs[m.rng.Intn(len(m.hs))]
	u, err := src.h.UpRef()
	m.ok("UpRef", err)
	m.addSSL(u, src.o)
	m.logf("UpRef(ssl#%d)", src.o.id)
}

// opFreeSSL frees (or, with drop, forgets) one SSL handle.
func (m *model) opFreeSSL(drop bool) bool {
	if len(m.hs) == 0 {
		return false
	}
	i := m.rng.Intn(len(m.hs))
	h := m.hs[i]
	m.hs = removeAt(m.hs, i)
	if drop {
		m.drops++
	} else {
		h.h.Free()
		if m.rng.Intn(4) == 0 {
			h.h.Free() // idempotent
		}
	}
	h.o.handles--
	if h.o.handles == 0 {
		m.destroy(h.o)
	}
	m.logf("%s(ssl#%d) (handles left %d)", map[bool]string{true: "Drop", false: "Free"}[drop], h.o.id, h.o.handles)
	return drop
}

func (m *model) opSession() {
	if len(m.hs) == 0 {
		return
	}
	src := m.hs[m.rng.Intn(len(m.hs))]
	s := src.h.Session()
	if (s == nil) != (src.o.sess == nil) {
		m.fatalf("Session() of ssl#%d = %v, model %s", src.o.id, s, sessID(src.o.sess))
	}
	if s == nil {
		m.logf("Session(ssl#%d) -> nil", src.o.id)
		return
	}
	src.o.sess.handles++
	m.hsess = append(m.hsess, hSess{s, src.o.sess})
	m.logf("Session(ssl#%d) -> session%s", src.o.id, sessID(src.o.sess))
}

func (m *model) opSessUpRef() {
	if len(m.hsess) == 0 {
		return
	}
	src := m.hsess[m.rng.Intn(len(m.hsess))]
	u, err := src.h.UpRef()
	m.ok("Session.UpRef", err)
	src.o.handles++
	m.hsess = append(m.hsess, hSess{u, src.o})
	m.logf("Session.UpRef(session#%d)", src.o.id)
}

func (m *model) opSessFree(drop bool) bool {
	if len(m.hsess) == 0 {
		return false
	}
	i := m.rng.Intn(len(m.hsess))
	h := m.hsess[i]
	m.hsess = removeAt(m.hsess, i)
	if drop {
		m.drops++
	} else {
		h.h.Free()
	}
	h.o.handles--
	m.sessMaybeDie(h.o)
	m.logf("%s(session#%d)", map[bool]string{true: "Drop", false: "Free"}[drop], h.o.id)
	return drop
}

// opSetSession gives an idle client a client session (or nil).
func (m *model) opSetSession() {
	o := m.pick(func(o *mSSL) bool { return !o.server && o.state != stInit })
	if o == nil {
		return
	}
	var s *hSess
	if len(m.hsess) > 0 && m.rng.Intn(6) != 0 {
		c := m.hsess[m.rng.Intn(len(m.hsess))]
		// Prefer sessions the model says are resumable, so that
		// resumption is frequent.
		for try := 0; try < 3 && !c.o.resumable; try++ {
			c = m.hsess[m.rng.Intn(len(m.hsess))]
		}
		if !c.o.client {
			return
		}
		s = &c
	}
	var err error
	if s == nil {
		err = m.handleOf(o).SetSession(nil)
	} else {
		err = m.handleOf(o).SetSession(s.h)
	}
	m.ok("SetSession", err)
	clearBad(o)
	m.sessUnref(o.sess)
	o.sess = nil
	if s != nil {
		o.sess = s.o
		m.sessRef(o.sess)
	}
	if o.state != stBefore {
		// The connection's session changed under it: no more I/O on it.
		o.broken = true
	}
	m.logf("SetSession(ssl#%d, %s)", o.id, func() string {
		if s == nil {
			return "nil"
		}
		return "session#" + strconv.Itoa(s.o.id)
	}())
}

func (m *model) opClear() {
	if len(m.hs) == 0 {
		return
	}
	h := m.hs[m.rng.Intn(len(m.hs))]
	o := h.o
	m.ok("Clear", h.h.Clear())
	if clearBad(o) {
		m.sessUnref(o.sess)
		o.sess = nil
	}
	o.state, o.sent, o.closed, o.tickets, o.resume, o.broken = stBefore, false, false, false, false, false
	m.breakPeer(o)
	m.logf("Clear(ssl#%d) (session %s)", o.id, sessID(o.sess))
}

// opConnect pairs an idle client with a new server, or with an idle one.
func (m *model) opConnect() {
	c := m.pick(func(o *mSSL) bool { return !o.server && o.state == stBefore && o.peer == nil })
	if c == nil {
		return
	}
	f := c.ctx.flavor
	var s *mSSL
	// Reusing a cleared server SSL works on 3.x. On 1.1.1w a cleared TLS 1.2
	// server that had finished a handshake answers the next ClientHello with
	// an extension the client did not offer ("unsolicited extension"), so
	// that leg only pairs clients with new servers.
	if libssl.Is3() {
		s = m.pick(func(o *mSSL) bool { return o.server && o.state == stBefore && o.peer == nil && o.ctx.flavor == f })
	}
	if s == nil || m.rng.Intn(2) == 0 {
		var sh *hCtx
		for i := range m.hctx {
			if m.hctx[i].o == m.sctx[f] {
				sh = &m.hctx[i]
				break
			}
		}
		h, err := libssl.New(sh.h)
		m.ok("New(server)", err)
		m.ok("SetAcceptState", h.SetAcceptState())
		s = m.newSSLObj(sh.o, true)
		m.addSSL(h, s)
	}
	m.giveBIOs(c)
	m.giveBIOs(s)
	c.peer, s.peer = s, c
	c.broken, s.broken = false, false
	m.logf("Connect(client ssl#%d, server ssl#%d)", c.id, s.id)
}

func ready(o *mSSL) bool {
	return o.peer != nil && !o.broken && !o.peer.broken && o.peer.alive
}

// clientHello is the model of the client's first handshake step.
func (m *model) clientHello(c *mSSL) {
	v := modelVersions[c.ctx.flavor]
	if c.sess == nil || !c.sess.resumable || c.sess.version != v {
		m.sessUnref(c.sess)
		c.sess = m.newSess(true, v)
		m.sessRef(c.sess)
		c.resume = false
	} else {
		c.resume = true
	}
	c.state = stInit
}

func (m *model) opStep() {
	c := m.pick(func(o *mSSL) bool { return !o.server && o.state == stBefore && ready(o) && o.peer.state == stBefore })
	if c == nil {
		return
	}
	if err := m.handleOf(c).Handshake(); !errors.Is(err, libssl.ErrWantRead) {
		m.fatalf("first handshake step of ssl#%d: %v, want want-read", c.id, err)
	}
	m.clientHello(c)
	m.logf("Step(ssl#%d) (session %s, resume %v)", c.id, sessID(c.sess), c.resume)
}

func (m *model) opHandshake() {
	c := m.pick(func(o *mSSL) bool { return !o.server && o.state != stDone && ready(o) && o.peer.state == stBefore })
	if c == nil {
		return
	}
	s := c.peer
	ch, sh := m.handleOf(c), m.handleOf(s)
	cdone, sdone := false, false
	for i := 0; ; i++ {
		if i == 50 {
			m.fatalf("handshake ssl#%d/ssl#%d did not finish", c.id, s.id)
		}
		if !cdone {
			if err := ch.Handshake(); err == nil {
				cdone = true
			} else if !wouldBlock(err) {
				m.fatalf("client handshake: %v", err)
			}
		}
		if !sdone {
			if err := sh.Handshake(); err == nil {
				sdone = true
			} else if !wouldBlock(err) {
				m.fatalf("server handshake: %v", err)
			}
		}
		if moved := m.pump(c, s); cdone && sdone && moved == 0 {
			break
		}
	}
	if c.state == stBefore {
		m.clientHello(c)
	}
	v := modelVersions[c.ctx.flavor]
	if ch.SessionReused() != c.resume {
		m.fatalf("ssl#%d SessionReused %v, model %v", c.id, ch.SessionReused(), c.resume)
	}
	if !c.resume {
		if v == libssl.TLS1_2 {
			c.sess.resumable, c.sess.hid = true, true // the ticket came in the handshake
		}
	}
	// The server replaces whatever session it held with its own.
	m.sessUnref(s.sess)
	s.sess = m.newSess(false, v)
	m.sessRef(s.sess)
	c.state, s.state = stDone, stDone
	c.tickets = v == libssl.TLS1_3
	m.stats["handshake"]++
	if c.resume {
		m.stats["resumed"]++
	}
	m.logf("Handshake(ssl#%d, ssl#%d) (client session %s, resumed %v)", c.id, s.id, sessID(c.sess), c.resume)
}

// readTickets: a TLS 1.3 client reads the NewSessionTicket messages, each of
// which replaces its session with a new, resumable one.
func (m *model) readTickets(c *mSSL) {
	var b [1]byte
	if n, err := m.handleOf(c).Read(b[:]); n != 0 || !errors.Is(err, libssl.ErrWantRead) {
		m.fatalf("reading tickets on ssl#%d: %d, %v", c.id, n, err)
	}
	if c.tickets {
		old := c.sess
		c.sess = m.newSess(true, old.version)
		c.sess.resumable, c.sess.hid = true, true
		m.sessRef(c.sess)
		m.sessUnref(old)
		c.tickets = false
	}
}

func (m *model) opReadTickets() {
	c := m.pick(func(o *mSSL) bool { return !o.server && o.state == stDone && ready(o) && !o.closed })
	if c == nil {
		return
	}
	m.pump(c, c.peer)
	if c.tickets {
		m.stats["tickets"]++
	}
	m.readTickets(c)
	m.logf("ReadTickets(ssl#%d) (session %s)", c.id, sessID(c.sess))
}

func (m *model) opShutdown() {
	c := m.pick(func(o *mSSL) bool { return !o.server && o.state == stDone && ready(o) && !o.closed })
	if c == nil {
		return
	}
	s := c.peer
	ch, sh := m.handleOf(c), m.handleOf(s)
	m.pump(c, s)
	m.readTickets(c)
	if done, err := ch.Shutdown(); done || err != nil {
		m.fatalf("client shutdown: %v %v", done, err)
	}
	m.pump(c, s)
	var b [1]byte
	if _, err := sh.Read(b[:]); !errors.Is(err, libssl.ErrZeroReturn) {
		m.fatalf("server read after close_notify: %v", err)
	}
	if done, err := sh.Shutdown(); !done || err != nil {
		m.fatalf("server shutdown: %v %v", done, err)
	}
	m.pump(c, s)
	if done, err := ch.Shutdown(); !done || err != nil {
		m.fatalf("client shutdown completion: %v %v", done, err)
	}
	c.sent, s.sent = true, true
	c.closed, s.closed = true, true
	m.logf("Shutdown(ssl#%d, ssl#%d)", c.id, s.id)
}

func (m *model) opCtxOf() {
	if len(m.hs) == 0 {
		return
	}
	h := m.hs[m.rng.Intn(len(m.hs))]
	c := h.h.Ctx()
	if c == nil {
		m.fatalf("Ctx() of ssl#%d is nil", h.o.id)
	}
	h.o.ctx.handles++
	m.hctx = append(m.hctx, hCtx{h: c, o: h.o.ctx})
	m.logf("Ctx(ssl#%d) -> ctx#%d", h.o.id, h.o.ctx.id)
}

func (m *model) opCtxFree() {
	var extra []int
	for i, c := range m.hctx {
		if !c.base {
			extra = append(extra, i)
		}
	}
	if len(extra) == 0 {
		return
	}
	i := extra[m.rng.Intn(len(extra))]
	c := m.hctx[i]
	m.hctx = removeAt(m.hctx, i)
	c.h.Free()
	c.o.handles--
	m.logf("Ctx.Free(ctx#%d)", c.o.id)
}

// --- the test --------------------------------------------------------------

func modelCtx(t *testing.T, m *model, f int, server bool) *mCtx {
	o := ctxOpts{version: modelVersions[f], sidCtx: "libssl-go-model"}
	var c *libssl.Ctx
	if server {
		c = serverCtx(t, o)
	} else {
		c = clientCtx(t, o)
	}
	m.ok("SetSessionCacheMode", c.SetSessionCacheMode(libssl.SessCacheOff))
	mc := &mCtx{id: m.id(), flavor: f, server: server, handles: 1, alive: true}
	m.ctxs = append(m.ctxs, mc)
	m.hctx = append(m.hctx, hCtx{h: c, o: mc, base: true})
	return mc
}

func envInt(name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return def
}

func TestRefCountModel(t *testing.T) {
	steps := envInt("LIBSSL_GO_MODEL_STEPS", 1500)
	seeds := []int64{1, 2, 3, 4}
	if testing.Short() {
		steps, seeds = 500, seeds[:2]
	}
	if s := envInt("LIBSSL_GO_MODEL_SEED", *modelSeed); s != 0 {
		seeds = []int64{s}
	}
	if s := os.Getenv("LIBSSL_GO_MODEL_SEED"); s == "random" {
		seeds = []int64{time.Now().UnixNano()}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Logf("seed %d, %d steps (rerun: go test -run TestRefCountModel -model.seed=%d)", seed, steps, seed)
			runModel(t, seed, int(steps))
		})
	}
}

// quiesce runs the GC until no cleanup is pending from earlier tests.
func quiesce() {
	last, lastCF, stable := libssl.LiveObjects(), libssl.CleanupFrees(), 0
	for i := 0; i < 200 && stable < 5; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
		now, cf := libssl.LiveObjects(), libssl.CleanupFrees()
		if now == last && cf == lastCF {
			stable++
		} else {
			stable = 0
		}
		last, lastCF = now, cf
	}
}

func runModel(t *testing.T, seed int64, steps int) {
	quiesce()
	m := &model{t: t, rng: rand.New(rand.NewSource(seed)), seed: seed, stats: map[string]int{}}
	m.base, m.baseCF = libssl.LiveObjects(), libssl.CleanupFrees()
	for f := range modelVersions {
		m.cctx = append(m.cctx, modelCtx(t, m, f, false))
		m.sctx = append(m.sctx, modelCtx(t, m, f, true))
	}
	m.verify(false)
	type op struct {
		w int
		f func() bool // reports whether a handle was dropped
	}
	do := func(f func()) func() bool { return func() bool { f(); return false } }
	ops := []op{
		{8, do(m.opNew)},
		{6, do(m.opDup)},
		{4, do(m.opUpRef)},
		{7, func() bool { return m.opFreeSSL(false) }},
		{2, func() bool { return m.opFreeSSL(true) }},
		{9, do(m.opSession)},
		{2, do(m.opSessUpRef)},
		{5, func() bool { return m.opSessFree(false) }},
		{2, func() bool { return m.opSessFree(true) }},
		{5, do(m.opSetSession)},
		{4, do(m.opClear)},
		{8, do(m.opConnect)},
		{5, do(m.opStep)},
		{12, do(m.opHandshake)},
		{8, do(m.opReadTickets)},
		{7, do(m.opShutdown)},
		{2, do(m.opCtxOf)},
		{2, do(m.opCtxFree)},
	}
	total := 0
	for _, o := range ops {
		total += o.w
	}
	for m.step = 1; m.step <= steps; m.step++ {
		// Keep the population bounded so that handshakes stay frequent.
		if len(m.hs) > 16 {
			m.verify(m.opFreeSSL(false))
			continue
		}
		r := m.rng.Intn(total)
		for _, o := range ops {
			if r -= o.w; r < 0 {
				m.verify(o.f())
				break
			}
		}
	}
	// Teardown: the base contexts first (the SSLs keep them alive), then
	// every SSL and session handle, checking the model at each step.
	m.logf("teardown")
	for len(m.hctx) > 0 {
		c := m.hctx[0]
		m.hctx = removeAt(m.hctx, 0)
		c.h.Free()
		c.o.handles--
		if c.o.handles+c.o.refsBy == 0 {
			c.o.alive = false
		}
		m.verify(false)
	}
	for len(m.hs) > 0 {
		m.verify(m.opFreeSSL(false))
	}
	for len(m.hsess) > 0 {
		m.verify(m.opSessFree(false))
	}
	if w := m.want(); w != (libssl.Objects{}) {
		m.fatalf("model not empty after teardown: %+v", w)
	}
	m.verify(true)
	t.Logf("max live objects %+v; %v", m.maxLive, m.stats)
}
