package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peerKills is how many clients each case starts and SIGKILLs.
const peerKills = 20

// A switch outlives its clients: a zcnic fwd server (a memif or
// vhost-user port, and a net_null sink) forwards the traffic of a
// client zcnic gen, which is SIGKILLed as soon as the server has
// received its packets, 20 times over. The server must stay up through
// every kill (DPDK 22.11's net_memif unmaps the rings on the interrupt
// thread under the polling lcore when the peer goes: it died with
// SIGSEGV within a few kills before port.Port.BurstLock), exit 0 on
// SIGINT, and account for every packet with its mempool full.
func TestServerOutlivesKilledClients(t *testing.T) {
	dir, err := os.MkdirTemp("", "zcpd") // a short path: sun_path is 108 bytes
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, c := range []struct {
		name, server, client string
	}{
		{"memif",
			"net_memif0,role=server,socket=" + filepath.Join(dir, "m.sock") + ",socket-abstract=no",
			"net_memif0,role=client,socket=" + filepath.Join(dir, "m.sock") + ",socket-abstract=no"},
		{"vhost",
			"net_vhost0,iface=" + filepath.Join(dir, "v.sock") + ",queues=1",
			"net_virtio_user0,path=" + filepath.Join(dir, "v.sock") + ",queues=1,queue_size=256"},
	} {
		t.Run(c.name, func(t *testing.T) { serverOutlivesClients(t, c.server, c.client) })
	}
}

func serverOutlivesClients(t *testing.T, server, client string) {
	// Long bursts (512 frames of 1500 bytes, copied by net_memif) keep
	// the server's lcore inside rte_eth_rx_burst most of the time, the
	// window in which the driver's unmap crashed it.
	srv := startZcnic(t, "fwd", "--lcores", "0-1", "--burst", "512", "--json", "--stats-interval", "100ms", "--stats-format", "json",
		"--vdev", server, "--vdev", "net_null0,no-rx=1")
	// rx is the server's port 0 received packets on each stats line so
	// far (the loops' counters: they only grow).
	rx := func() []uint64 {
		var n []uint64
		for _, line := range strings.Split(srv.stderr.String(), "\n") {
			var l statsLine
			if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &l) == nil && len(l.Ports) == 2 {
				n = append(n, l.Ports[0].RxPackets)
			}
		}
		return n
	}
	alive := func(what string) {
		t.Helper()
		select {
		case <-srv.done:
			t.Fatalf("the server died %s: %v; %s", what, srv.err, crashLines(srv.stderr.String()))
		default:
		}
	}
	waitFor(t, 20*time.Second, "the server's first stats line", func() bool {
		alive("before any client")
		return strings.Contains(srv.stderr.String(), `"ports":[`)
	})
	for i := 1; i <= peerKills; i++ {
		from := len(rx())
		cl := startZcnic(t, "gen", "--lcores", "0", "--size", "1500", "--stats-interval", "0", "--vdev", client)
		// Received from this client, on three stats lines in a row (0.3 s
		// of traffic at 100 ms a line): the kill comes in the thick of
		// it, with the server's lcore in its bursts and the rings full.
		waitFor(t, 20*time.Second, "client "+strconv.Itoa(i)+"'s packets at the server", func() bool {
			alive("after " + strconv.Itoa(i-1) + " client kills")
			select {
			case <-cl.done:
				t.Fatalf("client %d exited before the kill: %v; stderr:\n%s", i, cl.err, tail(cl.stderr.String(), 20))
			default:
			}
			n, busy := rx(), 0
			for j := max(from, 1); j < len(n); j++ {
				if n[j] > n[j-1] {
					busy++
				} else {
					busy = 0
				}
			}
			return busy >= 3
		})
		assert.Equal(t, 128+int(syscall.SIGKILL), killed(t, cl), "client %d", i)
	}
	alive("after " + strconv.Itoa(peerKills) + " client kills")
	require.Equal(t, 0, srv.stop(t, syscall.SIGINT), "the server's exit after SIGINT; %s", crashLines(srv.stderr.String()))
	s := runJSON(t, result{stdout: srv.stdout.String(), stderr: srv.stderr.String()})
	checkSums(t, s) // received = forwarded + dropped, all of it sent, pool full, no error
	require.Len(t, s.Ports, 2)
	in, out := s.Ports[0], s.Ports[1]
	assert.Greater(t, in.RxPackets, uint64(peerKills*1000), "the clients' traffic reached the server")
	assert.Equal(t, in.RxPackets, out.TxPackets+in.Dropped, "what came in from the clients left by the sink or was counted dropped")
	assert.Zero(t, out.RxPackets, "the sink receives nothing")
	// The driver's counters read 0 between clients and their old totals
	// again after: never counted twice (they may lag the loop's, the
	// last reading being before the last kill).
	if in.Dev.Read {
		assert.LessOrEqual(t, in.Dev.RxPackets, in.RxPackets, "device rx counts each packet once across %d reconnects", peerKills)
		assert.Positive(t, in.Dev.RxPackets)
	}
}

// crashLines are the lines of a Go crash report that say what and
// where (the signal, and the goroutine that took it), or the last lines
// of stderr.
func crashLines(stderr string) string {
	ls := strings.Split(stderr, "\n")
	for i, l := range ls {
		if strings.HasPrefix(l, "SIGSEGV") || strings.HasPrefix(l, "SIGBUS") || strings.HasPrefix(l, "SIGABRT") ||
			strings.HasPrefix(l, "fatal error") || strings.HasPrefix(l, "panic") || strings.Contains(l, "PANIC") {
			return "it said:\n" + strings.Join(ls[i:min(i+24, len(ls))], "\n")
		}
	}
	return "stderr:\n" + tail(stderr, 20)
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(ls[max(len(ls)-n, 0):], "\n")
}

// A server stopped as its client dies frees the client's regions once.
// When the peer goes, DPDK 22.11's net_memif runs its disconnect on the
// EAL interrupt thread; rte_eth_dev_stop runs the same disconnect on the
// stopping thread, and the driver serialises neither: both munmap and
// rte_free the shared regions, which is heap corruption, or the unmap of
// whatever was mapped there in between (the server died at its exit in
// about one full test run in eight). A preload (testdata/unmaptwice.c)
// holds every munmap of a memif region for 300 ms, so that the SIGINT,
// sent 50 ms after the client's SIGKILL, lands in the middle of the
// interrupt thread's disconnect every time, and reports an address
// unmapped twice. zcnic parks the interrupt thread for the stop, so the
// stop finds the disconnect done and frees nothing again.
func TestMemifStopRacesPeerDisconnect(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	require.NoError(t, err, "gcc (cgo's compiler) builds the test's preload")
	dir, err := os.MkdirTemp("", "zcur") // a short path: sun_path is 108 bytes
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	so := filepath.Join(dir, "unmaptwice.so")
	out, err := exec.Command(cc, "-Wall", "-shared", "-fPIC", "-O2", "-o", so, "testdata/unmaptwice.c", "-ldl").CombinedOutput()
	require.NoError(t, err, "%s", out)
	sock := filepath.Join(dir, "m.sock")
	for round := 1; round <= 2; round++ {
		srv := startZcnicEnv(t, []string{"LD_PRELOAD=" + so, "ZC_UNMAP_DELAY_MS=300"},
			"fwd", "--lcores", "0-1", "--json", "--stats-interval", "100ms", "--stats-format", "json",
			"--vdev", "net_memif0,role=server,socket="+sock+",socket-abstract=no", "--vdev", "net_null0,no-rx=1")
		waitFor(t, 20*time.Second, "the server's first stats line", func() bool {
			return strings.Contains(srv.stderr.String(), `"ports":[`)
		})
		cl := startZcnic(t, "gen", "--lcores", "0", "--stats-interval", "0",
			"--vdev", "net_memif0,role=client,socket="+sock+",socket-abstract=no")
		waitFor(t, 20*time.Second, "the client's packets at the server", func() bool {
			for _, line := range strings.Split(srv.stderr.String(), "\n") {
				var l statsLine
				if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &l) == nil && len(l.Ports) == 2 && l.Ports[0].RxPackets > 0 {
					return true
				}
			}
			return false
		})
		assert.Equal(t, 128+int(syscall.SIGKILL), killed(t, cl), "the client, round %d", round)
		time.Sleep(50 * time.Millisecond) // the interrupt thread is in its disconnect
		require.Equal(t, 0, srv.stop(t, syscall.SIGINT), "round %d: the server's exit after SIGINT; %s", round, crashLines(srv.stderr.String()))
		e := srv.stderr.String()
		var said []string // the preload's lines
		for _, l := range strings.Split(e, "\n") {
			if strings.HasPrefix(l, "zc-unmap-") {
				said = append(said, l)
			}
		}
		preload := strings.Join(said, "; ")
		assert.Contains(t, preload, "zc-unmap-slowed", "round %d: the client's regions were unmapped (the test's window)", round)
		assert.NotContains(t, preload, "zc-unmap-twice", "round %d: a region unmapped by both the interrupt thread and the stop", round)
		checkSums(t, runJSON(t, result{stdout: srv.stdout.String(), stderr: e}))
	}
}
