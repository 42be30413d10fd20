package openssl

import (
	"container/list"
	"sync"

	libssl "github.com/libssl-go/libssl"
)

// ClientSessionCache holds sessions for clients to resume, keyed by server
// name (or the peer's address when there is none).
//
// Ownership: Put receives a handle the cache then owns (it frees it when it
// drops it); Get returns a new handle, or nil, that the caller frees.
type ClientSessionCache interface {
	Get(key string) *libssl.Session
	Put(key string, s *libssl.Session)
}

// LRUClientSessionCache is a ClientSessionCache of bounded size that keeps
// only resumable sessions (SSL_SESSION_is_resumable) and drops the least
// recently used. It is safe for concurrent use.
type LRUClientSessionCache struct {
	mu    sync.Mutex
	cap   int
	m     map[string]*list.Element
	order *list.List // front: most recent
}

type lruEntry struct {
	key  string
	sess *libssl.Session
}

// NewLRUClientSessionCache makes a cache of at most capacity sessions
// (64 when capacity < 1).
func NewLRUClientSessionCache(capacity int) *LRUClientSessionCache {
	if capacity < 1 {
		capacity = 64
	}
	return &LRUClientSessionCache{cap: capacity, m: make(map[string]*list.Element), order: list.New()}
}

// Get returns a new handle on the session cached for key, or nil. A session
// that is no longer resumable (libssl marks a session so when a connection
// using it ends without close_notify) is dropped instead.
func (c *LRUClientSessionCache) Get(key string) *libssl.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		return nil
	}
	e := el.Value.(*lruEntry)
	if !e.sess.IsResumable() {
		c.removeLocked(el)
		return nil
	}
	c.order.MoveToFront(el)
	s, err := e.sess.UpRef()
	if err != nil {
		return nil
	}
	return s
}

// Put stores s under key, replacing what was there, and takes ownership of
// the handle. A nil or non-resumable session is freed and not stored.
func (c *LRUClientSessionCache) Put(key string, s *libssl.Session) {
	if s == nil {
		return
	}
	if !s.IsResumable() {
		s.Free()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		e := el.Value.(*lruEntry)
		if e.sess != s {
			e.sess.Free()
		}
		e.sess = s
		c.order.MoveToFront(el)
		return
	}
	c.m[key] = c.order.PushFront(&lruEntry{key: key, sess: s})
	for c.order.Len() > c.cap {
		c.removeLocked(c.order.Back())
	}
}

// Len returns the number of sessions held.
func (c *LRUClientSessionCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Clear frees every session the cache holds.
func (c *LRUClientSessionCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.order.Len() > 0 {
		c.removeLocked(c.order.Back())
	}
}

func (c *LRUClientSessionCache) removeLocked(el *list.Element) {
	e := c.order.Remove(el).(*lruEntry)
	delete(c.m, e.key)
	e.sess.Free()
}
