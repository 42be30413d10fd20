package openssl

// Config.KeyLogWriter (SSL_CTX_set_keylog_callback).

import (
	"fmt"
	"sync"

	libssl "github.com/libssl-go/libssl"
)

// configureKeyLog makes the context write each secret libssl logs to
// KeyLogWriter, one line of the NSS key log format with its newline, as
// crypto/tls does. Lines of concurrent handshakes do not interleave. A
// write error is ignored (crypto/tls's handshake fails on one; a debugging
// aid should not break connections).
func (cfg *Config) configureKeyLog(ctx *libssl.Ctx) error {
	w := cfg.KeyLogWriter
	if w == nil {
		return nil
	}
	var mu sync.Mutex
	err := ctx.SetKeylogCallback(func(_ *libssl.SSL, line string) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write([]byte(line + "\n"))
	})
	if err != nil {
		return fmt.Errorf("openssl: Config.KeyLogWriter: %w", err)
	}
	return nil
}
