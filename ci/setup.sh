#!/usr/bin/env bash
# Set up a Debian 12 machine to build and test zcnic. Idempotent: run it
# as often as you like; it only changes what is missing.
#
#   - installs DPDK 22.11 (dpdk, dpdk-dev, libdpdk-dev), pkg-config, gcc
#     and the tools the tests drive (iproute2, ping, iperf3, tcpdump, tshark),
#     running `apt-get update` only when something must be installed;
#   - reserves 2 MiB hugepages, ZCNIC_HUGEPAGES_MB worth (default 1024),
#     never shrinking a larger reservation, and mounts hugetlbfs at
#     ZCNIC_HUGE_DIR (default /dev/hugepages);
#   - never binds, unbinds or probes PCI devices.
#
# If hugepages cannot be had (no root, a container without privileges),
# it says so and exits 0: the tests then run EAL with --no-huge.
set -euo pipefail

HUGE_MB=${ZCNIC_HUGEPAGES_MB:-1024}
HUGE_DIR=${ZCNIC_HUGE_DIR:-/dev/hugepages}
PACKAGES=(dpdk dpdk-dev libdpdk-dev pkg-config gcc make git ca-certificates
          iproute2 iputils-ping iperf3 tcpdump procps tshark)

say() { printf 'setup: %s\n' "$*"; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    say "not root and no sudo: cannot install packages or reserve hugepages"; exit 1
  fi
fi

# --- packages -------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "packages: all present"
fi

# --- Go -------------------------------------------------------------------
if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    say "Go is at /usr/local/go/bin but not on PATH; the Makefile adds it"
  else
    say "no Go toolchain: installing Debian's golang-go (go.mod's toolchain line fetches the newer Go through the module proxy)"
    "${SUDO[@]}" apt-get install -y -qq golang-go >/dev/null
  fi
fi
GO=$(command -v go || echo /usr/local/go/bin/go)

# --- hugepages --------------------------------------------------------------
hp=/sys/kernel/mm/hugepages/hugepages-2048kB
want=$(( HUGE_MB / 2 ))
huge_ok=1
if [ ! -d "$hp" ]; then
  say "HUGEPAGES UNAVAILABLE: the kernel has no 2 MiB hugepage support ($hp missing); tests will run EAL with --no-huge"
  huge_ok=0
else
  have=$(cat "$hp/nr_hugepages")
  if [ "$have" -lt "$want" ]; then
    if echo "$want" | "${SUDO[@]}" tee "$hp/nr_hugepages" >/dev/null 2>&1; then
      got=$(cat "$hp/nr_hugepages")
      say "reserved 2MB hugepages: $have -> $got (asked for $want)"
      [ "$got" -ge "$want" ] || say "WARNING: the kernel gave only $got of $want pages (not enough free memory)"
    else
      say "HUGEPAGES UNAVAILABLE: cannot write $hp/nr_hugepages (read-only sysfs or no privilege); tests will run EAL with --no-huge"
      huge_ok=0
    fi
  else
    say "2MB hugepages: $have reserved (want $want): nothing to do"
  fi
  if [ "$huge_ok" = 1 ]; then
    if awk -v d="$HUGE_DIR" '$2 == d && $3 == "hugetlbfs" {f=1} END {exit !f}' /proc/mounts; then
      say "hugetlbfs already mounted at $HUGE_DIR"
    else
      "${SUDO[@]}" mkdir -p "$HUGE_DIR"
      if "${SUDO[@]}" mount -t hugetlbfs -o pagesize=2M nodev "$HUGE_DIR" 2>/dev/null; then
        say "mounted hugetlbfs (pagesize=2M) at $HUGE_DIR"
      else
        say "HUGEPAGES UNAVAILABLE: cannot mount hugetlbfs at $HUGE_DIR; tests will run EAL with --no-huge"
        huge_ok=0
      fi
    fi
  fi
fi

# --- what we found ----------------------------------------------------------
say "DPDK $(pkg-config --modversion libdpdk), $("$GO" version 2>/dev/null || echo 'go: not found')"
pmds=$(ls -d /usr/lib/x86_64-linux-gnu/dpdk/pmds-*/ 2>/dev/null | head -1)
if [ -n "$pmds" ]; then
  vpmds=$(ls "$pmds" | sed -n 's/^librte_net_\(null\|ring\|pcap\|tap\|memif\|af_packet\)\.so.*/\1/p' | sort -u | tr '\n' ' ')
  say "virtual PMDs in $pmds: $vpmds"
fi
if [ -d "$hp" ]; then
  say "hugepages 2MB: total $(cat $hp/nr_hugepages), free $(cat $hp/free_hugepages); hugetlbfs mounts: $(awk '$3=="hugetlbfs"{printf "%s ", $2}' /proc/mounts)"
fi
[ "$huge_ok" = 1 ] && say "ready (hugepages)" || say "ready (NO hugepages: --no-huge fallback)"
