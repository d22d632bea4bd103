package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zcnic/zcnic/port/netnstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	require.NoError(t, err, "ip %s: %s", strings.Join(args, " "), out)
}

// Two namespaces joined by `zcnic fwd` (io) over two net_tap ports: the
// kernel stacks in them ping each other and move a TCP stream through
// zcnic, byte-exact.
func TestFwdJoinsTwoNamespaces(t *testing.T) {
	if _, err := exec.LookPath("ping"); err != nil {
		t.Skip("needs ping (iputils-ping; ci/setup.sh installs it)")
	}
	id := os.Getpid() % 100000
	nsA, nsB := fmt.Sprintf("zcnic-fa-%d", id), fmt.Sprintf("zcnic-fb-%d", id)
	tapA, tapB := fmt.Sprintf("zcfa%d", id), fmt.Sprintf("zcfb%d", id)
	ipA, ipB := net.IPv4(198, 18, 1, 1), net.IPv4(198, 18, 1, 2)
	for _, ns := range []string{nsA, nsB} {
		ipCmd(t, "netns", "add", ns)
		ns := ns
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr netnstest.Buffer
	cmd := exec.CommandContext(ctx, zcnicBin, "fwd", "--mode", "io", "--json", "--stats-interval", "200ms",
		"--vdev", "net_tap0,iface="+tapA, "--vdev", "net_tap1,iface="+tapB)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	// The ports are started once the first stats line is out; only then
	// may the taps leave this namespace (the PMD opens them by name).
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(stderr.String(), "Mpps") {
		require.True(t, time.Now().Before(deadline), "zcnic fwd did not start: %s", stderr.String())
		time.Sleep(20 * time.Millisecond)
	}
	for _, x := range []struct {
		ns, tap string
		ip      net.IP
	}{{nsA, tapA, ipA}, {nsB, tapB, ipB}} {
		ipCmd(t, "link", "set", x.tap, "netns", x.ns)
		ipCmd(t, "-n", x.ns, "addr", "add", x.ip.String()+"/24", "dev", x.tap)
		ipCmd(t, "-n", x.ns, "link", "set", x.tap, "up")
		ipCmd(t, "-n", x.ns, "link", "set", "lo", "up")
	}

	out, err := exec.Command("ip", "netns", "exec", nsA, "ping", "-c", "3", "-i", "0.2", "-W", "2", ipB.String()).CombinedOutput()
	require.NoError(t, err, "ping %s from %s through zcnic: %s\nzcnic: %s", ipB, nsA, out, stderr.String())
	assert.Contains(t, string(out), "3 received")

	// TCP: 8 MiB of random bytes from A to B, checked by SHA-256.
	data := make([]byte, 8<<20)
	_, err = rand.Read(data)
	require.NoError(t, err)
	var ln net.Listener
	require.NoError(t, netnstest.In(nsB, func() (err error) {
		ln, err = net.Listen("tcp4", ipB.String()+":5201")
		return err
	}))
	defer ln.Close()
	got := make(chan [32]byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- [32]byte{}
			return
		}
		defer c.Close()
		h := sha256.New()
		io.Copy(h, c)
		var sum [32]byte
		copy(sum[:], h.Sum(nil))
		got <- sum
	}()
	var conn net.Conn
	require.NoError(t, netnstest.In(nsA, func() (err error) {
		conn, err = net.DialTimeout("tcp4", ipB.String()+":5201", 5*time.Second)
		return err
	}))
	start := time.Now()
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	_, err = conn.Write(data)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	var sum [32]byte
	select {
	case sum = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("the TCP receiver in the other namespace got no end of stream")
	}
	took := time.Since(start)
	assert.Equal(t, sha256.Sum256(data), sum, "the stream arrived byte-exact")
	t.Logf("TCP through zcnic fwd: %d MiB in %v = %.2f Gbit/s", len(data)>>20, took.Round(time.Millisecond), float64(len(data))*8/took.Seconds()/1e9)

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait(), "zcnic exits 0: %s", stderr.String())
	s := runJSON(t, result{stdout: stdout.String(), stderr: stderr.String()})
	checkSums(t, s)
	assert.Greater(t, s.Ports[0].RxPackets, uint64(len(data)/1500/2), "the stream crossed zcnic")
}
