// Package reliability measures how mdnskit behaves on the links its users
// have — lossy, duplicating and reordering links, hosts that come and go,
// floods, interfaces that flap — and over long runs. It holds no code
// outside its tests and its tools (dnswire, relpeer).
//
// Two layers:
//
//   - Protocol properties pinned exactly on the virtual clock of
//     mdns/mdnstest, with its fault injection (sim_*_test.go): no
//     spurious remove under loss, convergence after a service starts,
//     no conflict from duplicated or reordered probes, removal by TTL or
//     POOF when goodbyes are lost, re-probing after a link comes back.
//     These run with `go test ./...`.
//   - Real sockets on internal/testlan, loss and duplication injected by
//     nftables inside each host's namespace (lan_*_test.go): lossy
//     links, churn, floods, interface flaps, the soak. Each has a short
//     form that runs in every `go test ./...` with the same checks
//     (skipped with -short, or where namespaces cannot be made; CI
//     requires them; fullRun, lan_forms_test.go): lossy links for a
//     minute at 10 %, churn of 100 cycles and 10 killed processes, a
//     10-s flood, a 5-s link-down, a 2-minute soak. The full measurement
//     runs (10-minute lossy runs at 10 and 30 %, 1000 cycles and 100
//     kills, the 60-s flood, 30-s suspends, the 1-hour soak) run when
//     MDNS_RELIABILITY names them, from the scripts in scripts/, which
//     set their durations and thresholds and print the figures of
//     RELIABILITY.md.
//
// Thresholds are checked by the harness the scripts run, against figures
// measured on real (virtual) links; no unit test asserts a timing.
package reliability
