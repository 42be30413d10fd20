package libssl_test

import (
	"os"
	"strconv"
	"strings"
)

// threadCount reads the process's thread count from /proc/self/status.
func threadCount() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 64
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return n
			}
		}
	}
	return 64
}
