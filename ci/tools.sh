#!/usr/bin/env bash
# Install the Go tools ci/test.sh runs, at pinned versions, into
# $(go env GOPATH)/bin (or GOBIN). Idempotent: a tool already built from
# the pinned version is left alone, so only a fresh machine (or a version
# bump here) pays the download and build (about 2 minutes for staticcheck
# on one core). Needs the Go module proxy (GOPROXY), nothing else; no
# prompts, so it runs the same as root, in CI (CI=true) or in the test
# image. Prints the directory that holds the tools on its last line.
#
#   staticcheck  honnef.co/go/tools 0.8.2 (2026.2.2): the first release
#                line that knows Go 1.26.
#   apidiff      golang.org/x/exp (no tagged releases: a pseudo-version).
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"

TOOLS=(
  "honnef.co/go/tools/cmd/staticcheck@v0.8.2"
  "golang.org/x/exp/cmd/apidiff@v0.0.0-20261113113407-e3970619a1a4"
)

bindir=$(go env GOBIN)
[ -n "$bindir" ] || bindir=$(go env GOPATH)/bin
for t in "${TOOLS[@]}"; do
  pkg=${t%@*} ver=${t#*@} bin=$bindir/${pkg##*/}
  # `go version -m` names the module version a binary was built from.
  if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | awk '$1 == "mod" {print $3}' | grep -qxF "$ver"; then
    continue
  fi
  printf 'tools: installing %s\n' "$t" >&2
  (cd / && GOFLAGS= go install "$t")
done
echo "$bindir"
