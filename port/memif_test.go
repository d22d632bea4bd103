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
func TestMemifTwoProcesses(t *testing.T) {
	pool := newPool(t, 2047)
	sock := filepath.Join(t.TempDir(), "memif.sock")
	require.Less(t, len(sock), 108, "a unix socket path must fit sun_path; set TMPDIR shorter")
	// 22.11 takes id, role, bsize, rsize, socket, socket-abstract, mac,
	// zero-copy and secret. socket-abstract=no makes socket a file path
	// (22.11 defaults to the abstract namespace).
	p := attach(t, uniq("net_memif")+",role=server,id=0,socket="+sock+",socket-abstract=no", pool)
	fi, err := os.Stat(sock)
	require.NoError(t, err, "the server listens once attached")
	require.Equal(t, os.ModeSocket, fi.Mode().Type())
	in, err := p.Info()
	require.NoError(t, err)
	require.Equal(t, "net_memif", in.Driver)
	l, err := p.Link()
	require.NoError(t, err)
	require.False(t, l.Up, "no link before the client connects")

	prefix := fmt.Sprintf("zcnic-port-child-%d-%d", os.Getpid(), seq.Add(1))
	t.Cleanup(func() { os.RemoveAll("/var/run/dpdk/" + prefix) }) // if it was killed
	c := startChild(t, "memif-client", 60*time.Second,
		childSocketEnv+"="+sock, childPrefixEnv+"="+prefix, childTimeoutEnv+"=45s")

	deadline := time.Now().Add(20 * time.Second) // a child EAL on --no-huge starts slowly
	for {
		l, err := p.Link()
		require.NoError(t, err)
		if l.Up {
			break
		}
		require.False(t, c.exited(), "the child exited before the link came up: %v\n%s", c.err, c.stderr.String())
		require.True(t, time.Now().Before(deadline), "memif link still down after 20s; child said:\n%s%s", c.stdout.String(), c.stderr.String())
		time.Sleep(time.Millisecond)
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

	txb, rxb := newBurst(t, 32), newBurst(t, 32)
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
		require.True(t, time.Now().Before(deadline), "memif link still up 5s after the client exited")
		time.Sleep(time.Millisecond)
	}
}
