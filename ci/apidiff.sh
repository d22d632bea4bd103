#!/usr/bin/env bash
# Fail when zcnic's exported Go API differs from the previous release's in
# a way that CHANGELOG.md's "## Unreleased" section does not name.
#
#   bash ci/apidiff.sh              # the check (ci/test.sh runs it)
#   bash ci/apidiff.sh --snapshot   # write ci/api/VERSION.export for the previous release
#
# The previous release is CHANGELOG.md's first "## vX.Y.Z" heading, which
# names its commit: "## v0.2.0 (2026-12-02, commit 5cc46fb)". Its API is
# kept in the repository as export data (ci/api/vX.Y.Z.export, written by
# the pinned apidiff of ci/tools.sh), so the check needs no tag, no git
# history and no network: it works the same in a shallow clone, in the
# test image (which has no .git) and offline. --snapshot makes that file
# from the release's commit (`git archive`, into a temporary directory);
# run it, and commit the file, when a release heading is added.
#
# golang.org/x/exp/cmd/apidiff lists every change, compatible or not
# ("./eal.Config.InMemory: removed", "./app.Config.Vector: added"). Each
# must be named in the Unreleased section by its package-qualified name,
# without "./" and pointer receivers: `eal.Config.InMemory`,
# `app.Config.AddReady`, or, for a whole package, its path (`flow`).
# Not checked: internal/ (apidiff skips it), the commands and examples,
# the bench/ harness and the test environments (EXCLUDE below).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

MODULE=$(go list -m)
EXCLUDE='^(cmd|examples|bench|docker)([/.]|$)|^(eal/ealtest|mbuf/mbufc|pkt/testpkts|port/netnstest)([/.]|$)'
tools=$(bash ci/tools.sh | tail -n 1)
APIDIFF=$tools/apidiff

say() { printf 'apidiff: %s\n' "$*"; }

# The previous release: "## v0.2.0 (2026-12-02, commit 5cc46fb)".
release=$(grep -m1 -E '^## v[0-9]+\.[0-9]+\.[0-9]+ ' CHANGELOG.md) ||
  { say "CHANGELOG.md has no release heading (## vX.Y.Z (DATE, commit SHA))"; exit 1; }
version=$(awk '{print $2}' <<<"$release")
commit=$(sed -n 's/.*commit \([0-9a-f]\{7,40\}\).*/\1/p' <<<"$release")
snapshot=ci/api/$version.export

if [ "${1:-}" = --snapshot ]; then
  [ -n "$commit" ] || { say "the heading of $version names no commit: $release"; exit 1; }
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  git archive "$commit" | tar -x -C "$tmp"
  mkdir -p ci/api
  (cd "$tmp" && "$APIDIFF" -m -w "$tmp/api.export" "$MODULE")
  cp "$tmp/api.export" "$snapshot"
  say "wrote $snapshot: the API of $version (commit $commit); commit it"
  exit 0
fi

[ -f "$snapshot" ] ||
  { say "no $snapshot, the API of $version: make it with 'bash ci/apidiff.sh --snapshot' and commit it"; exit 1; }

# The Unreleased section: from its heading to the next "## ".
unreleased=$(awk '/^## Unreleased/ {on = 1; next} /^## / {on = 0} on' CHANGELOG.md)

out=$("$APIDIFF" -m "$snapshot" "$MODULE" 2>&1) || { echo "$out"; say "apidiff failed"; exit 1; }
missing=() n=0
while read -r line; do
  # "- ./eal.Config.InMemory: removed" or "- package MODULE/flow: added"
  change=${line#- }
  name=${change%%: *}
  case $name in
    "package $MODULE/"*) key=${name#"package $MODULE/"} ;;
    ./*) key=${name#./} ;;
    *) continue ;;
  esac
  key=${key//\(\*/}; key=${key//\(/}; key=${key//\)/}
  [[ $key =~ $EXCLUDE ]] && continue
  n=$((n + 1))
  grep -qF -- "$key" <<<"$unreleased" || missing+=("$key (${change#*: })")
done < <(grep '^- ' <<<"$out")

if [ "${#missing[@]}" -gt 0 ]; then
  say "the API changed since $version in ways CHANGELOG.md's Unreleased section does not name:"
  printf '  %s\n' "${missing[@]}"
  say "name each there (breaking changes first), as \`pkg.Name\`"
  exit 1
fi
say "$n API change(s) since $version, each named in CHANGELOG.md's Unreleased section"
