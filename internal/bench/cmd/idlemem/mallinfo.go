package main

// #include <malloc.h>
//
// static size_t idlemem_cheap(void) {
// 	struct mallinfo2 mi = mallinfo2();
// 	return mi.uordblks + mi.hblkhd;
// }
import "C"

// cHeap is the C heap in use (glibc mallinfo2: small blocks plus mmapped
// large ones), in bytes. In this process that is libssl's memory: the Go
// runtime does not allocate with malloc.
func cHeap() uint64 { return uint64(C.idlemem_cheap()) }
