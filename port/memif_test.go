package port_test

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
)

// child is this test binary running as a peer process (see runChild).
type child struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr syncBuffer
	done           chan struct{} // closed when it has exited
	err            error         // from Wait, once done
}

// startChild starts this binary as the given child role with extra
// environment. The child is killed if it outlives limit, and at cleanup
// if it is still running then; its output is logged if the test failed.
func startChild(t *testing.T, role string, limit time.Duration, env ...string) *child {
	t.Helper()
	c := &child{done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(append(os.Environ(), childEnv+"="+role), env...)
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	var err error
	c.stdin, err = c.cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, c.cmd.Start())
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	kill := time.AfterFunc(limit, func() { c.cmd.Process.Kill() })
	t.Cleanup(func() {
		kill.Stop()
		c.stdin.Close()
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			t.Logf("child %s (pid %d) exited with %v\nstdout:\n%s\nstderr:\n%s", role, c.cmd.Process.Pid, c.err, c.stdout.String(), c.stderr.String())
		}
	})
	return c
}

// exited reports whether the child has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// finish closes the child's stdin, its signal to stop, and waits up to
// timeout for it to exit.
func (c *child) finish(t *testing.T, timeout time.Duration) error {
	t.Helper()
	require.NoError(t, c.stdin.Close())
	select {
	case <-c.done:
		return c.err
	case <-time.After(timeout):
		require.FailNowf(t, "child did not exit", "still running %v after its stdin closed", timeout)
		return nil
	}
}

// TestMemifTwoProcesses connects a net_memif server in this process to
// a net_memif client in a child process with its own EAL. The child
// echoes every packet; every packet comes back byte for byte and in
// order, both sides agree on what crossed (counts, bytes, CRC-32), and
// both sides' pools are full at the end.
func TestMemifTwoProcesses(t *testing.T) { memifTwoProcesses(t, false) }

// TestMemifZeroCopyTwoProcesses is TestMemifTwoProcesses with the client
// in zero-copy mode (zero-copy=yes, --single-file-segments), and shows
// where the copies are. The client hands the server its own mbufs: a
// ring of empty ones to write into (its pool is short of them while
// connected), and each one it sends, which the server reads in place
// (a rewrite after sending shows up at the server); the server copies
// once each way. In copy mode the client's pool lends nothing and its
// sent mbuf is copied and freed at once. The client's pool is full after
// close: DPDK 22.11's driver never frees the rings' mbufs, and
// port.Stop does (it lost 1,024 + the unread tx before).
func TestMemifZeroCopyTwoProcesses(t *testing.T) { memifTwoProcesses(t, true) }

func memifTwoProcesses(t *testing.T, zeroCopy bool) {
	sock := filepath.Join(t.TempDir(), "memif.sock")
	// 22.11 takes id, role, bsize, rsize, socket, socket-abstract, mac,
	// zero-copy and secret. socket-abstract=no makes socket a file path
	// (22.11 defaults to the abstract namespace).
	twoProcessEcho(t, "net_memif", uniq("net_memif")+",role=server,id=0,socket="+sock+",socket-abstract=no",
		sock, "memif-client", zeroCopy)
}

// TestVhostVirtioUserTwoProcesses is the container-to-switch path: a
// net_vhost port (the switch's vhost-user server) in this process and a
// net_virtio_user port (the container's virtio device) in a child
// process with its own EAL. The child echoes; every frame comes back
// byte for byte and in order, both sides agree on what crossed, and
// both pools are full at the end. The virtio-user side shares all its
// memory with the vhost side (--single-file-segments): the vhost side
// copies each frame once, from its mbuf into the guest's buffer or back.
func TestVhostVirtioUserTwoProcesses(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "vhost.sock")
	// 22.11 takes iface, queues, client, dequeue-zero-copy (gone),
	// iommu-support, postcopy-support, tso, linear-buffer, ext-buffer,
	// legacy-ol-flags.
	twoProcessEcho(t, "net_vhost", uniq("net_vhost")+",iface="+sock+",queues=1", sock, "virtio-user", false)
}

// twoProcessEcho attaches devargs (a server listening on sock) in this
// process, starts this binary as the child role that connects to it,
// and checks that 1,000 frames of 60 to 1500 bytes come back from the
// child's echo as they were sent. A memif child also reports what it
// lent and sends its probe first (see TestMemifZeroCopyTwoProcesses).
func twoProcessEcho(t *testing.T, driver, devargs, sock, role string, zeroCopy bool) {
	pool := newPool(t, 2047)
	require.Less(t, len(sock), 108, "a unix socket path must fit sun_path; set TMPDIR shorter")
	p := attach(t, devargs, pool)
	fi, err := os.Stat(sock)
	require.NoError(t, err, "the server listens once attached")
	require.Equal(t, os.ModeSocket, fi.Mode().Type())
	in, err := p.Info()
	require.NoError(t, err)
	require.Equal(t, driver, in.Driver)
	l, err := p.Link()
	require.NoError(t, err)
	require.False(t, l.Up, "no link before the client connects")
	memif := role == "memif-client"

	prefix := fmt.Sprintf("zcnic-port-child-%d-%d", os.Getpid(), seq.Add(1))
	t.Cleanup(func() { os.RemoveAll("/var/run/dpdk/" + prefix) }) // if it was killed
	env := []string{childSocketEnv + "=" + sock, childPrefixEnv + "=" + prefix, childTimeoutEnv + "=45s"}
	if zeroCopy {
		env = append(env, childZCEnv+"=1")
	}
	c := startChild(t, role, 60*time.Second, env...)

	deadline := time.Now().Add(20 * time.Second) // a child EAL on --no-huge starts slowly
	for {
		l, err := p.Link()
		require.NoError(t, err)
		if l.Up {
			break
		}
		require.False(t, c.exited(), "the child exited before the link came up: %v\n%s", c.err, c.stderr.String())
		require.True(t, time.Now().Before(deadline), "%s link still down after 20s; child said:\n%s%s", driver, c.stdout.String(), c.stderr.String())
		time.Sleep(time.Millisecond)
	}

	// What the client lent, and where its probe's bytes were read from.
	line := func(prefix string) string {
		deadline := time.Now().Add(10 * time.Second)
		for {
			for _, l := range strings.Split(c.stdout.String(), "\n") {
				if strings.HasPrefix(l, prefix) {
					return strings.TrimPrefix(l, prefix)
				}
			}
			require.False(t, c.exited(), "the child exited before saying %q: %v\n%s", prefix, c.err, c.stderr.String())
			require.True(t, time.Now().Before(deadline), "the child never said %q:\n%s", prefix, c.stdout.String())
			time.Sleep(time.Millisecond)
		}
	}
	rxb := newBurst(t, 32)
	if memif {
		line("child: probe done")
		posted, held := line("child: posted "), line("child: probe held ")
		var probe []byte
		deadline = time.Now().Add(5 * time.Second)
		for probe == nil {
			_, err := p.Rx(0, rxb)
			require.NoError(t, err)
			for _, m := range rxb.Pkts() {
				require.Nil(t, probe, "a second frame besides the probe")
				probe = bytes.Clone(m.Data())
			}
			rxb.Free()
			require.True(t, time.Now().Before(deadline), "the probe never arrived")
		}
		if zeroCopy {
			// 1 << rsize (the default 10) empty mbufs of the client's pool
			// are in the server's hands, for it to copy frames into.
			assert.Equal(t, "1024", posted, "mbufs the zero-copy client lent the server")
			assert.Equal(t, "1", held, "the sent probe is still the client's mbuf, in the tx ring")
			assert.Equal(t, probeFrame('B'), probe, "the server read the probe where the client rewrote it: no copy on the client's side")
		} else {
			assert.Equal(t, "0", posted, "a copy-mode client lends no mbufs")
			assert.Equal(t, "0", held, "a copy-mode tx copies the probe into the shared region and frees it")
			assert.Equal(t, probeFrame('A'), probe, "the server read the copy made at tx time")
		}
	}

	const n = 1000
	frames := make([][]byte, n)
	sum, crc := 0, crc32.NewIEEE()
	peer := []byte{0x02, 0, 0xc6, 0x12, 0, 0x02}
	for i := range frames {
		frames[i] = seqFrame(t, in.MAC, peer, 'm', i, frameSize(i))
		sum += len(frames[i])
		crc.Write(frames[i])
	}
	require.NoError(t, p.ResetStats())

	txb := newBurst(t, 32)
	next, got := 0, 0
	deadline = time.Now().Add(20 * time.Second)
	for got < n {
		// At most 256 in flight: the rings hold 1024 (rsize=10).
		if k := min(txb.Room(), n-next, 256-(next-got)); k > 0 {
			require.NoError(t, txb.Alloc(pool, k))
			for _, m := range txb.Pkts()[txb.Len()-k:] {
				require.NoError(t, m.SetData(frames[next]))
				next++
			}
		}
		if txb.Len() > 0 {
			_, err := p.Tx(0, txb)
			require.NoError(t, err)
		}
		k, err := p.Rx(0, rxb)
		require.NoError(t, err)
		for _, m := range rxb.Pkts() {
			require.Less(t, got, n, "more packets came back than were sent")
			s, ok := seqOf(m.Data(), 'm')
			require.True(t, ok, "packet %d: not one of ours: % x", got, m.Data()[:min(m.DataLen(), 20)])
			require.Equal(t, got, s, "packet %d came back in place of packet %d: lost or reordered", s, got)
			require.Equal(t, 1, m.NumSegs())
			require.Equal(t, frames[got], bytes.Clone(m.Data()), "packet %d (%d bytes)", got, len(frames[got]))
			got++
		}
		rxb.Free()
		if k == 0 {
			require.False(t, c.exited(), "the child exited after %d of %d echoes: %v\n%s", got, n, c.err, c.stderr.String())
			require.True(t, time.Now().Before(deadline), "%d of %d packets echoed (%d sent) within 20s", got, n, next-txb.Len())
			time.Sleep(20 * time.Microsecond)
		}
	}
	require.Zero(t, txb.Len())

	// Nothing more comes back.
	extra, _ := quiet(t, p, rxb, 100*time.Millisecond, func(*mbuf.Mbuf) bool { return true })
	assert.Zero(t, extra, "echoes beyond the %d sent", n)

	// Counters first: memif counts per connected ring, and reports 0
	// once the client has gone.
	st, err := p.Stats()
	require.NoError(t, err)
	assert.Equal(t, uint64(n), st.TxPackets)
	assert.Equal(t, uint64(n), st.RxPackets)
	assert.Equal(t, uint64(sum), st.TxBytes)
	assert.Equal(t, uint64(sum), st.RxBytes)
	assert.Zero(t, st.TxErrors)

	require.NoError(t, c.finish(t, 15*time.Second), "the child fails if its pool is not full or it could not echo everything:\n%s", c.stderr.String())
	want := fmt.Sprintf("child: echoed %d packets, %d bytes, crc32 %08x", n, sum, crc.Sum32())
	assert.Contains(t, strings.Split(c.stdout.String(), "\n"), want, "the child's own account of what it received")

	// The server sees the client go.
	deadline = time.Now().Add(5 * time.Second)
	for {
		l, err := p.Link()
		require.NoError(t, err)
		if !l.Up {
			break
		}
		require.True(t, time.Now().Before(deadline), "%s link still up 5s after the client exited", driver)
		time.Sleep(time.Millisecond)
	}
}

// Only a net_memif port has a burst lock (its driver's cc_lock, see
// memif.h), and Rx and Tx take and release it: two bursts in a row on
// an unconnected memif server return nothing and do not deadlock. A
// closed port has none any more.
func TestBurstLockOnlyOnMemif(t *testing.T) {
	pool := newPool(t, 2047)
	null := attach(t, uniq("net_null")+",no-rx=1", pool)
	assert.Nil(t, null.BurstLock(), "net_null needs no lock")

	sock := filepath.Join(t.TempDir(), "m.sock")
	require.Less(t, len(sock), 108, "a unix socket path must fit sun_path; set TMPDIR shorter")
	p, err := attachNoCleanup(uniq("net_memif")+",role=server,id=0,socket="+sock+",socket-abstract=no", pool)
	require.NoError(t, err)
	require.NotNil(t, p.BurstLock(), "net_memif's bursts hold the driver's cc_lock")
	b := newBurst(t, 32)
	for i := 0; i < 2; i++ {
		n, err := p.Rx(0, b)
		require.NoError(t, err)
		assert.Zero(t, n, "no peer, no packets")
	}
	m := pool.Alloc()
	require.NotNil(t, m)
	require.True(t, b.Push(m))
	for i := 0; i < 2; i++ {
		sent, err := p.Tx(0, b)
		require.NoError(t, err)
		assert.Zero(t, sent, "no peer: nothing sent")
	}
	b.Free()
	require.NoError(t, p.Close())
	assert.Nil(t, p.BurstLock(), "the lock went with the device")
}

// A process that closed a net_memif server outlives its EAL cleanup.
// DPDK 22.11's driver never unregisters its listener socket from the EAL
// interrupt thread (memif_socket_remove_device frees the socket and
// leaves the callback and the listening descriptor), and that thread
// runs on after rte_eal_cleanup has unmapped the memory holding the
// listener's interrupt handle (with shared files; in memory nothing is
// unmapped): its next event (here a connection to the abstract socket,
// which still listens; in the port tests' own exit, the unregistering of
// EAL's alarm source) was a SIGSEGV on that thread, outside Go, with no
// trace, every time. eal.Cleanup holds the thread first
// (internal/intrpark).
func TestMemifServerExitAfterCleanup(t *testing.T) {
	name := fmt.Sprintf("zcnic-exit-%d-%s", os.Getpid(), uniq("s"))
	c := startChild(t, "memif-server-exit", 30*time.Second, childSocketEnv+"="+name)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not exit")
	}
	require.NoError(t, c.err, "the child's exit; stdout:\n%s\nstderr:\n%s", c.stdout.String(), c.stderr.String())
	assert.Contains(t, c.stdout.String(), "child: connected", "the child woke its interrupt thread after cleanup")
}
