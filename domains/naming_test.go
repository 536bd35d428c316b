package domains

import "testing"

// ServiceType: the type a registry name is browsed and published under.
func TestFlavourServiceType(t *testing.T) {
	for _, tc := range []struct {
		f          Flavour
		name, want string
	}{
		{DNSSD, "greeter", "_greeter._tcp"},
		{DNSSD, "_greeter._tcp", "_greeter._tcp"},
		{DNSSD, "_ipp._udp", "_ipp._udp"},
		{DNSSD, "Greeter", "_greeter._tcp"},
		{DNSSD, "go.micro.srv.greeter", dnssdType("go.micro.srv.greeter")},
		{Micro, "go.micro.srv.greeter", "go.micro.srv.greeter"},
		{Micro, "greeter", "greeter"},
	} {
		if got := tc.f.ServiceType(tc.name); got != tc.want {
			t.Errorf("%v.ServiceType(%q) = %q, want %q", tc.f, tc.name, got, tc.want)
		}
	}
}
