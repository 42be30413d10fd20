package libssl

// ECHStoreCounts gives the tests the number of ECH stores made and freed
// in C (shim_ech.c).
var ECHStoreCounts = echStoreCounts
