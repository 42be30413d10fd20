package openssl

// Session ticket keys shared by a fleet of servers.

import (
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"sync"

	libssl "github.com/libssl-go/libssl"
)

// ticketKeyState holds the keys SetSessionTicketKeys gave, for the server
// context the Config builds (or has built).
type ticketKeyState struct {
	mu   sync.Mutex
	set  bool
	keys []libssl.TicketKey
	ctx  *libssl.Ctx // the server context, once built
}

// ticketKey derives a libssl ticket key from a 32-byte secret: SHA-512 of
// the secret gives the key name (16 bytes), the AES-128 key (16) and the
// HMAC-SHA256 key (32). Servers that share the secret make and accept the
// same tickets.
func ticketKey(secret [32]byte) libssl.TicketKey {
	h := sha512.Sum512(secret[:])
	var k libssl.TicketKey
	copy(k.Name[:], h[0:16])
	copy(k.AESKey[:], h[16:32])
	copy(k.HMACKey[:], h[32:64])
	return k
}

// SetSessionTicketKeys sets the keys of the session tickets the Config's
// servers issue and accept, as crypto/tls's Config.SetSessionTicketKeys
// does: keys[0] encrypts new tickets, and tickets made with any of keys are
// accepted (those made with an older key are renewed). Servers that share
// the keys resume each other's tickets; a ticket whose key is no longer
// given gives a full handshake, without error. Call it again to rotate the
// keys, also while connections are being served (the server's SSL_CTX
// gets the new keys at once). The keys are kept in C memory that the
// SSL_CTX owns (SSL_CTX_set_tlsext_ticket_key_evp_cb, on 1.1.1
// SSL_CTX_set_tlsext_ticket_key_cb). Call it first before the Config's
// first server connection: the session id context of a Config with ticket
// keys is then derived from its client-certificate policy (ClientAuth,
// ClientCAs, ClientCAsFromSystem) instead of being random, so that servers
// with the same keys and policy accept each other's sessions. It has no
// effect on a Config with Ctx set: use Ctx.SetTicketKeys. As libssl takes
// ticket keys from the context a connection was made from, a connection
// that GetConfigForClient moved to another Config uses the keys of the
// Config it started on.
func (cfg *Config) SetSessionTicketKeys(keys [][32]byte) error {
	if len(keys) == 0 {
		return errors.New("openssl: SetSessionTicketKeys: no keys")
	}
	if len(keys) > libssl.MaxTicketKeys {
		return fmt.Errorf("openssl: SetSessionTicketKeys: more than %d keys", libssl.MaxTicketKeys)
	}
	tk := make([]libssl.TicketKey, len(keys))
	for i, k := range keys {
		tk[i] = ticketKey(k)
	}
	t := &cfg.tickets
	t.mu.Lock()
	defer t.mu.Unlock()
	t.keys, t.set = tk, true
	if t.ctx != nil {
		return t.ctx.SetTicketKeys(tk)
	}
	return nil
}

// sessionIDContext is the servers' session id context: random per Config
// (a session made under another Config is never resumed), except for a
// Config that was given ticket keys before its first server connection:
// servers of a fleet must accept each other's sessions, so theirs is
// derived from what decides whether a session may be resumed (ClientAuth,
// ClientCAs, ClientCAsFromSystem), the same on every server with the same
// policy.
func (cfg *Config) sessionIDContext() []byte {
	cfg.tickets.mu.Lock()
	fleet := cfg.tickets.set
	cfg.tickets.mu.Unlock()
	if !fleet {
		return newSessionIDContext()
	}
	h := sha256.New()
	fmt.Fprintf(h, "libssl-go fleet session id context 1\x00%d\x00%v\x00", int(cfg.ClientAuth), cfg.ClientCAsFromSystem)
	h.Write(cfg.ClientCAs)
	return h.Sum([]byte("lsgf"))[:24]
}

// install gives a newly built server context the keys, and keeps it for
// later rotations.
func (t *ticketKeyState) install(cfg *Config, ctx *libssl.Ctx) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ctx = ctx
	if !t.set {
		return nil
	}
	if err := ctx.SetTicketKeys(t.keys); err != nil {
		return fmt.Errorf("openssl: SetSessionTicketKeys: %w", err)
	}
	return nil
}
