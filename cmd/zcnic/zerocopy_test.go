package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestMemifZeroCopyNeedsNoEALFlag: a zero-copy memif device
// (zero-copy=yes) is probed without the user passing any EAL option:
// zcnic turns on --single-file-segments for it, without which net_memif
// refuses to probe ("Zero-copy doesn't support multi-file segments").
// Copy mode needs nothing. Traffic between two processes over both modes
// is tested in port (TestMemifZeroCopyTwoProcesses).
func TestMemifZeroCopyNeedsNoEALFlag(t *testing.T) {
	for _, m := range []struct{ name, zc string }{{"ZeroCopy", "yes"}, {"Copy", "no"}} {
		t.Run(m.name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "m.sock")
			r := zcnic(t, 20*time.Second, "ports", "--json",
				"--vdev", "net_memif0,role=client,zero-copy="+m.zc+",socket="+sock+",socket-abstract=no")
			require.Equal(t, 0, r.code, r.stderr)
			var ps []portInfo
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &ps))
			require.Len(t, ps, 1)
			assert.Equal(t, "net_memif", ps[0].Driver)
		})
	}
}

// vethPair creates a veth pair with one queue each way (a frame a
// multi-queue veth delivers on another rx queue than the AF_XDP
// socket's is not seen by it), IPv6 off, both ends up; deleted at
// cleanup.
func vethPair(t *testing.T, tag string) (a, b string) {
	t.Helper()
	a, b = fmt.Sprintf("zc%sa%d", tag, os.Getpid()%10000), fmt.Sprintf("zc%sb%d", tag, os.Getpid()%10000)
	out, err := exec.Command("ip", "link", "add", a, "numtxqueues", "1", "numrxqueues", "1", "type", "veth",
		"peer", "name", b, "numtxqueues", "1", "numrxqueues", "1").CombinedOutput()
	require.NoError(t, err, "ip link add: %s", out)
	t.Cleanup(func() { exec.Command("ip", "link", "del", a).Run() })
	for _, ifc := range []string{a, b} {
		os.WriteFile("/proc/sys/net/ipv6/conf/"+ifc+"/disable_ipv6", []byte("1"), 0)
		require.NoError(t, exec.Command("ip", "link", "set", ifc, "up").Run())
	}
	return a, b
}

// inject writes frames out of ifc through a raw packet socket, every
// 100ms until stop is closed: each one enters the forwarding loop at the
// far end of the veth pair and goes round it from then on.
func inject(t *testing.T, ifc string, stop <-chan struct{}) {
	t.Helper()
	nic, err := net.InterfaceByName(ifc)
	require.NoError(t, err)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
	require.NoError(t, err)
	require.NoError(t, unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: nic.Index}))
	frame := make([]byte, 64)
	copy(frame, []byte{0x02, 0, 0, 0, 0, 0x01}) // dst
	copy(frame[6:], nic.HardwareAddr)           // src
	frame[12], frame[13] = 0x88, 0xb5           // IEEE local experimental
	go func() {
		defer unix.Close(fd)
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				unix.Write(fd, frame)
			}
		}
	}()
}

// TestAFXDPFwd forwards between net_af_xdp and net_af_packet on the two
// ends of a veth pair, with frames injected into the kernel at both ends
// so that both ports receive. Every mbuf is back in the pool at the end:
// net_af_xdp's close used to keep what its UMEM rings held (2,048 and
// more).
func TestAFXDPFwd(t *testing.T) {
	a, b := vethPair(t, "x")
	stop := make(chan struct{})
	inject(t, a, stop)
	inject(t, b, stop)
	r := zcnic(t, 30*time.Second, "fwd", "--mode", "io", "--duration", "2s", "--stats-interval", "0", "--json",
		"--vdev", "net_af_xdp0,iface="+a, "--vdev", "net_af_packet0,iface="+b)
	close(stop)
	if strings.Contains(r.stderr, "running EAL with --no-huge") || strings.Contains(r.stderr, "FALLING BACK TO --no-huge") {
		// In 4 KiB pages the kernel would drop frames whose buffer
		// crosses a page: refused, with the reason.
		assert.Equal(t, 1, r.code, r.stderr)
		assert.Contains(t, r.stderr, "net_af_xdp needs EAL on hugepages")
		return
	}
	s := runJSON(t, r)
	checkSums(t, s)
	require.Len(t, s.Ports, 2)
	assert.Equal(t, "net_af_xdp0", s.Ports[0].Device)
	assert.Greater(t, s.Ports[0].RxPackets, uint64(100), "net_af_xdp received")
	assert.Greater(t, s.Ports[1].RxPackets, uint64(100), "net_af_packet received")
	assert.Zero(t, s.Leaked, "the pool is full after close")
}

// TestAFXDPSecondPortRefused: zcnic gives every port one mempool, and
// net_af_xdp makes it the UMEM of one socket only, so a second
// net_af_xdp port is refused before EAL starts, with the reason, instead
// of failing its queue set-up.
func TestAFXDPSecondPortRefused(t *testing.T) {
	r := zcnic(t, 20*time.Second, "fwd", "--duration", "1s", "--vdev", "net_af_xdp0,iface=zcnone0", "--vdev", "net_af_xdp1,iface=zcnone1")
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "a second net_af_xdp port")
	assert.NotContains(t, r.stderr, "EAL", "refused before EAL starts")
}
