// Package repocheck holds tests of the repository's own files, beside the
// code: that what one file declares and another describes agree. It has no
// code of its own; its tests read the files from the module's root
// (../../), so they run from a source tree (go test), not from a copied
// test binary.
package repocheck
