package libssl_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"weak"

	libssl "github.com/libssl-go/libssl"
)

// resumeTicket makes a first connection, keeps the client's session, and
// resumes it in a second one. It returns whether the second resumed, the
// first session's HasTicket, and the ticket application data the second
// server session holds.
func resumeTicket(t *testing.T, cctx, sctx *libssl.Ctx) (reused, hadTicket bool, appData []byte) {
	t.Helper()
	p := newPair(t, cctx, sctx)
	check(t, p.Handshake())
	check(t, p.ReadTickets())
	sess := p.Client.Session()
	check(t, p.Shutdown()) // freeing an open connection would spoil its session
	p.Free()
	if sess == nil {
		t.Fatal("no client session")
	}
	defer sess.Free()
	hadTicket = sess.HasTicket()
	q := newPair(t, cctx, sctx)
	defer q.Free()
	check(t, q.Client.SetSession(sess))
	check(t, q.Handshake())
	check(t, q.ReadTickets())
	ss := q.Server.Session()
	defer ss.Free()
	return q.Client.SessionReused(), hadTicket, ss.TicketAppData()
}

// The generate callback puts application data into the ticket; the decrypt
// callback sees the decrypted session with it, and the resumed server
// session holds it; the Go callbacks are released with the context.
func TestSessionTicketCallback(t *testing.T) {
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		t.Run(v.String(), func(t *testing.T) {
			before := libssl.LiveObjects()
			sctx := serverCtx(t, ctxOpts{version: v})
			cctx := clientCtx(t, ctxOpts{version: v})
			type marker struct{ _ [64]byte }
			m := &marker{}
			wm := weak.Make(m)
			gens := 0
			var statuses []libssl.TicketStatus
			var decData []string
			gen := func(held *marker) func(s *libssl.SSL) error {
				return func(s *libssl.SSL) error {
					_ = held
					gens++
					sess := s.Session()
					if sess == nil {
						return errors.New("no session")
					}
					defer sess.Free()
					return sess.SetTicketAppData([]byte("app data"))
				}
			}(m)
			dec := func(s *libssl.SSL, sess *libssl.Session, st libssl.TicketStatus) libssl.TicketReturn {
				statuses = append(statuses, st)
				if sess != nil {
					decData = append(decData, string(sess.TicketAppData()))
				}
				switch st {
				case libssl.TicketSuccess:
					return libssl.TicketReturnUse
				case libssl.TicketSuccessRenew:
					return libssl.TicketReturnUseRenew
				}
				return libssl.TicketReturnIgnoreRenew
			}
			// No session-id cache: TLS 1.2 resumes by the ticket only.
			check(t, sctx.SetSessionCacheMode(libssl.SessCacheOff))
			check(t, sctx.SetSessionTicketCallback(gen, dec))
			m = nil
			reused, hadTicket, data := resumeTicket(t, cctx, sctx)
			if !reused || !hadTicket {
				t.Errorf("resumed %v, first session had a ticket %v; want both", reused, hadTicket)
			}
			if string(data) != "app data" {
				t.Errorf("resumed server session TicketAppData = %q, want %q", data, "app data")
			}
			if gens == 0 {
				t.Error("the generate callback never ran")
			}
			// TLS 1.2: the first ClientHello carried an empty ticket.
			succ := 0
			for _, st := range statuses {
				if st == libssl.TicketSuccess || st == libssl.TicketSuccessRenew {
					succ++
				} else if st != libssl.TicketEmpty {
					t.Errorf("decrypt callback status %d", st)
				}
			}
			if succ != 1 {
				t.Errorf("decrypt callback statuses %v, want one success", statuses)
			}
			if len(decData) != 1 || decData[0] != "app data" {
				t.Errorf("decrypt callback saw app data %q", decData)
			}
			// A decrypt callback that ignores every ticket stops resumption.
			check(t, sctx.SetSessionTicketCallback(nil, func(*libssl.SSL, *libssl.Session, libssl.TicketStatus) libssl.TicketReturn {
				return libssl.TicketReturnIgnore
			}))
			if reused, _, _ := resumeTicket(t, cctx, sctx); reused {
				t.Error("resumed though the decrypt callback ignored the ticket")
			}
			for i := 0; i < 5 && wm.Value() != nil; i++ {
				runtime.GC()
			}
			if wm.Value() != nil {
				t.Error("the replaced generate callback is still referenced")
			}
			check(t, sctx.SetSessionTicketCallback(nil, nil))
			if reused, _, _ := resumeTicket(t, cctx, sctx); !reused {
				t.Error("not resumed once the callbacks were removed")
			}
			sctx.Free()
			cctx.Free()
			if after, ok := settle(before); !ok {
				t.Errorf("destruction probe: %+v before, %+v after", before, after)
			}
		})
	}
}

// A panic in the generate callback fails the handshake and is raised again
// by the server's handshake step.
func TestSessionTicketCallbackPanic(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2})
	cctx := clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	defer sctx.Free()
	defer cctx.Free()
	check(t, sctx.SetSessionTicketCallback(func(*libssl.SSL) error { panic("boom in ticket gen") }, nil))
	p := newPair(t, cctx, sctx)
	defer p.Free()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "boom") {
			t.Errorf("recovered %v, want the callback's panic", r)
		}
	}()
	_ = p.Handshake()
	t.Error("the handshake returned without re-raising the panic")
}

// Ticket app data on a session by itself: set, replaced, removed; errors on
// a freed session.
func TestTicketAppData(t *testing.T) {
	sess := must(libssl.NewSession())
	if sess.TicketAppData() != nil || sess.HasTicket() {
		t.Error("a new session has app data or a ticket")
	}
	check(t, sess.SetTicketAppData([]byte("one")))
	big := strings.Repeat("z", 1000)
	check(t, sess.SetTicketAppData([]byte(big)))
	if got := string(sess.TicketAppData()); got != big {
		t.Errorf("TicketAppData = %d bytes, want %d", len(got), len(big))
	}
	check(t, sess.SetTicketAppData(nil))
	if got := sess.TicketAppData(); got != nil {
		t.Errorf("TicketAppData after removal = %q", got)
	}
	sess.Free()
	if err := sess.SetTicketAppData([]byte("x")); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetTicketAppData on a freed session: %v", err)
	}
	if sess.TicketAppData() != nil || sess.HasTicket() {
		t.Error("a freed session reports app data or a ticket")
	}
}

// The Go ticket key callback decides before the keys of SetTicketKeys:
// declining a ticket's decryption stops resumption, TicketKeyUseKeys lets the keys work (it sees
// one encryption and one decryption), and a panic is raised again.
func TestTicketKeyCallback(t *testing.T) {
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		t.Run(v.String(), func(t *testing.T) {
			before := libssl.LiveObjects()
			sctx := serverCtx(t, ctxOpts{version: v})
			cctx := clientCtx(t, ctxOpts{version: v})
			var enc, dec int
			counting := func(a libssl.TicketKeyAction) libssl.TicketKeyCallback {
				return func(_ *libssl.SSL, encrypt bool) libssl.TicketKeyAction {
					if encrypt {
						// 1.1.1 sends a malformed TLS 1.3 ticket when
						// encryption is declined: decide on decryption.
						enc++
						return libssl.TicketKeyUseKeys
					}
					dec++
					return a
				}
			}
			// The callback set before the keys stays in front of them.
			check(t, sctx.SetTicketKeyCallback(counting(libssl.TicketKeyUseKeys)))
			check(t, sctx.SetTicketKeys([]libssl.TicketKey{{Name: [16]byte{1}}}))
			if reused, _, _ := resumeTicket(t, cctx, sctx); !reused || enc == 0 || dec != 1 {
				t.Errorf("UseKeys: resumed %v, %d encryptions, %d decryptions; want resumed, >0, 1", reused, enc, dec)
			}
			enc, dec = 0, 0
			check(t, sctx.SetTicketKeyCallback(counting(libssl.TicketKeyDecline)))
			if reused, _, _ := resumeTicket(t, cctx, sctx); reused || dec != 1 {
				t.Errorf("Decline: resumed %v, %d decryptions; want a full handshake after 1", reused, dec)
			}
			// Without the callback the keys work alone again.
			check(t, sctx.SetTicketKeyCallback(nil))
			enc, dec = 0, 0
			if reused, _, _ := resumeTicket(t, cctx, sctx); !reused || enc+dec != 0 {
				t.Errorf("no callback: resumed %v, callback ran %d times", reused, enc+dec)
			}
			check(t, sctx.SetTicketKeyCallback(func(*libssl.SSL, bool) libssl.TicketKeyAction { panic("boom in ticket key") }))
			func() {
				p := newPair(t, cctx, sctx)
				defer p.Free()
				defer func() {
					if r := recover(); r == nil || !strings.Contains(r.(string), "boom") {
						t.Errorf("recovered %v, want the callback's panic", r)
					}
				}()
				_ = p.Handshake()
				_ = p.ReadTickets()
				t.Error("the handshake returned without re-raising the panic")
			}()
			sctx.Free()
			cctx.Free()
			if after, ok := settle(before); !ok {
				t.Errorf("destruction probe: %+v before, %+v after", before, after)
			}
		})
	}
}
