package flow

import (
	"net"
	"testing"
	"unsafe"

	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

// The key's layers byte and where its fields sit (acl.c's struct zf_key).
const (
	fEth, fVLAN, fIPv4, fIPv6, fUDP, fTCP, fICMP = 1, 2, 4, 8, 16, 32, 64
	kFlags, kProto, kSport, kDport, kSrc4        = 0, 4, 12, 14, 16
)

// A packet cut short at any byte has, in its key, only the layers whole
// before the cut, and no field read past its data: the bytes after the
// cut, still in the mbuf (a whole VLAN, IPv4 and UDP header), are not
// seen.
func TestKeyReadsNothingPastData(t *testing.T) {
	pool := ealtest.Pool(t, 15, 0)
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeDot1Q}
	vlan := &layers.Dot1Q{VLANIdentifier: 7, Type: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}
	udp := &layers.UDP{SrcPort: 1234, DstPort: 53}
	require.NoError(t, udp.SetNetworkLayerForChecksum(ip))
	frame, err := testpkts.Serialize(eth, vlan, ip, udp)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(frame), 46)
	frame = frame[:14+4+20+8] // no Ethernet padding
	for cut := 0; cut <= len(frame); cut++ {
		m := pool.Alloc()
		require.NotNil(t, m)
		require.NoError(t, m.SetData(frame))
		require.NoError(t, m.Trim(len(frame)-cut))
		k := keyOf(unsafe.Pointer(m))
		m.Free()
		want := byte(0)
		if cut >= 14 {
			want |= fEth
		}
		if cut >= 18 {
			want |= fVLAN
		}
		if cut >= 38 {
			want |= fIPv4
		}
		if cut >= 46 {
			want |= fUDP
		}
		assert.Equal(t, want, k[kFlags], "cut at %d: layers", cut)
		if want&fUDP == 0 {
			assert.Equal(t, []byte{0, 0, 0, 0}, k[kSport:kSport+4], "cut at %d: no ports", cut)
		} else {
			assert.Equal(t, []byte{0x04, 0xd2, 0, 53}, k[kSport:kSport+4], "ports, network order")
		}
		if want&fIPv4 == 0 {
			assert.Equal(t, []byte{0, 0, 0, 0}, k[kSrc4:kSrc4+4], "cut at %d: no address", cut)
			assert.Zero(t, k[kProto])
		} else {
			assert.Equal(t, []byte{10, 0, 0, 1}, k[kSrc4:kSrc4+4])
			assert.Equal(t, byte(17), k[kProto])
		}
	}
}
