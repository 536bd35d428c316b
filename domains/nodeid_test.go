package domains

import "testing"

func TestFitNodeID(t *testing.T) {
	const uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
	long := "a.very.long.dotted.service.name.in.go-micro.style"
	for _, tc := range []struct {
		id      string
		flavour Flavour
		want    string
	}{
		{"greeter-" + uuid, Micro, "greeter-" + uuid},
		{"go.micro.srv.greeter-" + uuid, Micro, "go-micro-srv-greeter-" + uuid},
		{"go.micro.srv.greeter-" + uuid, DNSSD, "go.micro.srv.greeter-" + uuid},
		{"a (b);c@d$e\"f\\g", Micro, "a--b--c-d-e-f-g"},
		{"tab\there\x7f", DNSSD, "tab-here-"},
		{long + "-" + uuid, Micro, "a-very-long-dotted-service-" + uuid},
		{long + "-" + uuid, DNSSD, "a.very.long.dotted.service-" + uuid},
		{"", Micro, ""},
	} {
		got := FitNodeID(tc.id, tc.flavour)
		if got != tc.want {
			t.Errorf("FitNodeID(%q, %v) = %q, want %q", tc.id, tc.flavour, got, tc.want)
		}
		if got != "" && ValidateNodeID(got, tc.flavour) != nil {
			t.Errorf("FitNodeID(%q, %v) = %q, which is not valid", tc.id, tc.flavour, got)
		}
	}
}

// Whatever id a go-micro server makes up, the id published is one the
// flavour accepts, and mapping it again changes nothing.
func FuzzFitNodeID(f *testing.F) {
	f.Add("go.micro.srv.greeter-1b4e28ba-2fa1-11d2-883f-0016d3cca427")
	f.Add("helloworld-1b4e28ba-2fa1-11d2-883f-0016d3cca427")
	f.Add("ünïcödé (x);y")
	f.Fuzz(func(t *testing.T, id string) {
		for _, fl := range []Flavour{Micro, DNSSD} {
			got := FitNodeID(id, fl)
			if id == "" {
				continue
			}
			if err := ValidateNodeID(got, fl); err != nil {
				t.Errorf("FitNodeID(%q, %v) = %q: %v", id, fl, got, err)
			}
			if again := FitNodeID(got, fl); again != got {
				t.Errorf("FitNodeID(%q, %v) = %q, then %q", id, fl, got, again)
			}
		}
	})
}
