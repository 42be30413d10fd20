package libssl

// This file: what a call refused by an SSL's concurrency guard gives.

import "fmt"

// ErrConcurrentUse reports a call on an SSL object made while another
// goroutine (another OS thread) was inside a call on the same object,
// through this handle or another one (UpRef, or Dup of a started SSL). The
// refused call was not made and the object is as the other call leaves it.
// Methods with an error result return an error matching it; methods without
// one (getters, setters that cannot fail) panic with such an error, as Go
// does for concurrent map writes. See "Concurrency" in the package doc.
var ErrConcurrentUse error = &sentinel{msg: "libssl: concurrent use of one SSL object from two goroutines (libssl does not allow it)"}

// concurrentUse is what the generated val and void wrappers do when the
// SSL's guard refuses them: they have no error result to return.
func concurrentUse(op string) {
	panic(fmt.Errorf("%s: %w", op, ErrConcurrentUse))
}
