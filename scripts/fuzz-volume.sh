#!/usr/bin/env bash
# fuzz-volume.sh — runs every fuzz target of every module of the repository
# for a given volume and prints, per target, the executions done, the time
# taken and the rate (RELIABILITY.md, "Fuzzing volume").
#
#   scripts/fuzz-volume.sh [-x EXECS | -t DURATION] [-p PARALLEL] [-o FILE] [REGEXP]
#
#   -x EXECS     executions per target (default 10000000), passed as -fuzztime EXECSx
#   -t DURATION  time per target instead (e.g. 5m)
#   -T DURATION  stop a target after this long even if EXECS is not reached
#                (reported as "capped" with the executions done by then)
#   -p PARALLEL  fuzzing workers per target (default 1: this is a background job)
#   -o FILE      also write the table there (tab-separated)
#   REGEXP       only targets whose "package.Name" matches
#
# Some fuzz targets drive the engine's packet path; none opens a socket on
# a real interface, but like every test of this project it is run in a
# network namespace of its own: set ISOLATE to the command that runs its
# arguments there (for instance a wrapper around `unshare -n`), or run the
# script as root inside such a namespace. The script refuses to run in a
# namespace that has a non-loopback interface up unless ISOLATE is set.
#
# A crasher is written by `go test` to the package's testdata/fuzz/<Target>/
# and from then on runs as a regression case in every `go test`; the
# script reports it and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

execs=10000000 dur="" cap="" par=1 out="" filter="."
while getopts "x:t:T:p:o:" opt; do
    case $opt in
    x) execs=$OPTARG ;;
    t) dur=$OPTARG ;;
    T) cap=$OPTARG ;;
    p) par=$OPTARG ;;
    o) out=$OPTARG ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[[ $# -gt 0 ]] && filter=$1
fuzztime=${dur:-${execs}x}

if [[ -z "${ISOLATE:-}" ]] && ip -o link show up 2>/dev/null | grep -qv ' lo:'; then
    echo "fuzz-volume: this network namespace has interfaces up besides lo;" >&2
    echo "run it in an isolated namespace or set ISOLATE (see the header)" >&2
    exit 2
fi
run() { if [[ -n "${ISOLATE:-}" ]]; then $ISOLATE "$@"; else "$@"; fi; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
printf '%-48s %12s %9s %10s %s\n' target execs seconds execs/s result
[[ -n "$out" ]] && printf 'target\texecs\tseconds\texecs_per_s\tresult\n' >"$out"
status=0
# Every package directory holding fuzz targets, whichever module it is in
# (go test finds the module from the directory).
for dir in $(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | xargs -n1 dirname | sort -u); do
    pkg=$(cd "$dir" && go list .)
    for name in $(grep -h '^func Fuzz' "$dir"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/' | sort -u); do
        id="${pkg#github.com/mdnskit/mdnskit/}.$name"
        [[ "$id" =~ $filter ]] || continue
        log="$logs/${id//\//_}.log"
        # A first run of one input builds the instrumented binary, so the
        # time and rate below are the fuzzing's own.
        (cd "$dir" && run go test -run '^$' -fuzz "^${name}\$" -fuzztime 1x . >"$log" 2>&1) || true
        start=$(date +%s.%N)
        rc=0
        limit=(); [[ -n "$cap" ]] && limit=(timeout --signal=INT --kill-after=30s "$cap")
        (cd "$dir" && run "${limit[@]}" go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" \
            -parallel "$par" . >"$log" 2>&1) || rc=$?
        secs=$(echo "$(date +%s.%N) - $start" | bc)
        # The last progress line carries the total so far ("execs: N (R/sec)").
        n=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | awk '{print $2}')
        n=${n:-0}
        result=ok
        if grep -q -- '--- FAIL\|^FAIL\|panic:' "$log"; then
            result="FAIL (the crasher is in $dir/testdata/fuzz/$name)"; status=1
            tail -30 "$log" >&2
        elif ((rc == 124 || rc == 130)) || { [[ -n "$cap" ]] && ((rc != 0)); }; then
            result="capped at $cap"
        elif ((rc != 0)); then
            result="error $rc"; status=1; tail -30 "$log" >&2
        fi
        rate=$(echo "$n / $secs" | bc)
        printf '%-48s %12d %9.0f %10d %s\n' "$id" "$n" "$secs" "$rate" "$result"
        [[ -n "$out" ]] && printf '%s\t%d\t%.0f\t%d\t%s\n' "$id" "$n" "$secs" "$rate" "$result" >>"$out"
    done
done
exit "$status"
