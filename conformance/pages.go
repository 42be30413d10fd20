package conformance

// Disagreement is a place where a man page says one thing and libssl does
// another. The library is the truth; the checks named show what it does.
type Disagreement struct {
	Page    string   `json:"page"`
	Says    string   `json:"says"`    // what the page says
	Library string   `json:"library"` // what libssl does (1.1.1 and 3.x)
	Checks  []string `json:"checks"`  // the checks that show it
}

// Pages lists the man pages the checks come from, in report order.
func Pages() []string { return []string{pageNew, pageClear, pageSetSession} }

// Disagreements lists, per man page, where the page's text and the library
// disagree, as recorded in conformance/CLAIMS.md.
func Disagreements() []Disagreement {
	return []Disagreement{
		{
			Page:    pageNew,
			Says:    "SSL_dup: \"All settings are inherited from the original SSL structure.\"",
			Library: "Only a subset is copied: the BIOs, the SNI host name, quiet shutdown and the number of TLS 1.3 tickets are not.",
			Checks:  []string{"C08", "C09", "C10", "C11", "C12"},
		},
		{
			Page:    pageNew,
			Says:    "SSL_dup \"just increments the reference count if the connection is active\".",
			Library: "SSL_dup returns the same object (one more reference) as soon as any handshake step ran, including a failed or unfinished handshake.",
			Checks:  []string{"C15", "C16", "C18"},
		},
		{
			Page:    pageClear,
			Says:    "\"The special method used during the session will be kept for the next handshake.\"",
			Library: "False since 1.1.1: SSL_clear always puts the context's method back.",
			Checks:  []string{"C19"},
		},
		{
			Page:    pageClear,
			Says:    "A session is open if SSL_shutdown was not called (or SSL_SENT_SHUTDOWN not set).",
			Library: "A session that was set but not used yet, or whose handshake is still running, is not open: SSL_clear keeps it.",
			Checks:  []string{"C27"},
		},
		{
			Page:    pageClear,
			Says:    "An open session \"is considered bad and will be removed from the session cache\".",
			Library: "Removing an open session (by SSL_clear or SSL_free) also marks the session object non-resumable for every holder, clients included, cached or not.",
			Checks:  []string{"C22", "C25", "C28", "C32"},
		},
		{
			Page:    pageClear,
			Says:    "\"If a session is still open, it is considered bad and will be removed from the session cache\" (so it is not resumed).",
			Library: "With session tickets (the TLS 1.2 and 1.3 default) the server's cache stays empty, so a server-side clear or free of an open connection does not stop resumption; with TLS 1.3 stateful tickets only the current ticket's entry goes.",
			Checks:  []string{"C30", "C31"},
		},
		{
			Page:    pageSetSession,
			Says:    "A session is open if SSL_shutdown was not called for the connection.",
			Library: "A session that was set but not used yet, or whose handshake is still running, is not open.",
			Checks:  []string{"C27"},
		},
		{
			Page:    pageSetSession,
			Says:    "An open old session \"is considered bad and will be removed from the session cache (if used)\".",
			Library: "It is also marked non-resumable for every holder, clients included, whether or not a cache is used.",
			Checks:  []string{"C37", "C32"},
		},
		{
			Page:    pageSetSession,
			Says:    "A session \"must only be used with one SSL_CTX object\".",
			Library: "SSL_set_session does not check it: a session from another context is accepted (returns 1) and the handshake fails later with \"attempt to reuse session in different context\".",
			Checks:  []string{"C39"},
		},
	}
}
