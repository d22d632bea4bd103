package port_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// testEtherType marks the tests' own raw frames (IEEE 802 local
// experimental ethertype 1), so that kernel frames can be told apart.
const testEtherType = layers.EthernetType(0x88b5)

// seqFrame builds raw frame seq of a stream: Ethernet header with
// testEtherType, then the stream tag, the sequence number and a pattern
// that depends on both, size bytes in all (at least 60).
func seqFrame(t *testing.T, src, dst net.HardwareAddr, stream byte, seq, size int) []byte {
	t.Helper()
	body := make([]byte, size-14)
	body[0] = stream
	binary.BigEndian.PutUint32(body[1:], uint32(seq))
	for j := 5; j < len(body); j++ {
		body[j] = byte(seq*13 + j*7 + int(stream))
	}
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{},
		&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: testEtherType}, gopacket.Payload(body)))
	require.Len(t, buf.Bytes(), size)
	return bytes.Clone(buf.Bytes())
}

// seqOf decodes a test frame of the given stream; ok is false for any
// other frame (kernel noise).
func seqOf(data []byte, stream byte) (seq int, ok bool) {
	pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.NoCopy)
	eth, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if eth == nil || eth.EthernetType != testEtherType || len(eth.Payload) < 5 || eth.Payload[0] != stream {
		return 0, false
	}
	return int(binary.BigEndian.Uint32(eth.Payload[1:])), true
}

// frameSize is frame i's size: 60 to 1500 bytes, with both ends.
func frameSize(i int) int {
	switch i % 50 {
	case 0:
		return 60
	case 1:
		return 1500
	}
	return 60 + (i*7919)%1441
}

// newVeth creates a veth pair in this process's namespace, with IPv6
// off (no ND or MLD chatter) and both ends up, and deletes it at cleanup.
func newVeth(t *testing.T) (a, b string) {
	t.Helper()
	id := shortID()
	a, b = "zcva"+id, "zcvb"+id
	sh(t, "ip", "link", "add", a, "type", "veth", "peer", "name", b)
	t.Cleanup(func() {
		if out, err := execOut("ip", "link", "del", a); err != nil {
			t.Errorf("ip link del %s: %v: %s", a, err, out)
		}
	})
	for _, ifc := range []string{a, b} {
		if _, err := os.Stat("/proc/sys/net/ipv6/conf/" + ifc); err == nil {
			require.NoError(t, os.WriteFile("/proc/sys/net/ipv6/conf/"+ifc+"/disable_ipv6", []byte("1"), 0))
		}
	}
	for _, ifc := range []string{a, b} {
		sh(t, "ip", "link", "set", ifc, "up")
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, ifc := range []string{a, b} {
		for {
			st, err := os.ReadFile("/sys/class/net/" + ifc + "/operstate")
			require.NoError(t, err)
			if strings.TrimSpace(string(st)) == "up" {
				break
			}
			require.True(t, time.Now().Before(deadline), "%s is still %s after 5s", ifc, st)
			time.Sleep(10 * time.Millisecond)
		}
	}
	return a, b
}

// TestAFPacketVethByteExact sends frames of many sizes between two
// net_af_packet ports on the two ends of a veth pair, both ways: every
// frame arrives once, in order, byte for byte, and the counters agree.
func TestAFPacketVethByteExact(t *testing.T) {
	pool := newPool(t, 2047)
	va, vb := newVeth(t)
	// 22.11 takes iface, qpairs, blocksz, framesz, framecnt, qdisc_bypass.
	opts := ",qpairs=1,blocksz=4096,framesz=2048,framecnt=512,qdisc_bypass=0"
	pa := attach(t, uniq("net_af_packet")+",iface="+va+opts, pool)
	pb := attach(t, uniq("net_af_packet")+",iface="+vb+opts, pool)
	vethByteExact(t, pool, "net_af_packet", pa, pb, va, vb)
}

// vethByteExact checks two ports of driver on the ends va and vb of a
// veth pair: each reports its interface's MAC, and frames of 60 to 1500
// bytes cross both ways once, in order, byte for byte, with counters
// that agree. The pool's cleanup checks that every mbuf came back.
func vethByteExact(t *testing.T, pool *mbuf.Pool, driver string, pa, pb *port.Port, va, vb string) {
	macs := map[*port.Port]net.HardwareAddr{}
	for p, ifname := range map[*port.Port]string{pa: va, pb: vb} {
		in, err := p.Info()
		require.NoError(t, err)
		require.Equal(t, driver, in.Driver)
		ifc, err := net.InterfaceByName(ifname)
		require.NoError(t, err)
		assert.Equal(t, ifc.HardwareAddr, in.MAC, "%s reports the MAC of %s", p, ifname)
		macs[p] = in.MAC
	}

	const n = 200
	rxb := newBurst(t, 32)
	txb := newBurst(t, 32)
	run := func(t *testing.T, from, to *port.Port, stream byte) {
		// Drop whatever the kernel or an earlier run left, then count.
		quiet(t, to, rxb, 20*time.Millisecond, func(*mbuf.Mbuf) bool { return false })
		require.NoError(t, from.ResetStats())
		require.NoError(t, to.ResetStats())
		frames := make([][]byte, n)
		sentBytes := 0
		for i := range frames {
			frames[i] = seqFrame(t, macs[from], macs[to], stream, i, frameSize(i))
			sentBytes += len(frames[i])
		}

		next, got, polled, rxBytes := 0, 0, 0, 0
		var noise []string
		deadline := time.Now().Add(10 * time.Second)
		for got < n {
			// Keep at most 64 frames in flight: the receive ring holds 512.
			if k := min(txb.Room(), n-next, 64-(next-got)); k > 0 {
				require.NoError(t, txb.Alloc(pool, k))
				for _, m := range txb.Pkts()[txb.Len()-k:] {
					require.NoError(t, m.SetData(frames[next]))
					next++
				}
			}
			if txb.Len() > 0 {
				_, err := from.Tx(0, txb)
				require.NoError(t, err)
			}
			k, err := to.Rx(0, rxb)
			require.NoError(t, err)
			polled += k
			for _, m := range rxb.Pkts() {
				rxBytes += m.PktLen()
				s, ok := seqOf(m.Data(), stream)
				if !ok {
					noise = append(noise, fmt.Sprintf("%d bytes % x", m.DataLen(), m.Data()[:min(m.DataLen(), 20)]))
					continue
				}
				require.Equal(t, got, s, "frame %d arrived in place of frame %d: lost or reordered", s, got)
				require.Equal(t, 1, m.NumSegs())
				require.Equal(t, frames[got], bytes.Clone(m.Data()), "frame %d (%d bytes)", got, len(frames[got]))
				got++
			}
			rxb.Free()
			if k == 0 {
				require.True(t, time.Now().Before(deadline), "%s -> %s: %d of %d frames received (%d sent) within 10s", from, to, got, n, next-txb.Len())
				time.Sleep(50 * time.Microsecond)
			}
		}
		require.Zero(t, txb.Len())
		extra, more := quiet(t, to, rxb, 200*time.Millisecond, func(m *mbuf.Mbuf) bool {
			rxBytes += m.PktLen()
			_, ok := seqOf(m.Data(), stream)
			return ok
		})
		assert.Zero(t, extra, "frames beyond the %d sent", n)
		polled += more
		if len(noise) > 0 {
			t.Logf("%d kernel frames besides ours: %q", len(noise), noise)
		}

		fs, err := from.Stats()
		require.NoError(t, err)
		ts, err := to.Stats()
		require.NoError(t, err)
		assert.Equal(t, uint64(n), fs.TxPackets, "sender's tx counter")
		assert.Equal(t, uint64(sentBytes), fs.TxBytes, "sender's tx byte counter")
		assert.Zero(t, fs.TxErrors)
		assert.Equal(t, uint64(polled), ts.RxPackets, "receiver's rx counter counts every frame polled")
		assert.Equal(t, uint64(rxBytes), ts.RxBytes, "receiver's rx byte counter")
	}
	t.Run("AtoB", func(t *testing.T) { run(t, pa, pb, 'a') })
	t.Run("BtoA", func(t *testing.T) { run(t, pb, pa, 'b') })
}
