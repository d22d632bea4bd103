#!/usr/bin/env bash
# Side by side on the same machine, alternating: dpdk-testpmd
# --forward-mode=io and zcnic's BenchmarkNullIOForward, both forwarding
# between two net_null ports on one lcore (lcore 1; lcore 0 is main) with
# bursts of 32. Prints each round and the medians, and last the ratio.
#
#   bash bench/io-vs-testpmd.sh [rounds]    (default 3; about 15 s a round)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
rounds=${1:-3}
secs=5

go test -c -o /tmp/zcnic-port.bench ./port >/dev/null

testpmd_mpps() {
  # testpmd prints per-port Rx-pps every second; sum both ports' last values.
  # timeout's SIGINT is how testpmd is meant to stop: its status is not a failure.
  { timeout -s INT $((secs + 2)) dpdk-testpmd -l 0,1 --main-lcore 0 --no-pci --in-memory --no-telemetry \
      --vdev net_null0 --vdev net_null1 --log-level=error -- \
      --forward-mode=io --nb-cores=1 --burst=32 --mbcache=256 --stats-period 1 --auto-start 2>&1 || true; } |
    awk '/Rx-pps:/ { v[n++ % 2] = $2 } END { printf "%.2f\n", (v[0] + v[1]) / 1e6 }'
}

zcnic_mpps() {
  /tmp/zcnic-port.bench -test.run='^$' -test.bench='^BenchmarkNullIOForward$' -test.benchtime=${secs}s 2>/dev/null |
    awk '/BenchmarkNullIOForward/ { for (i = 1; i <= NF; i++) if ($(i+1) == "Mpps") print $i }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

t=(); z=()
for r in $(seq "$rounds"); do
  t+=("$(testpmd_mpps)")
  z+=("$(zcnic_mpps)")
  echo "round $r: testpmd ${t[-1]} Mpps, zcnic ${z[-1]} Mpps"
done
tm=$(printf '%s\n' "${t[@]}" | median)
zm=$(printf '%s\n' "${z[@]}" | median)
echo "median: testpmd $tm Mpps, zcnic $zm Mpps"
awk -v z="$zm" -v t="$tm" 'BEGIN { printf "ratio io zcnic/testpmd = %.3f\n", z / t }'
