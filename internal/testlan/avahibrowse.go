package testlan

import (
	"strconv"
	"strings"
)

// AvahiLine is one line of avahi-browse -p output:
// +;iface;proto;name;type;domain, -;... (removal) or
// =;iface;proto;name;type;domain;host;address;port;"txt" "txt"...
// Name is unescaped; TXT decoded.
type AvahiLine struct {
	Kind, Iface, Proto, Name, Type, Domain string
	Host, Addr                             string
	Port                                   int
	TXT                                    []string
}

// ParseAvahiBrowse parses avahi-browse -p output, ignoring what it cannot parse.
func ParseAvahiBrowse(out string) []AvahiLine {
	var ls []AvahiLine
	for _, line := range strings.Split(out, "\n") {
		f := strings.SplitN(line, ";", 10)
		if len(f) < 6 || (f[0] != "+" && f[0] != "-" && f[0] != "=") {
			continue
		}
		l := AvahiLine{Kind: f[0], Iface: f[1], Proto: f[2], Name: avahiUnescape(f[3]), Type: f[4], Domain: f[5]}
		if f[0] == "=" {
			if len(f) != 10 {
				continue
			}
			l.Host, l.Addr = f[6], f[7]
			l.Port, _ = strconv.Atoi(f[8])
			l.TXT = avahiTXT(f[9])
		}
		ls = append(ls, l)
	}
	return ls
}

// avahiUnescape undoes avahi_escape_label: \. \\ and \DDD (decimal byte).
func avahiUnescape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b = append(b, s[i])
			continue
		}
		if i+3 < len(s) && isDigits(s[i+1:i+4]) {
			n, _ := strconv.Atoi(s[i+1 : i+4])
			b = append(b, byte(n))
			i += 3
			continue
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// avahiTXT decodes avahi_string_list_to_string output: "a" "b=c", with
// \" \\ and \DDD inside the quotes.
func avahiTXT(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		var cur []byte
		for i++; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+3 < len(s) && isDigits(s[i+1:i+4]) {
				n, _ := strconv.Atoi(s[i+1 : i+4])
				cur = append(cur, byte(n))
				i += 3
				continue
			}
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			cur = append(cur, s[i])
		}
		out = append(out, string(cur))
	}
	return out
}

// FindAvahi returns the lines of kind ("+", "-" or "=") for instance name.
func FindAvahi(ls []AvahiLine, kind, name string) []AvahiLine {
	var out []AvahiLine
	for _, l := range ls {
		if l.Kind == kind && l.Name == name {
			out = append(out, l)
		}
	}
	return out
}
