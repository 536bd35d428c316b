#!/usr/bin/env bash
# Interfaces that flap (issue 17 §4): a host's link down and up, its
# address changed, its link down for 30 s (a suspend); times the
# re-probing and re-announcing from the kernel's notification, and the
# peers' browsers seeing the service again; checks nothing stale remains.
# Prints the figures of RELIABILITY.md.
#
# Needs root, inside an isolated network namespace: see scripts/lib.sh.
#
#   NETLAB_ISOLATED=/path/to/isolated scripts/ifaces.sh [VAR=VALUE...]
#
# Parameters (defaults): MDNS_REL_IFACE_SUSPEND=30s MDNS_REL_IFACE_BLIP=2s
# MDNS_REL_IFACE_MAX_ANNOUNCE=1.5s MDNS_REL_IFACE_MAX_SEEN=2s. Without
# MDNS_RELIABILITY the same test runs in every `go test` with a 5-s
# suspend.
source "$(dirname "$0")/lib.sh"
rel_run ifaces TestLANInterfaces 10m "$@"
