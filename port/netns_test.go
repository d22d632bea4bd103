package port_test

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zcnic/zcnic/port/netnstest"

	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// Helpers for the tests that put traffic through the kernel: network
// namespaces, interfaces and commands. Everything a test creates here is
// named after this process (so parallel test binaries do not collide) and
// removed in t.Cleanup, also when the test fails.

// shortID is a short id, unique across processes, for interface names,
// which the kernel limits to 15 bytes: the pid and a counter in base 36
// (at most 5 and usually 1-3 digits).
// seq numbers interfaces, namespaces and child prefixes in this process.
var seq atomic.Int64

func shortID() string {
	return strconv.FormatInt(int64(os.Getpid()), 36) + "-" + strconv.FormatInt(seq.Add(1), 36)
}

// sh runs a command and fails the test, with its output, if it fails.
func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
	return string(out)
}

// execOut runs a command and returns its output, for cleanups, which
// report rather than stop.
func execOut(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}

// nsSh runs a command inside the network namespace ns.
func nsSh(t *testing.T, ns, name string, args ...string) string {
	t.Helper()
	return sh(t, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// newNetns creates the network namespace zcnic-<tag>-<pid>-<n> and
// deletes it at cleanup (which also deletes the virtual interfaces left
// in it).
func newNetns(t *testing.T, tag string) string {
	t.Helper()
	ns := fmt.Sprintf("zcnic-%s-%d-%d", tag, os.Getpid(), seq.Add(1))
	sh(t, "ip", "netns", "add", ns)
	t.Cleanup(func() {
		if out, err := execOut("ip", "netns", "del", ns); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns, err, out)
		}
	})
	return ns
}

// rxUntil polls rx queue 0 of p into b until keep has accepted want
// packets or the deadline passes. keep sees every received mbuf (noise
// included) and reports whether it was one of the wanted ones; the burst
// is freed after each poll. It returns the number of packets polled in
// all, wanted or not, and fails the test with msg on timeout.
func rxUntil(t *testing.T, p *port.Port, b *mbuf.Burst, want int, timeout time.Duration, keep func(m *mbuf.Mbuf) bool, msg string) (polled int) {
	t.Helper()
	got := 0
	deadline := time.Now().Add(timeout)
	for got < want {
		n, err := p.Rx(0, b)
		require.NoError(t, err)
		polled += n
		for _, m := range b.Pkts() {
			if keep(m) {
				got++
			}
		}
		b.Free()
		if n == 0 {
			if time.Now().After(deadline) {
				require.FailNowf(t, "receive timed out", "%s: %d of %d packets within %v", msg, got, want, timeout)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	return polled
}

// quiet polls p for d and returns how many packets keep accepted: the
// check that nothing beyond the expected count arrives.
func quiet(t *testing.T, p *port.Port, b *mbuf.Burst, d time.Duration, keep func(m *mbuf.Mbuf) bool) (extra, polled int) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); {
		n, err := p.Rx(0, b)
		require.NoError(t, err)
		polled += n
		for _, m := range b.Pkts() {
			if keep(m) {
				extra++
			}
		}
		b.Free()
		if n == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return extra, polled
}

// txAll transmits every packet in b on queue 0 of p, retrying what the
// device did not take, until the deadline.
func txAll(t *testing.T, p *port.Port, b *mbuf.Burst, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for b.Len() > 0 {
		if _, err := p.Tx(0, b); err != nil {
			b.Free()
			require.NoError(t, err)
		}
		if b.Len() > 0 {
			if time.Now().After(deadline) {
				left := b.Len()
				b.Free()
				require.FailNowf(t, "transmit timed out", "%s kept refusing %d packets for %v", p, left, timeout)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// inNetns and syncBuffer are shared with the CLI's namespace test.
var inNetns = netnstest.In

type syncBuffer = netnstest.Buffer
