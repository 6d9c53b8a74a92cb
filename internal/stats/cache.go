package stats

import (
	"container/list"
	"sync"
)

// cache keeps recent answers, least recently used first out. Every entry
// belongs to one version of the warehouse (the loader's position): when
// the version moves, everything cached is dropped, so an answer is never
// older than the last load.
type cache struct {
	mu      sync.Mutex
	max     int
	version uint64
	order   *list.List // of *cacheEntry, most recent at the front
	byKey   map[string]*list.Element
}

type cacheEntry struct {
	key string
	res *Result
}

// maxCachedRows bounds the answers worth keeping: large ones are rare
// and would crowd out the dashboard's.
const maxCachedRows = 1000

func newCache(max int) *cache {
	return &cache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the answer for key at version, or nil.
func (c *cache) get(key string, version uint64) *Result {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sync(version)
	el, ok := c.byKey[key]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).res
}

// put keeps res for key, computed at version.
func (c *cache) put(key string, version uint64, res *Result) {
	if c == nil || len(res.Results) > maxCachedRows {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sync(version)
	if version != c.version {
		return // the warehouse moved on while res was computed
	}
	if el, ok := c.byKey[key]; ok {
		el.Value.(*cacheEntry).res = res
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, res: res})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry).key)
	}
}

// sync drops everything when the warehouse is at a newer version.
func (c *cache) sync(version uint64) {
	if version > c.version {
		c.version = version
		c.order.Init()
		clear(c.byKey)
	}
}

// len is the number of answers kept.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
