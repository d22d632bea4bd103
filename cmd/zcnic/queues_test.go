package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/zcnic/zcnic/pkt/testpkts"
	"github.com/zcnic/zcnic/port/netnstest"
)

// flowFrame is a UDP/IPv4 frame of flow f (its UDP source port is
// 1000+f) carrying seq in its payload; dstPort is the UDP destination.
func flowFrame(t *testing.T, dst, src net.HardwareAddr, f int, seq uint32, dstPort uint16) []byte {
	t.Helper()
	payload := make([]byte, 18)
	binary.BigEndian.PutUint32(payload, seq)
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IPv4(198, 18, 0, byte(1+f%200)), DstIP: net.IPv4(198, 19, 0, 1)}
	udp := &layers.UDP{SrcPort: layers.UDPPort(1000 + f), DstPort: layers.UDPPort(dstPort)}
	require.NoError(t, udp.SetNetworkLayerForChecksum(ip))
	b, err := testpkts.Serialize(&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4},
		ip, udp, gopacket.Payload(payload))
	require.NoError(t, err)
	return b
}

// flowOf reads back a flowFrame's flow, sequence number and UDP
// destination; ok is false for any other frame.
func flowOf(b []byte) (flow int, seq uint32, dstPort uint16, ok bool) {
	p := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default)
	u, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if u == nil || len(u.Payload) < 4 || u.SrcPort < 1000 {
		return 0, 0, 0, false
	}
	return int(u.SrcPort) - 1000, binary.BigEndian.Uint32(u.Payload), uint16(u.DstPort), true
}

// checkQueueSums checks a multi-queue summary: the loops' packets per
// port add up to the port's totals, and where each (port, queue) has
// one poller that polls nothing else of the port, the driver's packets
// on that queue are the poller's.
func checkQueueSums(t *testing.T, s summary) {
	t.Helper()
	checkSums(t, s)
	for i, p := range s.Ports {
		var rx, tx uint64
		for _, l := range s.Lcores {
			require.Len(t, l.Ports, len(s.Ports), "lcore %d counts every port", l.Lcore)
			rx += l.Ports[i].RxPackets
			tx += l.Ports[i].TxPackets
		}
		assert.Equal(t, p.RxPackets, rx, "port %d: the loops' rx add up to the port's", i)
		assert.Equal(t, p.TxPackets, tx, "port %d: the loops' tx add up to the port's", i)
		var drx, dtx uint64
		for _, n := range p.RxQueuePkts {
			drx += n
		}
		for _, n := range p.TxQueuePkts {
			dtx += n
		}
		if drx > 0 || dtx > 0 { // a driver that keeps per-queue counts
			assert.Equal(t, p.Dev.RxPackets, drx, "port %d: the device's rx queues add up to its total", i)
			assert.Equal(t, p.Dev.TxPackets, dtx, "port %d: the device's tx queues add up to its total", i)
		}
	}
	txqs := map[int]bool{}
	for _, l := range s.Lcores {
		if l.TxQueue >= 0 {
			assert.False(t, txqs[l.TxQueue], "tx queue %d has one loop", l.TxQueue)
			txqs[l.TxQueue] = true
		}
	}
}

// `fwd --rxq 2 --txq 2` on two worker lcores: each loop polls its own
// queue of both ports and sends on its own tx queue; net_null takes
// RSS, and the summary names what it took; loops' and queues' counters
// add up to the ports'.
func TestFwdTwoQueuesTwoLoops(t *testing.T) {
	r := zcnic(t, 30*time.Second, "fwd", "--mode", "io", "--lcores", "0@0,1@1,2@0", "--rxq", "2", "--txq", "2",
		"--duration", "1s", "--stats-interval", "0", "--json", "--vdev", "net_null0", "--vdev", "net_null1")
	s := runJSON(t, r)
	checkQueueSums(t, s)
	require.Len(t, s.Lcores, 2)
	for i, l := range s.Lcores {
		assert.Equal(t, uint(i+1), l.Lcore)
		assert.Equal(t, []queueRef{{Port: 0, Queue: i}, {Port: 1, Queue: i}}, l.RxQueues, "lcore %d polls queue %d of every port", l.Lcore, i)
		assert.Equal(t, i, l.TxQueue)
		for p := range s.Ports {
			assert.Greater(t, l.Ports[p].RxPackets, uint64(0), "lcore %d received on port %d", l.Lcore, p)
			assert.Equal(t, s.Ports[p].RxQueuePkts[i], l.Ports[p].RxPackets, "port %d queue %d: the device's count is its poller's", p, i)
			assert.Equal(t, s.Ports[p].TxQueuePkts[i], l.Ports[1-p].RxPackets, "port %d tx queue %d carries what lcore %d got from the peer", p, i, l.Lcore)
		}
	}
	for _, p := range s.Ports {
		assert.Equal(t, 2, p.RxQueues)
		assert.Equal(t, 2, p.TxQueues)
		assert.Equal(t, "ip,udp,tcp", p.RSS, "net_null took the hash functions asked")
	}

	txt := zcnic(t, 30*time.Second, "fwd", "--lcores", "0@0,1@1,2@0", "--rxq", "2", "--duration", "500ms", "--stats-interval", "0",
		"--vdev", "net_null0", "--vdev", "net_null1")
	require.Equal(t, 0, txt.code, txt.stderr)
	assert.Contains(t, txt.stdout, "port 0 queues: 2 rx (RSS: ip,udp,tcp), 2 tx; device packets per queue: rx ")
	assert.Contains(t, txt.stdout, "lcore 2: polls port 0 queue 1, port 1 queue 1; sends on tx queue 1 of every port; port 0 rx ")
}

func TestFwdQueueFlagsRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		msg  string
	}{
		{"rxq 0", []string{"--rxq", "0"}, "--rxq 0: must be 1 to 1024"},
		{"txq not the loops", []string{"--lcores", "0@0,1@1,2@0", "--rxq", "2", "--txq", "3"}, "--txq 3: each of the 2 forwarding lcores sends on a tx queue of its own"},
		{"more cores than lcores", []string{"--lcores", "0,1", "--nb-cores", "2"}, "--nb-cores 2: --lcores leaves 1 lcore(s) to forward on"},
		{"more cores than queues", []string{"--lcores", "0@0,1@1,2@0,3@1", "--nb-cores", "3"}, "--nb-cores 3: there are 2 rx queues to poll"},
		{"lcore on no CPU", []string{"--lcores", "0@0,1@99"}, "--lcores: lcore 1 on CPU 99"},
		{"bad lcore map", []string{"--lcores", "0-1@0"}, `"0-1@0" is not an lcore on a CPU like 2@0`},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"fwd", "--duration", "200ms", "--vdev", "net_null0", "--vdev", "net_null1"}, c.args...)
			r := zcnic(t, 20*time.Second, args...)
			assert.Equal(t, 2, r.code, "a bad command line exits 2; stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, c.msg)
		})
	}
}

// Four lcores on two CPUs (three loops, two of them sharing a CPU with
// another lcore) forward three net_pcap queues byte-exact: each loop
// polls one rx queue and writes its own tx queue's file, which must be
// its input file, record for record. With a software flow rule, every
// loop classifies its own queue: the rule drops its flow on all three.
func TestFwdFourLcoresOnTwoCPUsByteExact(t *testing.T) {
	dir := t.TempDir()
	const perQueue = 400
	var in [3][][]byte
	dropped := 0
	dev := "net_pcap0"
	for q := range in {
		for i := range perQueue {
			dport := uint16(9)
			if i%10 == q { // some of every queue's frames go to port 53
				dport = 53
				dropped++
			}
			in[q] = append(in[q], flowFrame(t, testpkts.MAC2, testpkts.MAC1, q*16+i%16, uint32(i), dport))
		}
		path := filepath.Join(dir, fmt.Sprintf("in%d.pcap", q))
		require.NoError(t, testpkts.WritePcap(path, in[q]))
		dev += ",rx_pcap=" + path
	}
	for _, withRule := range []bool{false, true} {
		name := "io" // a subtest's name is in its TempDir, which goes into devargs: no '='
		if withRule {
			name = "drop-rule"
		}
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			d := dev
			for q := range in {
				d += ",tx_pcap=" + filepath.Join(out, fmt.Sprintf("out%d.pcap", q))
			}
			args := []string{"fwd", "--mode", "io", "--lcores", "0@0,1@1,2@0,3@1", "--rxq", "3", "--txq", "3",
				"--idle", "5s", "--json", "--stats-interval", "0", "--vdev", d}
			if withRule {
				args = append(args, "--rule", "pattern eth / ipv4 / udp dst is 53 / end actions drop / end")
			}
			s := runJSON(t, zcnic(t, 60*time.Second, args...))
			checkQueueSums(t, s)
			require.Len(t, s.Lcores, 3)
			for q, l := range s.Lcores {
				assert.Equal(t, []queueRef{{Port: 0, Queue: q}}, l.RxQueues)
				assert.Equal(t, uint64(perQueue), l.Ports[0].RxPackets, "lcore %d received its queue's file", l.Lcore)
				got, err := testpkts.ReadPcap(filepath.Join(out, fmt.Sprintf("out%d.pcap", q)))
				require.NoError(t, err)
				want := in[q]
				if withRule {
					want = nil
					for _, b := range in[q] {
						if _, _, dport, _ := flowOf(b); dport != 53 {
							want = append(want, b)
						}
					}
				}
				assert.Equal(t, want, got, "queue %d: out%d.pcap is in%d.pcap, byte for byte, in order", q, q, q)
			}
			if withRule {
				require.Len(t, s.Rules, 1)
				assert.Equal(t, uint64(dropped), s.Rules[0].Hits, "the rule hit on every queue")
				assert.Equal(t, uint64(dropped), s.Drops["rule"])
			}
		})
	}
}

// net_af_packet with qpairs=2 on a veth: the kernel spreads flows over
// the two sockets (PACKET_FANOUT_HASH), `fwd --rxq 2` gives each socket
// its own loop, and each loop writes its own tx queue's pcap file. Every
// flow must be in one file only, in order, and nothing lost. The rate
// (about 30,000 frames/s) stays far below what fills a socket's ring:
// past that, DPDK 22.11's fanout flags (ROLLOVER) move packets to the
// other socket and per-flow order across queues is no longer kept.
func TestFwdAFPacketQueuesKeepFlows(t *testing.T) {
	a, b := vethPair(t, "q")
	out := t.TempDir()
	o0, o1 := filepath.Join(out, "q0.pcap"), filepath.Join(out, "q1.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout netnstest.Buffer
	cmd := exec.CommandContext(ctx, zcnicBin, "fwd", "--mode", "io", "--lcores", "0@0,1@1,2@0", "--rxq", "2", "--txq", "2",
		"--idle", "2s", "--json", "--stats-interval", "200ms", "--peers", "1,0",
		"--vdev", "net_af_packet0,iface="+b+",qpairs=2", "--vdev", "net_pcap0,tx_pcap="+o0+",tx_pcap="+o1)
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	// The ports run once the first stats line is out.
	lines := bufio.NewScanner(stderr)
	var log strings.Builder
	for lines.Scan() {
		log.WriteString(lines.Text() + "\n")
		if strings.Contains(lines.Text(), "p0 rx/tx") {
			break
		}
	}
	go func() {
		for lines.Scan() {
		}
	}()

	const flows, perFlow = 64, 50
	nicA, err := net.InterfaceByName(a)
	require.NoError(t, err)
	nicB, err := net.InterfaceByName(b)
	require.NoError(t, err)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
	require.NoError(t, err)
	defer unix.Close(fd)
	require.NoError(t, unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: nicA.Index}))
	for i := range perFlow {
		for f := range flows {
			_, err := unix.Write(fd, flowFrame(t, nicB.HardwareAddr, nicA.HardwareAddr, f, uint32(i), 9))
			require.NoError(t, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	require.NoError(t, cmd.Wait(), "stderr: %s", log.String())
	s := runJSON(t, result{stdout: stdout.String()})
	checkQueueSums(t, s)
	assert.Equal(t, "none", s.Ports[0].RSS, "net_af_packet has no RSS: the kernel's fanout spreads flows")

	where := map[int]int{} // flow -> file
	next := map[int]uint32{}
	perFile := [2]int{}
	for q, path := range []string{o0, o1} {
		frames, err := testpkts.ReadPcap(path)
		require.NoError(t, err)
		for _, fr := range frames {
			f, seq, _, ok := flowOf(fr)
			if !ok {
				continue // not ours (the kernel's own frames)
			}
			if w, seen := where[f]; seen {
				require.Equal(t, w, q, "flow %d is on queue %d and queue %d", f, w, q)
			}
			where[f] = q
			require.Equal(t, next[f], seq, "flow %d out of order on queue %d", f, q)
			next[f] = seq + 1
			perFile[q]++
		}
	}
	for f := range flows {
		assert.Equal(t, uint32(perFlow), next[f], "flow %d: every frame arrived", f)
	}
	assert.Greater(t, perFile[0], 0, "queue 0 got flows")
	assert.Greater(t, perFile[1], 0, "queue 1 got flows")
	for q, l := range s.Lcores {
		assert.Equal(t, []queueRef{{Port: 0, Queue: q}, {Port: 1, Queue: q}}, l.RxQueues)
		assert.GreaterOrEqual(t, l.Ports[0].RxPackets, uint64(perFile[q]), "lcore %d forwarded queue %d's flows", l.Lcore, q)
	}
	t.Logf("flows per queue file: %d / %d frames", perFile[0], perFile[1])
}

// --pipeline with --rxq 2 and two workers: the main lcore polls both
// queues of both ports, spreads flows over the workers' rings, each
// worker sends on its own tx queue; every packet comes out, once.
func TestFwdPipelineQueuesTwoWorkers(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	dir := t.TempDir()
	inPath, out0, out1 := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "o0.pcap"), filepath.Join(dir, "o1.pcap")
	require.NoError(t, testpkts.WritePcap(inPath, in))
	s := runJSON(t, zcnic(t, 30*time.Second, "fwd", "--pipeline", "--mode", "io", "--lcores", "0@0,1@1,2@0", "--rxq", "2",
		"--idle", "5s", "--json", "--stats-interval", "0",
		"--vdev", "net_pcap0,rx_pcap="+inPath+",rx_pcap="+inPath, "--vdev", "net_pcap1,tx_pcap="+out0+",tx_pcap="+out1))
	checkQueueSums(t, s)
	require.Len(t, s.Lcores, 3)
	assert.Equal(t, []queueRef{{0, 0}, {0, 1}, {1, 0}, {1, 1}}, s.Lcores[0].RxQueues, "the main lcore polls every queue")
	assert.Equal(t, -1, s.Lcores[0].TxQueue)
	assert.Equal(t, uint64(2*len(in)), s.Lcores[0].RingOut)
	var got [][]byte
	for q, path := range []string{out0, out1} {
		frames, err := testpkts.ReadPcap(path)
		require.NoError(t, err)
		assert.Equal(t, q, s.Lcores[q+1].TxQueue)
		assert.Equal(t, uint64(len(frames)), s.Lcores[q+1].RingIn, "worker %d wrote what its ring gave it", q+1)
		assert.NotEmpty(t, frames, "the flows were spread over both workers")
		got = append(got, frames...)
	}
	assert.ElementsMatch(t, append(append([][]byte(nil), in...), in...), got, "every packet of both queues, once")
}

// `zcnic fwd --rxq 2 --txq 2` with no --lcores runs its two loops
// anywhere: where the process has fewer worker CPUs than loops (a 2-CPU
// machine or container), lcores share them, with a warning that says so
// and how to choose.
func TestFwdQueuesDefaultLcores(t *testing.T) {
	r := zcnic(t, 30*time.Second, "fwd", "--rxq", "2", "--txq", "2", "--duration", "1s", "--stats-interval", "0", "--json",
		"--vdev", "net_null0", "--vdev", "net_null1")
	s := runJSON(t, r)
	checkQueueSums(t, s)
	require.Len(t, s.Lcores, 2, "two loops")
	for i, l := range s.Lcores {
		assert.Equal(t, []queueRef{{Port: 0, Queue: i}, {Port: 1, Queue: i}}, l.RxQueues)
		assert.Greater(t, l.Ports[0].RxPackets, uint64(0), "lcore %d forwarded", l.Lcore)
	}
	var set unix.CPUSet
	require.NoError(t, unix.SchedGetaffinity(0, &set))
	if set.Count() < 3 {
		assert.Contains(t, r.stderr, "zcnic: WARNING: 2 forwarding lcores on", "the shared CPUs are said")
	} else {
		assert.NotContains(t, r.stderr, "WARNING: 2 forwarding lcores")
	}
}
