package mdns

import "sync/atomic"

// Stats are cumulative counters of a Conn. Dropped packets are counted by
// reason, never logged one by one: anyone on the link could flood a log.
type Stats struct {
	Received   uint64 // datagrams read from the sockets
	Sent       uint64 // datagrams written
	SendErrors uint64

	DroppedOversize  uint64 // larger than 9000 bytes (RFC 6762 §17)
	DroppedMalformed uint64 // not a parsable DNS message
	DroppedTooMany   uint64 // more records than we accept in one message
	DroppedOpcode    uint64 // nonzero opcode or rcode (RFC 6762 §18.3, §18.11)
	DroppedOffLink   uint64 // source not on the receiving interface's link (RFC 6762 §11)
	DroppedSrcPort   uint64 // a response not from port 5353 (RFC 6762 §11)
	DroppedUnknownIf uint64 // arrived on an interface we do not serve
	SkippedRecords   uint64 // malformed records skipped in otherwise valid messages

	Queries        uint64 // queries processed
	Responses      uint64 // responses processed
	Conflicts      uint64 // names lost to other hosts (probe or late conflict)
	HostDeferrals  uint64 // times the host name was left to this machine's own responder on an interface
	CacheEvictions uint64 // cache entries evicted because the cache was full
	CacheDropped   uint64 // records not cached: the cache was full and none of its records could give way
	JoinFailures   uint64 // failed joins of the mDNS group on an interface (Config.Warn)
}

type counters struct {
	received, sent, sendErrors                             atomic.Uint64
	oversize, malformed, tooMany, opcode, offLink, srcPort atomic.Uint64
	unknownIf, skippedRecords                              atomic.Uint64
	queries, responses, conflicts, evictions               atomic.Uint64
	hostDeferrals, cacheDropped                            atomic.Uint64
	joinFailures                                           atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Received:         c.received.Load(),
		Sent:             c.sent.Load(),
		SendErrors:       c.sendErrors.Load(),
		DroppedOversize:  c.oversize.Load(),
		DroppedMalformed: c.malformed.Load(),
		DroppedTooMany:   c.tooMany.Load(),
		DroppedOpcode:    c.opcode.Load(),
		DroppedOffLink:   c.offLink.Load(),
		DroppedSrcPort:   c.srcPort.Load(),
		DroppedUnknownIf: c.unknownIf.Load(),
		SkippedRecords:   c.skippedRecords.Load(),
		Queries:          c.queries.Load(),
		Responses:        c.responses.Load(),
		Conflicts:        c.conflicts.Load(),
		HostDeferrals:    c.hostDeferrals.Load(),
		CacheEvictions:   c.evictions.Load(),
		CacheDropped:     c.cacheDropped.Load(),
		JoinFailures:     c.joinFailures.Load(),
	}
}
