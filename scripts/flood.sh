#!/usr/bin/env bash
# Floods (issue 17 §3): 100,000 distinct spoofed on-link announcements and
# 10,000 queries/s for 60 s against a responder with browsers watching.
# Checks the thresholds (cache at its bound, RSS, no remove of a
# legitimate service, one multicast per record per second) and prints the
# figures of RELIABILITY.md.
#
# Needs root, inside an isolated network namespace: see scripts/lib.sh.
#
#   NETLAB_ISOLATED=/path/to/isolated scripts/flood.sh [VAR=VALUE...]
#
# Parameters (defaults): MDNS_REL_FLOOD_DURATION=60s
# MDNS_REL_FLOOD_ANNOUNCEMENTS=100000 MDNS_REL_FLOOD_QPS=10000
# MDNS_REL_FLOOD_MAX_RSS_KB=65536. Without MDNS_RELIABILITY the same test
# runs in every `go test` in a short form (10 s, 20,000, 2,000/s).
source "$(dirname "$0")/lib.sh"
rel_run flood TestLANFlood 10m "$@"
