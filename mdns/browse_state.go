package mdns

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// browser is the loop side of one Browse, Resolve, BrowseTypes or
// LookupHost call. It holds no records of its own: whenever the cache
// changes a name it depends on, it recomputes the affected instances from
// the cache and queues the difference from what it last reported.
type browser struct {
	q    *querier
	kind browseKind
	out  *eventQueue

	// What is browsed. ptr is the canonical PTR name (instances, types),
	// ptrName its presentation form; suffix is the canonical
	// "_type._proto.domain." that instance names end with.
	ptr, ptrName, suffix  string
	typ, domain, subtype  string
	dotted                bool   // instances may span several labels
	host, hostName        string // browseHost
	resolveName, resolveL string // browseResolve: presentation name, raw label

	ptrDirty   bool            // every PTR target to be read again (at start)
	ptrChanged map[string]bool // canonical targets whose PTR records changed
	insts      map[string]*instance
	hosts      map[string]map[*instance]bool
	dirtyInsts map[*instance]bool
	types      map[string]TypeEvent

	hostAsking   []asked
	hostKnown    []netip.Addr
	hostComplete bool // both address types known or denied
	hostDirty    bool
	addrZone     string // browseAddr: only answers heard on this interface
}

type browseKind int

const (
	browseInstances browseKind = iota
	browseResolve
	browseTypes
	browseHost
	browseAddr // LookupAddr: host and hostName hold the reverse-mapping name
)

// instance is a service instance a browser follows.
type instance struct {
	key     string // canonical instance name
	name    string // presentation
	label   string // raw instance label
	present bool   // a PTR points at it (always, for Resolve)
	pinned  bool   // Resolve: followed whether or not a PTR exists
	host    string // canonical SRV target, "" without an SRV
	asking  []asked
	known   *ServiceEntry // what the consumer was last told, nil if nothing
	// pinnedHost is the host name pinned with the instance while it is
	// reported (known != nil): the cache keeps their records (cache_evict.go).
	pinnedHost string
}

func newBrowser(q *querier, kind browseKind) *browser {
	return &browser{
		q: q, kind: kind, out: newEventQueue(),
		insts:      make(map[string]*instance),
		hosts:      make(map[string]map[*instance]bool),
		dirtyInsts: make(map[*instance]bool),
		ptrChanged: make(map[string]bool),
		types:      make(map[string]TypeEvent),
	}
}

// start begins following; it runs on the loop.
func (b *browser) start() {
	q := b.q
	switch b.kind {
	case browseInstances, browseTypes:
		q.watch(b, b.ptr)
		q.ask(b.ptrName, dnsmsg.TypePTR)
		b.ptrDirty = true
	case browseResolve:
		inst := b.addInstance(canonical(b.resolveName), b.resolveName, b.resolveL)
		inst.pinned, inst.present = true, true
		b.dirtyInsts[inst] = true
	case browseHost, browseAddr:
		q.watch(b, b.host)
		b.hostDirty = true
	}
	q.dirty[b] = true
	q.settle()
}

// stop ends following and releases every question and interest.
func (b *browser) stop() {
	q := b.q
	switch b.kind {
	case browseInstances, browseTypes:
		q.unwatch(b, b.ptr)
		q.unask(b.ptrName, dnsmsg.TypePTR)
	case browseHost, browseAddr:
		q.unwatch(b, b.host)
		b.setAsking(&b.hostAsking, nil)
	}
	for _, inst := range b.insts {
		b.dropInstance(inst)
	}
	delete(q.dirty, b)
}

// touch notes that a record of name changed: target is a PTR record's
// target, "" for other types.
func (b *browser) touch(name, target string) {
	if name == b.ptr && target != "" {
		b.ptrChanged[target] = true
	}
	if inst := b.insts[name]; inst != nil {
		b.dirtyInsts[inst] = true
	}
	for inst := range b.hosts[name] {
		b.dirtyInsts[inst] = true
	}
	if name == b.host {
		b.hostDirty = true
	}
}

func (b *browser) settle() {
	switch b.kind {
	case browseTypes:
		b.settleTypes()
		return
	case browseHost:
		b.settleHost()
		return
	case browseAddr:
		b.settleAddr()
		return
	}
	if b.ptrDirty {
		b.ptrDirty = false
		clear(b.ptrChanged)
		targets := b.q.ptrTargets(b.ptr)
		for key, name := range targets {
			if b.insts[key] == nil {
				b.newInstance(key, name)
			}
		}
		for key, inst := range b.insts {
			_, present := targets[key]
			b.setPresent(inst, present)
		}
	}
	// Only the instances whose PTR records changed: a PTR set may hold
	// thousands of records, and a packet changes a few.
	for key := range b.ptrChanged {
		delete(b.ptrChanged, key)
		name, present := b.q.ptrTo(b.ptr, key)
		inst := b.insts[key]
		if inst == nil && present {
			inst = b.newInstance(key, name)
		}
		if inst != nil {
			b.setPresent(inst, present)
		}
	}
	// In name order, so that instances changed by one packet are reported
	// in the same order every time.
	for len(b.dirtyInsts) > 0 {
		insts := make([]*instance, 0, len(b.dirtyInsts))
		for inst := range b.dirtyInsts {
			insts = append(insts, inst)
		}
		slices.SortFunc(insts, func(x, y *instance) int { return strings.Compare(x.key, y.key) })
		for _, inst := range insts {
			delete(b.dirtyInsts, inst)
			b.resolve(inst)
		}
	}
}

// newInstance starts following the instance a PTR record names, nil if
// the name is not an instance of the browsed type.
func (b *browser) newInstance(key, name string) *instance {
	label, ok := b.instanceLabel(name)
	if !ok {
		return nil
	}
	return b.addInstance(key, name, label)
}

// setPresent records whether a PTR record names inst; one no PTR names
// any more is resolved once more, to be reported gone and dropped.
func (b *browser) setPresent(inst *instance, present bool) {
	present = present || inst.pinned
	if present != inst.present || !present {
		inst.present = present
		b.dirtyInsts[inst] = true
	}
}

// instanceLabel checks that a PTR target is "<instance>.<type>.<domain>."
// and returns the raw instance label (labels joined with dots when the
// browse accepts dotted instances).
func (b *browser) instanceLabel(name string) (string, bool) {
	labels, ok := trimSuffixName(name, b.suffix)
	switch {
	case !ok || len(labels) == 0:
		return "", false
	case len(labels) == 1:
		return labels[0], true
	case b.dotted:
		return strings.Join(labels, "."), true
	}
	return "", false
}

func (b *browser) addInstance(key, name, label string) *instance {
	inst := &instance{key: key, name: name, label: label}
	b.insts[key] = inst
	b.q.watch(b, key)
	b.dirtyInsts[inst] = true
	return inst
}

func (b *browser) dropInstance(inst *instance) {
	b.setPins(inst, false, "")
	b.setAsking(&inst.asking, nil)
	b.setHost(inst, "")
	b.q.unwatch(b, inst.key)
	delete(b.insts, inst.key)
	delete(b.dirtyInsts, inst)
}

// setHost moves inst to the host name its SRV record now points at.
func (b *browser) setHost(inst *instance, host string) {
	if inst.host == host {
		return
	}
	if old := inst.host; old != "" {
		delete(b.hosts[old], inst)
		if len(b.hosts[old]) == 0 {
			delete(b.hosts, old)
		}
		b.q.unwatch(b, old)
	}
	inst.host = host
	if host != "" {
		if b.hosts[host] == nil {
			b.hosts[host] = make(map[*instance]bool)
		}
		b.hosts[host][inst] = true
		b.q.watch(b, host)
	}
}

// asked is a question an instance or host lookup holds.
type asked struct {
	key  askKey
	name string
}

// setAsking changes the questions held in *cur (a few: a slice, nil when
// none, as for most resolved instances) to want.
func (b *browser) setAsking(cur *[]asked, want map[askKey]string) {
	kept := (*cur)[:0]
	for _, a := range *cur {
		if _, ok := want[a.key]; ok {
			kept = append(kept, a)
		} else {
			b.q.unaskKey(a.key)
		}
	}
	*cur = kept
	for k, name := range want {
		if !slices.ContainsFunc(*cur, func(a asked) bool { return a.key == k }) {
			b.q.askKey(k, name)
			*cur = append(*cur, asked{k, name})
		}
	}
	if len(*cur) == 0 {
		*cur = nil
	}
}

// everywhere is the key of a question asked on every interface and family.
func everywhere(name string, typ uint16) askKey { return askKey{rrKey: rrKey{name, typ}} }

// resolve recomputes one instance from the cache, asks for what is
// missing (with the same schedule as any question, RFC 6762 §5.2) and
// queues add, update or remove.
func (b *browser) resolve(inst *instance) {
	q := b.q
	srv := q.latest(inst.key, dnsmsg.TypeSRV)
	txt := q.latest(inst.key, dnsmsg.TypeTXT)
	var target string
	host := ""
	if srv != nil {
		target = srv.rr.(*dnsmsg.SRV).Target
		host = canonical(target)
	}
	if !inst.present {
		host = ""
	}
	b.setHost(inst, host)
	var addrs []netip.Addr
	if host != "" {
		addrs = q.hostAddrs(host)
	}
	want := make(map[askKey]string)
	if inst.present {
		if srv == nil {
			want[everywhere(inst.key, dnsmsg.TypeSRV)] = inst.name
		}
		if txt == nil {
			want[everywhere(inst.key, dnsmsg.TypeTXT)] = inst.name
		}
		if srv != nil && len(addrs) == 0 {
			want[everywhere(host, dnsmsg.TypeA)] = target
			want[everywhere(host, dnsmsg.TypeAAAA)] = target
		}
		if srv != nil && len(addrs) > 0 {
			for _, k := range q.missingFamilies(inst.key, host) {
				want[k] = target
			}
		}
	}
	b.setAsking(&inst.asking, want)

	if inst.present && srv != nil && txt != nil && len(addrs) > 0 {
		s := srv.rr.(*dnsmsg.SRV)
		e := ServiceEntry{
			Instance: inst.label, Type: b.typ, Domain: b.domain,
			Host: strings.TrimSuffix(s.Target, "."), Port: s.Port, Priority: s.Priority, Weight: s.Weight,
			Text: txtStrings(txt.rr.(*dnsmsg.TXT)), Addrs: addrs,
			Ifaces: q.ifacesOf(inst.key, dnsmsg.TypeSRV), TTL: srv.remaining(time.Now()),
			Subtype: b.subtype,
		}
		complete := q.hostHas(host, dnsmsg.TypeA) && q.hostHas(host, dnsmsg.TypeAAAA) // for Resolve
		switch {
		case inst.known == nil:
			b.out.push(inst.key, event{kind: EventAdd, entry: e, complete: complete})
		case entryChanged(inst.known, &e):
			b.out.push(inst.key, event{kind: EventUpdate, entry: e, complete: complete})
		}
		inst.known = &e
		b.setPins(inst, true, host)
		return
	}
	b.setPins(inst, false, "")
	if inst.known != nil {
		b.out.push(inst.key, event{kind: EventRemove, entry: *inst.known})
		inst.known = nil
	}
	if !inst.present && !inst.pinned {
		b.dropInstance(inst)
	}
}

// setPins keeps the records of a reported instance (its name, and its
// host's) protected from eviction while it is reported (cache_evict.go):
// a flood of newcomers must not take away what the consumer was told.
func (b *browser) setPins(inst *instance, reported bool, host string) {
	c := &b.q.cache
	was := inst.pinnedHost != "" // host is never "" while reported
	switch {
	case reported && !was:
		c.pin(inst.key)
		c.pin(host)
	case !reported && was:
		c.unpin(inst.key)
		c.unpin(inst.pinnedHost)
		host = ""
	case reported && host != inst.pinnedHost:
		c.pin(host)
		c.unpin(inst.pinnedHost)
	}
	inst.pinnedHost = host
}

// entryChanged reports a difference worth an update event: host, port,
// TXT or the address set.
func entryChanged(a, b *ServiceEntry) bool {
	return !equalNames(a.Host, b.Host) || a.Port != b.Port || a.Priority != b.Priority || a.Weight != b.Weight ||
		!slices.EqualFunc(a.Text, b.Text, bytes.Equal) || !slices.Equal(a.Addrs, b.Addrs)
}

func (b *browser) settleTypes() {
	if b.ptrDirty {
		b.ptrDirty = false
		clear(b.ptrChanged)
		targets := b.q.ptrTargets(b.ptr)
		for key, name := range targets {
			b.typeSeen(key, name, true)
		}
		for key := range b.types {
			if _, ok := targets[key]; !ok {
				b.typeSeen(key, "", false)
			}
		}
	}
	for key := range b.ptrChanged {
		delete(b.ptrChanged, key)
		name, present := b.q.ptrTo(b.ptr, key)
		b.typeSeen(key, name, present)
	}
}

// typeSeen reports a service type that a PTR record names (present) or
// no longer names.
func (b *browser) typeSeen(key, name string, present bool) {
	te, known := b.types[key]
	switch {
	case present && !known:
		labels, ok := trimSuffixName(name, b.suffix)
		if !ok || len(labels) == 0 {
			return
		}
		te := TypeEvent{Kind: EventAdd, Type: strings.Join(labels, "."), Domain: b.domain}
		b.types[key] = te
		b.out.push(key, event{kind: EventAdd, types: te})
	case !present && known:
		delete(b.types, key)
		te.Kind = EventRemove
		b.out.push(key, event{kind: EventRemove, types: te})
	}
}

func (b *browser) settleHost() {
	if !b.hostDirty {
		return
	}
	b.hostDirty = false
	addrs := b.q.hostAddrs(b.host)
	want := make(map[askKey]string)
	complete := true
	for _, typ := range []uint16{dnsmsg.TypeA, dnsmsg.TypeAAAA} {
		if !b.q.hostHas(b.host, typ) {
			// Asked until it comes or the host's NSEC denies it (RFC 6762
			// §6.1): a responder may send each type over its own family
			// only, so one answer is not all there is.
			want[everywhere(b.host, typ)] = b.hostName
			complete = false
		}
	}
	b.setAsking(&b.hostAsking, want)
	if len(addrs) > 0 && (!slices.Equal(addrs, b.hostKnown) || complete != b.hostComplete) {
		kind := EventUpdate
		if b.hostKnown == nil {
			kind = EventAdd
		}
		b.hostKnown, b.hostComplete = addrs, complete
		b.out.push(b.host, event{kind: kind, complete: complete,
			entry: ServiceEntry{Host: strings.TrimSuffix(b.hostName, "."), Addrs: addrs}})
	}
}

// settleAddr reports the names the reverse-mapping name points at, from
// the cache, and asks for them while there are none.
func (b *browser) settleAddr() {
	if !b.hostDirty {
		return
	}
	b.hostDirty = false
	var names []string
	b.q.all(b.host, dnsmsg.TypePTR, func(e *cacheEntry) {
		if b.addrZone != "" && e.ifName != b.addrZone {
			return
		}
		if p, ok := e.rr.(*dnsmsg.PTR); ok {
			if n := strings.TrimSuffix(p.Ptr, "."); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	})
	slices.Sort(names)
	want := make(map[askKey]string)
	if len(names) == 0 {
		want[everywhere(b.host, dnsmsg.TypePTR)] = b.hostName
	}
	b.setAsking(&b.hostAsking, want)
	if len(names) > 0 {
		b.out.push(b.host, event{kind: EventAdd, names: names})
	}
}
