package openssl

import "reflect"

// Clone returns a new Config with the exported fields of cfg (as
// crypto/tls's Config.Clone does), for a Config that differs in a field or
// two (another ServerName, NextProtos) while cfg is in use. Slices, maps,
// hooks and handles are shared, not copied: Certificates' Key handles, a
// caller's Ctx and LibraryContext stay the caller's to free, as for cfg.
// What cfg built on first use is not carried over: the clone builds SSL_CTXs
// of its own on its first connection in each role, and the caller frees
// them with the clone's Free, independently of cfg's.
//
// ClientSessionCache is not carried over either: sessions belong to the
// SSL_CTX that made them (see the field), so a clone that should resume
// gets a cache of its own (NewLRUClientSessionCache), or cfg's when the
// caller knows that the two Configs never look up the same server name.
// A nil cfg clones to nil.
func (cfg *Config) Clone() *Config {
	if cfg == nil {
		return nil
	}
	c := new(Config)
	src, dst := reflect.ValueOf(cfg).Elem(), reflect.ValueOf(c).Elem()
	t := src.Type()
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			dst.Field(i).Set(src.Field(i))
		}
	}
	c.ClientSessionCache = nil
	return c
}
