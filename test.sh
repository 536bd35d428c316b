#!/usr/bin/env bash
# Runs `go test` with the given flags in every Go module of the repository:
# the root module and each nested one (framework adapters, etcd, interop
# peers), which `go test ./...` at the root does not enter.
#
#   ./test.sh                      # the whole suite
#   ./test.sh -count=1 -race       # flags go to every `go test`
set -euo pipefail
cd "$(dirname "$0")"
status=0
while IFS= read -r mod; do
    dir=$(dirname "$mod")
    echo "== module ${dir}"
    (cd "$dir" && go test "$@" ./...) || status=1
done < <(find . -name go.mod -not -path './.git/*' -not -path '*/testdata/*' | sort)
exit "$status"
