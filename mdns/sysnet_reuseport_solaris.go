package mdns

// x/sys has no SO_REUSEPORT for Solaris and illumos; SO_REUSEADDR shares
// multicast ports there.
func sysSetReusePort(int) error { return nil }
