#!/usr/bin/env bash
# Check, without building an image, that docker/Dockerfile's runtime stage
# installs every DPDK library a zcnic binary links:
#
#   bash ci/image-libs.sh [BINARY]     # default: builds ./cmd/zcnic into a temp dir
#
# Every librte_* library `ldd BINARY` lists is mapped with `dpkg -S` to its
# Debian package, which must be in the Dockerfile's DPDK_PACKAGES list or
# be pulled in by one of them (their Depends, followed recursively through
# the installed packages' metadata). A library linked for the first time
# (as librte_acl was, by the flow package) then fails `make test` here,
# not a user's deploy with "librte_acl.so.23 => not found".
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

bin=${1:-}
if [ -z "$bin" ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  bin=$tmp/zcnic
  go build -o "$bin" ./cmd/zcnic
fi

# DPDK_PACKAGES="..." in the Dockerfile, over its continuation lines.
read -r -a listed <<<"$(sed -n '/^ARG DPDK_PACKAGES="/,/"/p' docker/Dockerfile |
  sed 's/^ARG DPDK_PACKAGES="//; s/["\\]//g' | tr '\n' ' ')"
[ "${#listed[@]}" -gt 5 ] || { echo "image-libs: cannot read DPDK_PACKAGES from docker/Dockerfile"; exit 1; }

# The packages the list brings, with their dependencies (as apt installs them).
declare -A have=()
queue=("${listed[@]}")
while [ "${#queue[@]}" -gt 0 ]; do
  p=${queue[0]}; queue=("${queue[@]:1}")
  [ -z "${have[$p]:-}" ] || continue
  have[$p]=1
  # Depends of an installed package: "a (>= 1), b | c, ..." -> a b c.
  for d in $(dpkg-query -W -f='${Depends}' "$p" 2>/dev/null | tr ',|' '\n\n' | sed 's/(.*)//; s/:any//' | tr -d ' '); do
    [ -n "${have[$d]:-}" ] || queue+=("$d")
  done
done

missing=()
n=0
while read -r lib; do
  n=$((n + 1))
  pkg=$(dpkg -S "$(realpath "$lib")" 2>/dev/null | head -1 | cut -d: -f1) ||
    { echo "image-libs: no package owns $lib"; exit 1; }
  [ -n "$pkg" ] || { echo "image-libs: no package owns $lib"; exit 1; }
  [ -n "${have[$pkg]:-}" ] || missing+=("$(basename "$lib") ($pkg)")
done < <(ldd "$bin" | awk '$1 ~ /^librte_/ { if ($3 == "not") { print "NOTFOUND:" $1 } else { print $3 } }')
[ "$n" -gt 0 ] || { echo "image-libs: $bin links no librte_* library (not a cgo build?)"; exit 1; }
if [ "${#missing[@]}" -gt 0 ]; then
  echo "image-libs: zcnic links libraries the runtime image does not install; add their packages to DPDK_PACKAGES in docker/Dockerfile:"
  printf '  %s\n' "${missing[@]}"
  exit 1
fi
echo "image-libs: the $n librte_* libraries zcnic links all come with docker/Dockerfile's DPDK_PACKAGES"
