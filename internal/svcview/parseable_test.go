package svcview

import "testing"

// avahi-browse -p escaping, checked against what avahi 0.8 printed for the
// same data (avahi-publish -s 'My Web.x\y' with TXT q="x\y and bin=é).
func TestAvahiEscaping(t *testing.T) {
	if got, want := AvahiLabel(`My Web.x\y;é`), `My\032Web\.x\\y\059\195\169`; got != want {
		t.Errorf("AvahiLabel = %s, want %s", got, want)
	}
	if got, want := AvahiTXT([][]byte{[]byte("e="), []byte("flag"), []byte("bin=\xc3\xa9"), []byte(`q="x\y`), {}}), `"e=" "flag" "bin=\195\169" "q=\"x\\y"`; got != want {
		t.Errorf("AvahiTXT = %s, want %s", got, want)
	}
	if got := AvahiTXT([][]byte{{}}); got != "" {
		t.Errorf("empty TXT record = %q, want nothing, as avahi", got)
	}
}
