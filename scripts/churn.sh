#!/usr/bin/env bash
# churn.sh — churn (issue 17 §2), full size: one host registers and
# withdraws 1000 services through the library (10 at a time), then starts
# 100 mdns-announce processes and SIGKILLs each once established. Checks
# that the browsers' caches, heap and goroutines return to their
# baseline and that every browser's final view is the set alive.
#
#   NETLAB_ISOLATED=/path/to/isolated scripts/churn.sh
#
# MDNS_REL_CYCLES, _WORKERS, _KILLS, _MAX_CACHE_GROWTH,
# _MAX_HEAP_GROWTH_KB override. See lib.sh for REL_OUT, REL_NICE, REL_TIMEOUT.
source "$(dirname "$0")/lib.sh"
status=0
rel_run churn TestLANChurn 60m \
    MDNS_REL_CYCLES="${MDNS_REL_CYCLES:-1000}" MDNS_REL_WORKERS="${MDNS_REL_WORKERS:-10}" \
    MDNS_REL_KILLS="${MDNS_REL_KILLS:-100}" || status=1
echo "figures in $REL_OUT/figures.jsonl"
exit "$status"
