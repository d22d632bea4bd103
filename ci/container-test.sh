#!/usr/bin/env bash
# Build zcnic's container images (docker/Dockerfile) with podman and run,
# inside them, the whole test suite (ci/test.sh) and the `zcnic` demo:
# first with the host's hugepages mounted into the container, then without
# them, where zcnic must say so in one line and fall back to --no-huge.
# Exits non-zero on any failure. Run as root: `make container-test`.
#
# No image registry is needed. Unless told otherwise it builds two local
# base images, once, and reuses them:
#   localhost/debian:bookworm       debootstrap (minbase) of Debian 12 from
#                                   the host's apt mirror, `podman import`ed;
#   localhost/golang:1.26-bookworm  that image plus the host's own Go
#                                   toolchain (docker/golang-local.Dockerfile).
# Where a registry is reachable, name the public images instead:
#   ZCNIC_GO_IMAGE=docker.io/library/golang:1.26-bookworm \
#   ZCNIC_RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim bash ci/container-test.sh
#
# Other knobs: ZCNIC_IMAGE (default localhost/zcnic; the test image is
# $ZCNIC_IMAGE-test), ZCNIC_HUGEPAGES_MB (host reservation, default 1024),
# ZCNIC_PODMAN_GLOBAL (default "--runtime runc --cgroup-manager=cgroupfs":
# crun fails on hybrid-cgroup hosts), ZCNIC_CONTAINER_OUT (default
# out/container-test: logs and the demo's pcaps).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

DEBIAN_IMAGE=${ZCNIC_DEBIAN_IMAGE:-localhost/debian:bookworm}
GO_IMAGE=${ZCNIC_GO_IMAGE:-localhost/golang:1.26-bookworm}
RUNTIME_IMAGE=${ZCNIC_RUNTIME_IMAGE:-$DEBIAN_IMAGE}
IMAGE=${ZCNIC_IMAGE:-localhost/zcnic}
TEST_IMAGE=$IMAGE-test
HUGE_MB=${ZCNIC_HUGEPAGES_MB:-1024}
OUT=${ZCNIC_CONTAINER_OUT:-out/container-test}
read -r -a PODMAN <<<"podman ${ZCNIC_PODMAN_GLOBAL:---runtime runc --cgroup-manager=cgroupfs}"
BUILD=("${PODMAN[@]}" build --isolation=chroot)
# The run flags of ../shared/PLATFORM.md and docs/containers.md.
RUN=("${PODMAN[@]}" run --rm --privileged
     --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
HUGE_MOUNT=(-v /dev/hugepages:/dev/hugepages)

say() { printf 'container-test: %s\n' "$*"; }
die() { say "FAIL: $*"; exit 1; }
T0=$SECONDS
TIMES=()
STEP=setup
trap 'say "FAIL: $STEP (after $((SECONDS - T0))s; logs in $OUT)"' ERR
step() { # step NAME CMD...: run CMD (errexit applies inside), record its time
  local t=$SECONDS
  STEP=$1; shift
  say "== $STEP"
  "$@"
  TIMES+=("$(printf '%-40s %4ds' "$STEP" $((SECONDS - t)))")
}

[ "$(id -u)" -eq 0 ] || die "run as root (podman builds, hugepages)"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# --- host tools ---------------------------------------------------------------
# The local Debian base is needed for a local Go image or as the runtime base.
WANT_DEBIAN=0
if [[ $DEBIAN_IMAGE == localhost/* && ($GO_IMAGE == localhost/* || $RUNTIME_IMAGE == "$DEBIAN_IMAGE") ]]; then
  WANT_DEBIAN=1
fi
need=()
command -v podman >/dev/null || need+=(podman)
case " ${PODMAN[*]} " in *" --runtime runc "*) command -v runc >/dev/null || need+=(runc) ;; esac
if [ $WANT_DEBIAN = 1 ] && ! podman image exists "$DEBIAN_IMAGE" 2>/dev/null; then
  command -v debootstrap >/dev/null || need+=(debootstrap)
fi
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- host hugepages (the container borrows the host's) ------------------------
host_hugepages() {
  local hp=/sys/kernel/mm/hugepages/hugepages-2048kB want=$((HUGE_MB / 2))
  [ -d $hp ] || { say "the kernel has no 2 MiB hugepages"; return 1; }
  if [ "$(cat $hp/nr_hugepages)" -lt "$want" ]; then
    echo "$want" >$hp/nr_hugepages
  fi
  if ! awk '$2 == "/dev/hugepages" && $3 == "hugetlbfs" {f=1} END {exit !f}' /proc/mounts; then
    mkdir -p /dev/hugepages
    mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages
  fi
  say "host hugepages 2MB: total $(cat $hp/nr_hugepages), free $(cat $hp/free_hugepages), hugetlbfs at /dev/hugepages"
  [ "$(cat $hp/free_hugepages)" -gt 0 ] || { say "no free hugepages"; return 1; }
}
step "host hugepages" host_hugepages

# --- base images ----------------------------------------------------------------
debian_base() {
  if podman image exists "$DEBIAN_IMAGE"; then
    say "$DEBIAN_IMAGE: present, reused"; return 0
  fi
  local mirror rootfs
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  rootfs=$(mktemp -d /var/tmp/zcnic-rootfs.XXXXXX)
  say "debootstrap bookworm from $mirror into $rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$OUT/debootstrap.log" 2>&1 ||
    { tail -20 "$OUT/debootstrap.log"; rm -rf "$rootfs"; return 1; }
  # The host's apt sources (with updates and security, like the official image).
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/"
    rm -f "$rootfs/etc/apt/sources.list"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --quiet - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs"
}
go_image() {
  if podman image exists "$GO_IMAGE"; then
    say "$GO_IMAGE: present, reused"; return 0
  fi
  if [[ $GO_IMAGE != localhost/* ]]; then
    "${PODMAN[@]}" pull "$GO_IMAGE"; return
  fi
  command -v go >/dev/null || { say "no Go on the host to put into $GO_IMAGE"; return 1; }
  local goroot; goroot=$(go env GOROOT)
  say "$GO_IMAGE from $DEBIAN_IMAGE + the host's $(go env GOVERSION) ($goroot)"
  "${BUILD[@]}" -q -f docker/golang-local.Dockerfile --build-arg BASE_IMAGE="$DEBIAN_IMAGE" \
    -t "$GO_IMAGE" "$goroot" >/dev/null
}
[ $WANT_DEBIAN = 0 ] || step "base image $DEBIAN_IMAGE" debian_base
step "base image $GO_IMAGE" go_image

# --- zcnic images -----------------------------------------------------------------
BUILD_ARGS=(--build-arg GO_IMAGE="$GO_IMAGE" --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE")
if command -v go >/dev/null; then
  BUILD_ARGS+=(--build-arg GOPROXY="$(go env GOPROXY)" --build-arg GOSUMDB="$(go env GOSUMDB)")
fi
# The host's CA bundle, for `go mod download` behind a TLS-intercepting
# proxy (a build secret: it is not kept in any image layer).
CA_BUNDLE=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$CA_BUNDLE" ] && BUILD_ARGS+=(--secret "id=ca-certificates,src=$CA_BUNDLE")
build() { # build TARGET TAG
  "${BUILD[@]}" -f docker/Dockerfile "${BUILD_ARGS[@]}" --target "$1" -t "$2" . >"$OUT/build-$1.log" 2>&1 ||
    { tail -40 "$OUT/build-$1.log"; return 1; }
  say "built $2 ($(podman image inspect -f '{{.Size}}' "$2" | awk '{printf "%.0f MB", $1/1e6}'))"
}
step "build $TEST_IMAGE (target test)" build test "$TEST_IMAGE"
step "build $IMAGE (target runtime)" build runtime "$IMAGE"
# Earlier builds' images, now untagged (the cached layers stay).
prune() {
  local n; n=$(podman image prune -f --filter label=io.zcnic.build=1 | wc -l)
  say "removed $n old build images"
}
step "prune old build images" prune

# --- the test suite in the test image ---------------------------------------------
# probe MODE: start one test binary's EAL (no tests) and check that it used
# hugepages (MODE=huge) or fell back to --no-huge with the warning (nohuge).
probe() {
  local mode=$1 out; shift
  out=$("${RUN[@]}" "$@" "$TEST_IMAGE" go test -count=1 -v -run '^$' ./mbuf 2>&1) ||
    { echo "$out"; return 1; }
  case $mode in
    huge) if grep -q -- '--no-huge' <<<"$out"; then echo "$out"; say "expected hugepages, the tests fell back"; return 1; fi ;;
    nohuge) grep -- 'FALLING BACK TO --no-huge' <<<"$out" ||
      { echo "$out"; say "expected the --no-huge fallback warning"; return 1; } ;;
  esac
}
suite() { # suite LOG RUN-FLAGS...: ci/test.sh (every check and test of make test)
  local log=$1; shift
  "${RUN[@]}" "$@" "$TEST_IMAGE" >"$log" 2>&1 || { tail -60 "$log"; return 1; }
  grep -E '^(ok|FAIL|\?) ' "$log" | sed 's/^/  /'
  ! grep -q '^FAIL' "$log"
}
step "tests, hugepages: EAL probe" probe huge "${HUGE_MOUNT[@]}"
step "tests, hugepages: ci/test.sh" suite "$OUT/test-huge.log" "${HUGE_MOUNT[@]}"
step "tests, no hugepages: EAL probe" probe nohuge
step "tests, no hugepages: ci/test.sh" suite "$OUT/test-nohuge.log"

# --- the zcnic demo in the runtime image ------------------------------------------
# demo NAME MODE RUN-FLAGS...: `zcnic demo` for 5 s, output in $OUT/NAME.
# MODE huge: no word about hugepages on stderr; nohuge: exactly one line,
# the fallback warning. Either way frames must reach demo-out.pcap.
demo() {
  local name=$1 mode=$2 dir=$OUT/$1 n; shift 2
  rm -rf "$dir"; mkdir -p "$dir"
  "${PODMAN[@]}" run --rm "$@" -v "$dir:/demo" "$IMAGE" demo --out /demo --duration 5s \
    >"$dir/stdout" 2>"$dir/stderr" || { cat "$dir/stderr"; return 1; }
  n=$(grep -ci 'huge' "$dir/stderr" || true)
  case $mode in
    huge) [ "$n" -eq 0 ] || { cat "$dir/stderr"; say "unexpected hugepage message"; return 1; } ;;
    nohuge)
      [ "$n" -eq 1 ] && grep -q 'FALLING BACK TO --no-huge' "$dir/stderr" ||
        { cat "$dir/stderr"; say "want one line about hugepages, got $n"; return 1; }
      grep -i huge "$dir/stderr" | sed 's/^/  /' ;;
  esac
  [ -s "$dir/demo-out.pcap" ] && [ "$(stat -c %s "$dir/demo-out.pcap")" -gt 1000 ] ||
    { say "$dir/demo-out.pcap is empty"; return 1; }
  tail -n 4 "$dir/stdout" "$dir/stderr" | sed 's/^/  /'
}
PRIV=(--privileged --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
step "demo, hugepages" demo demo-huge huge "${PRIV[@]}" "${HUGE_MOUNT[@]}"
step "demo, no hugepages" demo demo-nohuge nohuge "${PRIV[@]}"
# Without --privileged (read-only sysfs, no hugetlbfs): the same fallback.
step "demo, unprivileged, no hugepages" demo demo-unpriv nohuge --ulimit nofile=4096:4096 --ulimit nproc=4096:4096

# As docker/k8s/forwarder-pod.yaml runs it: no capabilities, read-only
# root, hugepages, GOMAXPROCS from the CPU limit.
pod_like() {
  local dir=$OUT/pod-like; rm -rf "$dir"; mkdir -p "$dir"
  "${PODMAN[@]}" run --rm --cap-drop ALL --security-opt no-new-privileges --read-only --tmpfs /tmp \
    --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 "${HUGE_MOUNT[@]}" -e GOMAXPROCS=2 \
    "$IMAGE" fwd --vdev net_null0 --vdev net_null1 --mode macswap --duration 3s --stats-interval 0 \
    >"$dir/stdout" 2>"$dir/stderr" || { cat "$dir/stderr"; return 1; }
  if grep -qi huge "$dir/stderr"; then cat "$dir/stderr"; say "fell back to --no-huge"; return 1; fi
  grep -q 'net_null1' "$dir/stdout" || { cat "$dir/stdout"; return 1; }
  sed 's/^/  /' "$dir/stdout"
}
step "forwarder as in docker/k8s (no caps, ro)" pod_like

say "timings:"
printf '  %s\n' "${TIMES[@]}"
say "PASS in $((SECONDS - T0))s (logs and demo output in $OUT)"
