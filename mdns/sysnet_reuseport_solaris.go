package mdns

// x/sys has no SO_REUSEPORT for Solaris and illumos (nor does their plan
// ask for it).
func sysReusePort() (level, opt int, ok bool) { return 0, 0, false }
