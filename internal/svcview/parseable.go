package svcview

import (
	"strconv"
	"strings"

	"github.com/mdnskit/mdnskit/mdns"
)

// ParseableLines renders an event in avahi-browse's parsable format
// (avahi-browse -p -k): one line per interface and protocol,
//
//	+;IFACE;PROTO;NAME;TYPE;DOMAIN                        new
//	-;IFACE;PROTO;NAME;TYPE;DOMAIN                        removed
//	=;IFACE;PROTO;NAME;TYPE;DOMAIN;HOST;ADDR;PORT;TXT     resolved (--resolve)
//
// Unlike avahi, which resolves once per protocol, there is one '=' line per
// address, and TXT strings are in wire order (avahi 0.8 prints them
// reversed). An update is reported as new '=' lines.
func ParseableLines(v *View, resolve bool) []string {
	e := v.Entry
	ifaces := e.Ifaces
	if len(ifaces) == 0 {
		ifaces = []string{"n/a"}
	}
	head := func(c byte, ifi, proto string) string {
		return string(c) + ";" + ifi + ";" + proto + ";" + AvahiLabel(e.Instance) + ";" + e.Type + ";" + e.Domain
	}
	var lines []string
	for _, ifi := range ifaces {
		for _, fam := range []struct {
			proto string
			v4    bool
		}{{"IPv4", true}, {"IPv6", false}} {
			var addrs []string
			for _, a := range e.Addrs {
				if a.Is4() != fam.v4 || (a.Zone() != "" && a.Zone() != ifi) {
					continue
				}
				addrs = append(addrs, a.WithZone("").String()) // the zone is the interface column
			}
			if len(addrs) == 0 {
				continue
			}
			switch v.Kind {
			case mdns.EventAdd:
				lines = append(lines, head('+', ifi, fam.proto))
			case mdns.EventRemove:
				lines = append(lines, head('-', ifi, fam.proto))
				continue
			}
			if resolve {
				for _, a := range addrs {
					lines = append(lines, head('=', ifi, fam.proto)+";"+e.Host+";"+a+";"+strconv.Itoa(int(e.Port))+";"+AvahiTXT(e.Text))
				}
			}
		}
	}
	return lines
}

// AvahiLabel escapes an instance name as avahi_escape_label does: letters,
// digits, '-' and '_' as they are, '.' and '\' after a backslash, every
// other byte as \DDD (decimal), so that ';' and spaces never split a field.
func AvahiLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			b.WriteByte(c)
		default:
			writeDDD(&b, c)
		}
	}
	return b.String()
}

// AvahiTXT writes TXT strings as avahi_string_list_to_string (0.8) does:
// each in double quotes, '"' and '\' after a backslash, bytes outside
// printable ASCII as \DDD, separated by spaces. Like avahi it skips empty
// strings, so the empty record (one empty string, RFC 6763 §6.1) is "".
func AvahiTXT(strs [][]byte) string {
	var b strings.Builder
	for _, s := range strs {
		if len(s) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for _, c := range s {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20 || c >= 0x7f:
				writeDDD(&b, c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
	}
	return b.String()
}

func writeDDD(b *strings.Builder, c byte) {
	b.WriteByte('\\')
	b.WriteByte('0' + c/100)
	b.WriteByte('0' + c/10%10)
	b.WriteByte('0' + c%10)
}
