#!/usr/bin/env bash
# Run every zcnic check: gofmt, go vet, then all tests. `make test` runs
# ci/setup.sh first; this script assumes a set-up machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
# Test binaries run side by side (-p 2 on two cores); each starts its own
# EAL with --in-memory, so they do not share runtime files.
go test -count=1 -timeout 20m ${ZCNIC_TEST_FLAGS:-} ./...
