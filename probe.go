package libssl

// This file: the destruction probe, ex_data new and free functions on SSL,
// SSL_CTX and SSL_SESSION that count the objects libssl makes and destroys.

/*
#include "shim.h"
*/
import "C"

// Objects counts native objects by kind, as LiveObjects reports them.
type Objects struct {
	SSL     int64
	Ctx     int64
	Session int64
}

// LiveObjects is the destruction probe: the number of SSL, SSL_CTX and
// SSL_SESSION objects alive in C, counted by ex_data new and free functions
// that the package registers at start-up. An object counts from its creation
// (SSL_new, SSL_CTX_new, SSL_SESSION_new, including the sessions libssl makes
// inside a handshake or d2i_SSL_SESSION) until its reference count reaches
// zero and libssl destroys it. It counts every such object in the process,
// whoever made it, from the moment this package was initialised.
//
// It is for leak tests: a program's own (read it before, free everything,
// read it again: the same Objects means every object the test made was
// destroyed in C) and the conformance report's, which runs each check
// between two readings.
func LiveObjects() Objects {
	live := func(k C.int) int64 { return int64(C.ls_probe_created(k) - C.ls_probe_destroyed(k)) }
	return Objects{SSL: live(0), Ctx: live(1), Session: live(2)}
}
