# Shared by the scripts that produce the figures of RELIABILITY.md
# (source it; it is not a command).
#
# The scenarios are LAN tests (internal/reliability, internal/testlan):
# they need root and build their own network namespaces. They must never
# run in this machine's own network namespace, where they would multicast
# on a real network: run a script as root inside a fresh, isolated
# namespace (only `lo`), or name a wrapper that makes one in
# NETLAB_ISOLATED, e.g.
#
#   NETLAB_ISOLATED=/path/to/isolated scripts/flood.sh
#
# rel_run refuses to start otherwise.

set -euo pipefail
REL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# rel_isolated checks that this process sees no interface but lo, unless
# NETLAB_ISOLATED will provide such a namespace.
rel_isolated() {
    if [[ -n "${NETLAB_ISOLATED:-}" ]]; then
        return 0
    fi
    local links
    links=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | tr '\n' ' ')
    if [[ "$links" != "lo " ]]; then
        echo "SAFETY: interfaces here: ${links:-unknown}. Run as root in an isolated network" >&2
        echo "namespace (only lo), or set NETLAB_ISOLATED to a wrapper that makes one." >&2
        exit 2
    fi
}

# rel_run SCENARIO TESTNAME TIMEOUT [VAR=VALUE...]
# runs one scenario's full measurement with the given MDNS_REL_*
# parameters, appends its figures (JSON lines) to $REL_FIGURES (default
# figures-SCENARIO.jsonl in the current directory) and prints them.
rel_run() {
    local scenario=$1 test=$2 timeout=$3
    shift 3
    rel_isolated
    local figs=${REL_FIGURES:-$PWD/figures-$scenario.jsonl}
    local status=0
    echo "== $scenario: go test -run '^$test\$' -timeout $timeout $* (load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)"
    (cd "$REL_ROOT" && ${NETLAB_ISOLATED:-} env MDNS_RELIABILITY="$scenario" MDNS_REL_FIGURES="$figs" "$@" \
        go test -count=1 -run "^$test\$" -v -timeout "$timeout" ./internal/reliability/) || status=$?
    echo "== $scenario figures ($figs):"
    if [[ -f "$figs" ]]; then
        tail -n 1 "$figs" | python3 -m json.tool 2>/dev/null || tail -n 1 "$figs"
    fi
    return "$status"
}
