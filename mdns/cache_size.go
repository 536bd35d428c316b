package mdns

import "context"

// CacheSize returns how many records the querier's cache holds now, on
// every interface together, and its bound (Config.MaxCacheRecords). It
// is a gauge for monitoring, e.g. that a flood of announcements leaves
// the cache at its bound and no higher, and that a cache returns to its
// size once churn has passed; after Close it returns zeros.
func (c *Conn) CacheSize() (records, bound int) {
	if c.do(context.Background(), func() { records, bound = c.qr.cache.total, c.qr.cache.maxTotal }) != nil {
		return 0, 0
	}
	return records, bound
}
