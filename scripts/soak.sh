#!/usr/bin/env bash
# soak.sh — the long run (issue 17 §5): announcers cycling services,
# browsers (relpeer and mdns-browse --watch), the library registering and
# withdrawing in batches and mdns-announce processes SIGKILLed, for an hour
# (default), then a drain of one SRV TTL. Prints a row per minute (RSS of
# every long-lived process, the browsers' goroutines and heap, mDNS
# packets per minute on the LAN, browse events) and the figures. The test
# checks: RSS and heap flat after the warm-up (5 min), goroutines no
# higher, no spurious remove, every service seen within 15 s, every
# withdrawn or killed one removed, final views exact. Not for CI: CI runs
# the 2-minute form (plain `go test`).
#
#   NETLAB_ISOLATED=/path/to/isolated scripts/soak.sh [DURATION]   # default 1h
#
# MDNS_REL_SOAK_SAMPLE, _WARMUP, _KILL_HOLD, _CHURN_CYCLES,
# _MAX_RSS_GROWTH_KB, _MAX_HEAP_GROWTH_KB, _MAX_CONVERGE override.
# See lib.sh for REL_OUT, REL_NICE, REL_TIMEOUT.
source "$(dirname "$0")/lib.sh"
dur=${1:-1h}
status=0
rel_run soak TestLANSoak 3h MDNS_REL_SOAK_DURATION="$dur" || status=1
echo "-- per minute (RSS kB per process; relpeer browsers' goroutines and heap kB; packets/min sent, received; events):"
tail -n 1 "$REL_OUT/figures.jsonl" 2>/dev/null | jq -r '
    select(.scenario == "soak") | .perMinute[] |
    "\(.minute * 10 | round / 10)\t\(.phase)\t\(.rssKB | to_entries | map("\(.key | split(" ")[0]):\(.value)") | join(" "))\tg=\(.goroutines | join(","))\theap=\(.heapKB | join(","))\ttx=\(.sentPerMin | round) rx=\(.recvPerMin | round)\tev=\(.events | tostring)"' || true
echo "figures in $REL_OUT/figures.jsonl"
exit "$status"
