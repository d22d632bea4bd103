#!/usr/bin/env bash
# Run every zcnic check: gofmt, go vet, staticcheck, the API against the
# changelog (ci/apidiff.sh), the runtime image's libraries
# (ci/image-libs.sh), all tests, and all tests again with -race in the
# packages with concurrency. `make test` runs ci/setup.sh first; this
# script assumes a set-up machine (it installs the pinned Go tools
# itself, through ci/tools.sh, when they are missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
tools=$(bash ci/tools.sh | tail -n 1)
"$tools/staticcheck" ./...
# The exported API against the previous release's: every change named
# in CHANGELOG.md (ci/apidiff.sh says how).
bash ci/apidiff.sh
# internal/ is what every package stands on: nothing in it imports a
# package above it (test environments live beside their packages).
up=$(go list -f '{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./internal/... |
  awk '{for (i = 2; i <= NF; i++) if ($i ~ /^github.com\/zcnic\/zcnic\// && $i !~ /^github.com\/zcnic\/zcnic\/internal\//) print "  " $1 " imports " $i}')
if [ -n "$up" ]; then
  echo "internal/ imports packages above it:"; echo "$up"; exit 1
fi
# The runtime image installs every DPDK library zcnic links (ldd, dpkg -S).
bash ci/image-libs.sh
# Test binaries run side by side (-p 2 on two cores); each starts its own
# EAL with --in-memory, so they do not share runtime files.
go test -count=1 -timeout 20m ${ZCNIC_TEST_FLAGS:-} ./...
# The race detector over the packages whose code runs on more than one
# goroutine or thread (lcores, DPDK's telemetry thread, capture writers,
# stats readers); app and flow take about 40 s each with -race.
go test -race -count=1 -timeout 20m ${ZCNIC_TEST_FLAGS:-} ./app ./flow ./eal ./port ./telemetry
