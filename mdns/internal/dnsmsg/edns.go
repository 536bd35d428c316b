package dnsmsg

// EDNS0Size returns the UDP payload size a query's OPT pseudo-record
// advertises (RFC 6891 §6.1.2: carried in its CLASS field), if it has one.
func (m *Msg) EDNS0Size() (int, bool) {
	for _, rr := range m.Extra {
		if h := rr.Header(); h.Type == TypeOPT {
			return int(h.Class), true
		}
	}
	return 0, false
}
