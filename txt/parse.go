package txt

import "strings"

// ParseAttr reads one attribute as people write it on a command line or in
// a configuration file: "key=value", "key=" (present, empty value) or a
// bare "key" (a boolean). The key ends at the first '=' (RFC 6763 §6.4);
// everything after it, '=' included, is the value. It does not check the
// key: [Parse] and [Encode] do.
func ParseAttr(s string) Attr {
	k, v, hasValue := strings.Cut(s, "=")
	a := Attr{Key: k}
	if hasValue {
		a.Value = []byte(v)
	}
	return a
}

// Parse reads attributes written as "key=value", "key=" or "key" (see
// [ParseAttr]), in order, and checks them as [Encode] does: a key of
// printable US-ASCII without '=', no two keys equal ignoring case, each
// string at most 255 bytes (RFC 6763 §6.1, §6.4). A bad attribute fails
// with a [*KeyError] whose Index is its position in strs and whose Key
// names it.
func Parse(strs ...string) (Attrs, error) {
	attrs := make(Attrs, 0, len(strs))
	for _, s := range strs {
		attrs = append(attrs, ParseAttr(s))
	}
	if _, err := Encode(attrs); err != nil {
		return nil, err
	}
	return attrs, nil
}
