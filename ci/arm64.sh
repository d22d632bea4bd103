#!/usr/bin/env bash
# zcnic for linux/arm64, the Arm cores of a DPU, from an x86-64 Debian 12
# machine: cross-built with Debian's aarch64 gcc against the arm64 DPDK of
# an arm64 Debian 12 root file system, and tested under qemu-user in that
# root. Run as root (debootstrap, chroot, binfmt_misc):
#
#   bash ci/arm64.sh setup   # host tools and the arm64 root (idempotent, reused)
#   bash ci/arm64.sh build   # setup, then bin/zcnic-arm64            (make build-arm64)
#   bash ci/arm64.sh test    # setup, then every package's tests for arm64,
#                            # run under qemu-user in the root        (make test-arm64)
#   bash ci/arm64.sh image   # setup, then docker/Dockerfile for linux/arm64
#                            # with podman                            (make image-arm64)
#
# The root is made once with `debootstrap --arch=arm64 --foreign` from the
# host's apt mirror, its second stage and `apt-get install` run under
# qemu-aarch64-static, and it is reused until its package list changes.
# It is the cross-compiler's sysroot: pkg-config reads its libdpdk.pc.
#
# Knobs: ZCNIC_ARM64_ROOT (default /var/cache/zcnic/arm64-bookworm),
# ZCNIC_ARM64_OUT (default out/arm64: test binaries and logs),
# ZCNIC_ARM64_IMAGE (default localhost/zcnic-arm64), ZCNIC_PODMAN_GLOBAL
# (default "--runtime runc --cgroup-manager=cgroupfs").
#
# Performance under emulation means nothing: nothing here measures any.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

ROOT=${ZCNIC_ARM64_ROOT:-/var/cache/zcnic/arm64-bookworm}
OUT=${ZCNIC_ARM64_OUT:-out/arm64}
IMAGE=${ZCNIC_ARM64_IMAGE:-localhost/zcnic-arm64}
SUITE=bookworm
HOST_PACKAGES=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static binfmt-support debootstrap pkg-config file)
# In the root: DPDK's headers, libraries and PMDs (libdpdk-dev brings the
# -dev packages its pkg-config file names), libc for cgo, and the tools
# the tests drive (ci/setup.sh's list, less the compilers and git).
ROOT_PACKAGES=(libdpdk-dev dpdk dpdk-dev python3 libc6-dev ca-certificates
               iproute2 iputils-ping tcpdump procps tshark)

say() { printf 'arm64: %s\n' "$*"; }
die() { say "FAIL: $*"; exit 1; }
T0=$SECONDS
trap '[ "$BASH_SUBSHELL" -gt 0 ] || say "FAIL (exit $?, after $((SECONDS - T0))s)"' ERR

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot, binfmt_misc)"

# in_root CMD...: run CMD in the arm64 root, in a mount namespace of its
# own (the /proc, /sys, /dev and source mounts vanish with it, so nothing
# is left mounted under the root, whatever happens).
in_root() {
  unshare --mount --propagation private -- /bin/bash -euc '
    root=$1; src=$2; shift 2
    # The root a mount point of its own: `ip netns` remounts / (rslave).
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mkdir -p "$root/zcnic"
    [ -z "$src" ] || mount --bind "$src" "$root/zcnic"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
  ' in_root "$ROOT" "${IN_ROOT_SRC:-}" "$@"
}

# --- host tools ------------------------------------------------------------------
host_tools() {
  local missing=() p
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing on the host: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # qemu-user-static registers itself with binfmt_misc (through
  # binfmt-support, flags F: the interpreter is opened at registration,
  # so it runs inside a chroot that lacks it).
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    update-binfmts --enable qemu-aarch64 >/dev/null
  fi
  grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
    die "binfmt_misc has no enabled qemu-aarch64 entry"
  grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
    die "binfmt_misc's qemu-aarch64 entry lacks flag F (fix binary): it cannot run inside a chroot"
}

# --- the arm64 root ----------------------------------------------------------------
mirror() {
  local m
  m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# bootstrap DIR LOG: a bare (minbase) arm64 Debian 12 in DIR, from the
# host's mirror, with the host's apt sources.
bootstrap() {
  local dir=$1 log=$2 t=$SECONDS m; m=$(mirror)
  say "debootstrap --arch=arm64 --foreign $SUITE from $m into $dir (log: $log)"
  debootstrap --arch=arm64 --foreign --variant=minbase "$SUITE" "$dir" "$m" >"$log" 2>&1 ||
    { tail -20 "$log"; die "debootstrap (first stage)"; }
  say "debootstrap second stage under qemu-aarch64-static ($((SECONDS - t))s so far)"
  chroot "$dir" /debootstrap/debootstrap --second-stage >>"$log" 2>&1 ||
    { tail -20 "$log"; die "debootstrap (second stage)"; }
  # The host's apt sources (updates and security, like the amd64 image).
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$dir/etc/apt/sources.list.d/"
    rm -f "$dir/etc/apt/sources.list"
  fi
  say "debootstrap: $((SECONDS - t))s"
}

make_root() {
  local want="${ROOT_PACKAGES[*]}"
  if [ -f "$ROOT/.zcnic-packages" ] && [ "$(cat "$ROOT/.zcnic-packages")" = "$want" ]; then
    say "arm64 root $ROOT: present, reused (DPDK $(sed -n 's/^Version: //p' "$ROOT/usr/lib/aarch64-linux-gnu/pkgconfig/libdpdk.pc"))"
    return 0
  fi
  local t=$SECONDS
  mkdir -p "$OUT"
  if [ ! -f "$ROOT/.zcnic-stage2" ]; then
    # Nothing may be mounted under a root that is thrown away.
    if findmnt -rn -o TARGET | grep -q "^$ROOT/"; then die "something is mounted under $ROOT"; fi
    rm -rf "$ROOT"; mkdir -p "$ROOT"
    bootstrap "$ROOT" "$OUT/debootstrap.log"
    # The bare system, before anything is installed: the arm64 base image
    # (`image`) is made from it.
    tar -C "$ROOT" -cf "$ROOT.minbase.tar" .
    touch "$ROOT/.zcnic-stage2"
  fi
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  say "apt-get install in the root: $want ($((SECONDS - t))s so far; log: $OUT/root-apt.log)"
  { in_root apt-get update -qq &&
    in_root apt-get install -y -qq --no-install-recommends "${ROOT_PACKAGES[@]}"; } >"$OUT/root-apt.log" 2>&1 ||
    { tail -20 "$OUT/root-apt.log"; die "apt-get install in the arm64 root"; }
  in_root apt-get clean >/dev/null
  echo "$want" >"$ROOT/.zcnic-packages"
  say "arm64 root ready in $((SECONDS - t))s: DPDK $(sed -n 's/^Version: //p' "$ROOT/usr/lib/aarch64-linux-gnu/pkgconfig/libdpdk.pc")"
}

setup() {
  local t=$SECONDS
  host_tools
  make_root
  say "set-up: $((SECONDS - t))s"
}

# --- cross-building against the root ---------------------------------------------
cross_env() {
  local lib=$ROOT/usr/lib/aarch64-linux-gnu
  export GOOS=linux GOARCH=arm64 CGO_ENABLED=1 CC=aarch64-linux-gnu-gcc
  # pkg-config reads the root's libdpdk.pc and prefixes its paths with the root.
  export PKG_CONFIG_SYSROOT_DIR=$ROOT PKG_CONFIG_LIBDIR=$lib/pkgconfig:$ROOT/usr/share/pkgconfig PKG_CONFIG_PATH=
  export CGO_CFLAGS="--sysroot=$ROOT -O2 -g"
  # Debian's arm64 libdpdk.pc asks for -moutline-atomics (LSE atomics
  # chosen at run time), a flag cgo does not pass unless allowed.
  export CGO_CFLAGS_ALLOW='-moutline-atomics'
  # -rpath-link: the libraries DPDK's libraries need (libnuma, libbsd, ...).
  export CGO_LDFLAGS="--sysroot=$ROOT -O2 -g -Wl,-rpath-link,$lib"
  # The Makefile's GOAMD64 means nothing to GOARCH=arm64; the arm64
  # baseline (GOARM64 v8.0) is what Debian's generic arm64 DPDK is built for.
  unset GOAMD64
}

build() {
  setup
  local t=$SECONDS
  (cross_env; go build -o bin/zcnic-arm64 ./cmd/zcnic)
  local what; what=$(file -b bin/zcnic-arm64)
  say "bin/zcnic-arm64: $what"
  grep -q 'ARM aarch64' <<<"$what" || die "bin/zcnic-arm64 is not an ARM aarch64 binary"
  # It starts (and links every library it needs) in the arm64 root.
  local v; v=$(IN_ROOT_SRC=$PWD in_root /zcnic/bin/zcnic-arm64 version) || die "bin/zcnic-arm64 version, under qemu-user"
  say "under qemu-user: $v"
  say "build: $((SECONDS - t))s"
}

# --- the tests, for arm64, under qemu-user in the root ----------------------------
# Why EAL runs with --no-huge here: the arm64 process runs inside
# qemu-user, whose guest memory is the emulator's mapping, so the
# hugepage and IOVA handling EAL would do is not what runs on a DPU; and
# the host's hugepages belong to the amd64 tests that may run beside
# these. The virtual devices need neither.
NO_HUGE_REASON="arm64 under qemu-user emulation: the host's hugepages are not the guest's to map, virtual devices only"

# Tests that cannot run under qemu-user, by package directory and Go test
# name (an anchored regexp for -test.skip), and why, separated by '%'. They are left out
# by name, and listed, on every run: none is skipped silently.
EXCLUDE=(
  "app%^(TestGenerateRate|TestMeasureFloor)$%timing: a generator's rate and the TSC floor's length are checked against the clock, which emulation on a shared machine does not keep"
  "bench%^TestStallProgram$%builds zcnic-stall with go (no Go toolchain in the root) and measures loop stalls, which mean nothing under emulation"
  "port%^TestAFXDP%net_af_xdp: qemu-user 7.2 does not pass the SIOCETHTOOL ioctl through (\"Failed to get channel info\")"
  "port%^TestAFPacket%net_af_packet: qemu-user 7.2 does not pass the PACKET_VERSION socket option through (\"Protocol not available\")"
  "cmd/zcnic%^(TestAFXDPFwd|TestFwdAFPacketQueuesKeepFlows)$%net_af_xdp and net_af_packet: qemu-user 7.2 passes neither SIOCETHTOOL nor PACKET_VERSION through"
  "flow%^TestAutoFallsBackOnEveryVirtualPMD$/^(net_tap|net_af_packet)$%net_tap's TC flower requests over netlink are not translated by qemu-user 7.2 (\"couldn't send request to kernel\"); net_af_packet as above"
  "port%^TestTapKernelAndPMD$%ip neigh replace inside a namespace fails under qemu-user 7.2 (\"Cannot talk to rtnetlink: Operation not supported\"): its neighbour netlink messages are not translated"
  "cmd/zcnic%^TestAddressSpaceLimit$%ulimit -v limits qemu-user itself, which reserves the guest's whole address space at start: the limits the test sets mean nothing to the guest"
  "cmd/zcnic%^TestFwdTuningAndJSONStats$%timing: wants traffic in every 250 ms stats line of a 1.5 s run; an emulated start on a busy machine can miss the first"
)

# skip_re DIR: the -test.skip regexp of DIR's exclusions ("" for none).
skip_re() {
  local e d re out=()
  for e in "${EXCLUDE[@]}"; do
    IFS='%' read -r d re _ <<<"$e"
    [ "$d" = "$1" ] && out+=("$re")
  done
  local IFS='|'; echo "${out[*]}"
}

test_arm64() {
  build
  local t=$SECONDS dirs=() d name
  rm -rf "$OUT/tests" "$OUT/logs"; mkdir -p "$OUT/tests" "$OUT/logs" "$OUT/bin"
  mapfile -t dirs < <(cross_env; go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' ./... | sed "s|^$PWD/||" | grep -v '^$')
  say "building ${#dirs[@]} test binaries for arm64: ${dirs[*]}"
  (
    cross_env
    # The programs the cmd/zcnic and examples/router tests run; no Go
    # toolchain runs in the root to build them there.
    go build -o "$OUT/bin/router" ./examples/router
    go vet ./...
    for d in "${dirs[@]}"; do
      go test -c -o "$OUT/tests/${d//\//-}.test" "./$d"
    done
  )
  # Named zcnic, as the tests expect to see it in /proc (a tap's holder).
  cp bin/zcnic-arm64 "$OUT/bin/zcnic"
  say "go vet and test binaries for arm64: $((SECONDS - t))s"

  if [ ${#EXCLUDE[@]} -gt 0 ]; then
    say "excluded by name (cannot run under qemu-user):"
    local e re why
    for e in "${EXCLUDE[@]}"; do
      IFS='%' read -r d re why <<<"$e"
      printf '  %-16s %-44s %s\n' "$d" "$re" "$why"
    done
  fi
  say "EAL: --no-huge --no-pci --in-memory ($NO_HUGE_REASON)"

  local failed=() rc skip
  : >"$OUT/results.txt"
  for d in "${dirs[@]}"; do
    name=${d//\//-}
    skip=$(skip_re "$d")
    local t1=$SECONDS
    rc=0
    IN_ROOT_SRC=$PWD in_root /usr/bin/env ZCNIC_NO_HUGE=1 ZCNIC_NO_HUGE_REASON="$NO_HUGE_REASON" ZCNIC_NO_HUGE_MB=1024 \
      ZCNIC_TEST_ZCNIC_BIN="/zcnic/$OUT/bin/zcnic" ZCNIC_TEST_ROUTER_BIN="/zcnic/$OUT/bin/router" \
      TMPDIR=/tmp /bin/sh -c 'cd "/zcnic/$1" && exec "/zcnic/$2" -test.v -test.count=1 -test.timeout=20m ${3:+-test.skip "$3"}' \
      sh "$d" "$OUT/tests/$name.test" "$skip" >"$OUT/logs/$name.log" 2>&1 || rc=$?
    # Every top-level test and its result.
    sed -n "s/^--- \(PASS\|FAIL\|SKIP\): \([^ ]*\).*/\1 $name \2/p" "$OUT/logs/$name.log" >>"$OUT/results.txt"
    local np nf ns
    np=$(grep -c "^--- PASS" "$OUT/logs/$name.log" || true)
    nf=$(grep -c "^--- FAIL" "$OUT/logs/$name.log" || true)
    ns=$(grep -c "^--- SKIP" "$OUT/logs/$name.log" || true)
    if [ $rc -eq 0 ]; then
      printf '  ok    %-18s %3d passed, %2d skipped by the test itself (%ds)\n' "$d" "$np" "$ns" $((SECONDS - t1))
    else
      printf '  FAIL  %-18s %3d passed, %2d failed, %2d skipped (exit %d, %ds; log %s)\n' "$d" "$np" "$nf" "$ns" $rc $((SECONDS - t1)) "$OUT/logs/$name.log"
      failed+=("$d")
    fi
  done
  say "tests run (result, package, test), also in $OUT/results.txt:"
  sed 's/^/  /' "$OUT/results.txt"
  say "skipped by the tests themselves, with their reasons:"
  # The first line of each skipped test's reason (file.go:N: why) before its "--- SKIP".
  awk '/^=== RUN/ {why = ""} /^    [A-Za-z0-9_]+\.go:[0-9]+: / && why == "" {why = $0; sub(/^ +/, "", why)}
       /^--- SKIP: / {printf "  %-40s %s\n", $3, why}' "$OUT"/logs/*.log
  say "$(grep -c '^PASS' "$OUT/results.txt") passed, $(grep -c '^FAIL' "$OUT/results.txt") failed, $(grep -c '^SKIP' "$OUT/results.txt") skipped, ${#EXCLUDE[@]} excluded by name; $((SECONDS - t))s"
  [ ${#failed[@]} -eq 0 ] || die "failed under qemu-user: ${failed[*]}"
  say "PASS"
}

# --- the runtime image for linux/arm64 ---------------------------------------------
image() {
  host_tools
  make_root
  local t=$SECONDS need=() p
  for p in podman runc; do command -v $p >/dev/null || need+=($p); done
  if [ ${#need[@]} -gt 0 ]; then
    say "installing on the host: ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  read -r -a PODMAN <<<"podman ${ZCNIC_PODMAN_GLOBAL:---runtime runc --cgroup-manager=cgroupfs}"
  local base=${ZCNIC_ARM64_BASE_IMAGE:-localhost/zcnic-arm64-base:bookworm}
  local go_image=${ZCNIC_GO_IMAGE:-localhost/golang:1.26-bookworm}
  mkdir -p "$OUT"
  # The arm64 stand-in for debian:bookworm-slim: the root's bare system,
  # with the host's apt sources.
  if podman image exists "$base"; then
    say "$base: present, reused"
  else
    local tmp; tmp=$(mktemp -d /var/tmp/zcnic-arm64-base.XXXXXX)
    if [ -f "$ROOT.minbase.tar" ]; then
      tar -C "$tmp" -xf "$ROOT.minbase.tar"
    else # a root made before the snapshot was kept
      bootstrap "$tmp" "$OUT/debootstrap-base.log"
      tar -C "$tmp" -cf "$ROOT.minbase.tar" .
    fi
    rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/* "$tmp"/debootstrap "$tmp"/.zcnic-*
    tar -C "$tmp" -c . | podman import --quiet --os linux --arch arm64 --variant v8 - "$base" >/dev/null
    rm -rf "$tmp"
    say "$base: imported from the arm64 root's bare system"
  fi
  # The Go image runs on the build machine (the build stages cross-compile).
  if ! podman image exists "$go_image"; then
    if [[ $go_image == localhost/* ]]; then
      die "$go_image is missing: make container-test builds it (or set ZCNIC_GO_IMAGE to a golang:1.26-bookworm image)"
    fi
    "${PODMAN[@]}" pull "$go_image"
  fi
  local buildarch; buildarch=$(go env GOHOSTARCH)
  # podman 4.3 does not set these with --platform (BuildKit would).
  local args=(--platform linux/arm64 -f docker/Dockerfile --target runtime
              --build-arg BUILDPLATFORM="linux/$buildarch" --build-arg BUILDARCH="$buildarch" --build-arg TARGETARCH=arm64 --build-arg TARGETPLATFORM=linux/arm64
              --build-arg GO_IMAGE="$go_image" --build-arg RUNTIME_IMAGE="$base"
              --build-arg GOPROXY="$(go env GOPROXY)" --build-arg GOSUMDB="$(go env GOSUMDB)")
  local ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
  [ -s "$ca" ] && args+=(--secret "id=ca-certificates,src=$ca")
  say "podman build --platform linux/arm64 (runtime target) -> $IMAGE (log: $OUT/image.log)"
  "${PODMAN[@]}" build --isolation=chroot "${args[@]}" -t "$IMAGE" . >"$OUT/image.log" 2>&1 ||
    { tail -40 "$OUT/image.log"; die "podman build --platform linux/arm64"; }
  local arch; arch=$(podman image inspect -f '{{.Os}}/{{.Architecture}}' "$IMAGE")
  [ "$arch" = linux/arm64 ] || die "$IMAGE is $arch, not linux/arm64"
  # The image's zcnic runs (under qemu-user) and forwards on net_null.
  local v; v=$("${PODMAN[@]}" run --rm --platform linux/arm64 --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 "$IMAGE" version) || die "$IMAGE: zcnic version"
  say "$IMAGE ($arch, $(podman image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')): $v"
  "${PODMAN[@]}" run --rm --platform linux/arm64 --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 "$IMAGE" \
    fwd --vdev net_null0 --vdev net_null1 --mode macswap --duration 2s --stats-interval 0 --no-huge \
    >"$OUT/image-fwd.log" 2>&1 || { cat "$OUT/image-fwd.log"; die "$IMAGE: zcnic fwd on net_null"; }
  grep -q net_null1 "$OUT/image-fwd.log" || { cat "$OUT/image-fwd.log"; die "$IMAGE: no summary from zcnic fwd"; }
  say "$IMAGE: zcnic fwd on net_null ran (--no-huge, under qemu-user); image: $((SECONDS - t))s"
}

case ${1:-} in
  setup) setup ;;
  build) build ;;
  test) test_arm64 ;;
  image) image ;;
  *) echo "usage: $0 setup|build|test|image" >&2; exit 2 ;;
esac
