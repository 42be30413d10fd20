package libssl

// Hints for cgo on the hot calls. nocallback is given only to functions
// that cannot reach a Go callback: they never free an SSL or SSL_CTX (whose
// ex_data free function releases a cgo.Handle through Go) and never run a
// handshake step (verify and info callbacks). noescape is given to functions
// that do not keep the Go memory they are passed beyond the call.

/*
#cgo nocallback ls_ssl_up_ref
#cgo nocallback ls_ssl_set_session
#cgo nocallback ls_ssl_get1_session
#cgo nocallback ls_ssl_get0_session
#cgo nocallback ls_sess_free
#cgo nocallback ls_sess_up_ref
#cgo nocallback ls_sess_i2d_len
#cgo nocallback ls_sess_i2d
#cgo nocallback ls_sess_d2i
#cgo nocallback ls_errq_free
#cgo nocallback ls_bio_write
#cgo nocallback ls_bio_read
#cgo nocallback ls_bio_pending
#cgo noescape ls_sess_i2d
#cgo noescape ls_sess_d2i
#cgo noescape ls_bio_write
#cgo noescape ls_bio_read
#cgo noescape ls_ssl_read
#cgo noescape ls_ssl_peek
#cgo noescape ls_ssl_write
#include "shim.h"
*/
import "C"
