package testlan

import (
	"reflect"
	"testing"
)

// avahi-browse -p escapes names with avahi_escape_label (\. \\ \DDD) and
// quotes TXT strings with \" \\ \DDD, as avahi 0.8 prints them.
func TestParseAvahiBrowse(t *testing.T) {
	out := "+;e2;IPv4;My\\032Caf\\195\\169\\.Svc;_http._tcp;local\n" +
		"=;e2;IPv4;My\\032Caf\\195\\169\\.Svc;_http._tcp;local;h1.local;10.99.0.1;8080;\"q=\\\"x\\\"\" \"bin=\\255\" \"flag\"\n" +
		"-;e2;IPv6;back\\\\slash;_http._tcp;local\n" +
		"garbage line\n=;too;short\n"
	got := ParseAvahiBrowse(out)
	want := []AvahiLine{
		{Kind: "+", Iface: "e2", Proto: "IPv4", Name: "My Café.Svc", Type: "_http._tcp", Domain: "local"},
		{Kind: "=", Iface: "e2", Proto: "IPv4", Name: "My Café.Svc", Type: "_http._tcp", Domain: "local",
			Host: "h1.local", Addr: "10.99.0.1", Port: 8080, TXT: []string{`q="x"`, "bin=\xff", "flag"}},
		{Kind: "-", Iface: "e2", Proto: "IPv6", Name: `back\slash`, Type: "_http._tcp", Domain: "local"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if n := len(FindAvahi(got, "=", "My Café.Svc")); n != 1 {
		t.Errorf("FindAvahi found %d resolved lines, want 1", n)
	}
}
