# lib.sh — what the reliability scripts share (sourced, not run).
#
# Each script runs one LAN scenario of internal/reliability in its full
# form: it sets MDNS_RELIABILITY and the scenario's MDNS_REL_* parameters,
# runs `go test` through the wrapper named by NETLAB_ISOLATED, collects the
# figures the test writes (MDNS_REL_FIGURES) and prints them. The test
# itself checks the thresholds: a run that misses one fails, and so does
# the script.
#
#   NETLAB_ISOLATED  command that runs its arguments in a fresh network
#                    namespace with only loopback (required: these runs
#                    multicast; never on a machine's own network). Unset,
#                    the script must itself run as root in such a
#                    namespace: it refuses to start where it sees any
#                    interface but lo. ISOLATE (fuzz-volume.sh's name for
#                    it) is taken when NETLAB_ISOLATED is unset.
#   REL_OUT          directory for figures, logs and captures
#                    (default: a new directory under ${TMPDIR:-/tmp})
#   REL_NICE         niceness of the run (default 10)
#   REL_TIMEOUT      go test -timeout (default: the script's own)
set -euo pipefail

rel_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# rel_run NAME TEST TIMEOUT [VAR=VALUE...]: run TEST (a -run pattern) of
# internal/reliability with MDNS_RELIABILITY=NAME and the given
# MDNS_REL_* settings; figures go to $REL_OUT/figures.jsonl, the test's log
# to $REL_OUT/NAME-<time>.log.
rel_run() {
    local name=$1 test=$2 timeout=${REL_TIMEOUT:-$3}
    shift 3
    NETLAB_ISOLATED=${NETLAB_ISOLATED:-${ISOLATE:-}}
    local wrap=()
    if [[ -n "$NETLAB_ISOLATED" ]]; then
        read -r -a wrap <<<"$NETLAB_ISOLATED"
    else
        local links
        links=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | tr '\n' ' ')
        if [[ "$links" != "lo " ]]; then
            echo "$0: SAFETY: interfaces here: ${links:-unknown}. Run as root in a fresh" >&2
            echo "  network namespace with only lo, or set NETLAB_ISOLATED to a command" >&2
            echo "  that runs its arguments in one." >&2
            exit 2
        fi
    fi
    REL_OUT=${REL_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/mdnskit-rel.XXXXXX")}
    mkdir -p "$REL_OUT"
    REL_OUT=$(cd "$REL_OUT" && pwd)
    local stamp log figs=$REL_OUT/figures.jsonl
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    log=$REL_OUT/$name-$stamp.log
    local before=0
    [[ -f "$figs" ]] && before=$(wc -l <"$figs")
    echo "== $name: $test, $* (log $log)"
    echo "   started $(date -u +%FT%TZ); load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
    local status=0
    (
        cd "$rel_root"
        env MDNS_RELIABILITY="$name" MDNS_REL_FIGURES="$figs" MDNS_LAN_OUT="$REL_OUT/lan-$name-$stamp" "$@" \
            "${wrap[@]}" nice -n "${REL_NICE:-10}" \
            go test ./internal/reliability -run "^(${test})\$" -count=1 -v -timeout "$timeout"
    ) >"$log" 2>&1 || status=$?
    echo "   ended   $(date -u +%FT%TZ); load: $(cut -d' ' -f1-3 /proc/loadavg); go test exit $status"
    # The verdict and the test's own findings, not the commands it ran.
    grep -E '^\s*(--- |FAIL|ok|PASS)|lan_[a-z]+_test.go:[0-9]+: ' "$log" |
        grep -v -E 'figures: |soak sample: | h[0-9]+\$ ' | tail -40 || true
    echo "-- figures ($figs):"
    tail -n +"$((before + 1))" "$figs" 2>/dev/null | rel_print_figures
    return "$status"
}

# rel_print_figures: one figures line per JSON line on stdin, readable.
rel_print_figures() {
    if command -v jq >/dev/null; then
        jq -c 'del(.perMinute)' && return
    fi
    cat
}
