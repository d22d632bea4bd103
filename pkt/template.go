package pkt

import (
	"encoding/binary"
	"errors"
	"io"
)

// Template describes the UDP over IPv4 frames of a traffic generator. Set
// the fields, call Prepare once, then call Build for each frame: Build
// copies the prepared frame, writes the source port and patches the UDP
// checksum from a precomputed partial sum, so it costs one copy and a few
// stores. The IPv4 header, and so its checksum, is the same in every frame.
//
// Fields changed after Prepare take effect only at the next Prepare. Build
// on a prepared Template may be called from several goroutines at once.
type Template struct {
	DstMAC, SrcMAC [6]byte
	SrcIP, DstIP   [4]byte
	// DstPort is the UDP destination port; the source port is given to Build.
	DstPort uint16
	// TTL is the IPv4 time to live; 0 means 64.
	TTL uint8
	// TOS is the IPv4 type-of-service byte.
	TOS uint8
	// FrameSize is the length of each frame without the Ethernet FCS, from
	// 42 (no UDP payload) to 65549; 0 means 60, the minimum Ethernet frame.
	FrameSize int
	// Payload is repeated to fill the UDP payload; if empty, the payload is
	// zero bytes.
	Payload []byte

	frame  []byte // the frame with source port and UDP checksum 0
	udpSum uint64 // sum of the UDP message and pseudo-header, port excluded
}

// Template layout offsets.
const (
	tmplIPv4 = EthernetLen
	tmplUDP  = EthernetLen + IPv4MinLen
	tmplHdrs = tmplUDP + UDPLen
	tmplMax  = EthernetLen + 0xffff
	tmplDflt = 60
	tmplTTL  = 64
)

// ErrFrameSize is returned by Template.Prepare and Template.Build for a
// FrameSize out of range.
var ErrFrameSize = errors.New("pkt: template frame size out of range")

// Prepare checks the template and builds the frame that Build copies. It
// returns ErrFrameSize if FrameSize is out of range.
func (t *Template) Prepare() error {
	n := t.FrameSize
	if n == 0 {
		n = tmplDflt
	}
	if n < tmplHdrs || n > tmplMax {
		return ErrFrameSize
	}
	f := make([]byte, n)
	copy(f[0:6], t.DstMAC[:])
	copy(f[6:12], t.SrcMAC[:])
	binary.BigEndian.PutUint16(f[12:14], EtherTypeIPv4)

	ip := f[tmplIPv4:tmplUDP]
	ip[0] = 0x45
	ip[1] = t.TOS
	binary.BigEndian.PutUint16(ip[2:4], uint16(n-EthernetLen))
	ip[ipv4TTLOff] = t.TTL
	if t.TTL == 0 {
		ip[ipv4TTLOff] = tmplTTL
	}
	ip[9] = ProtoUDP
	copy(ip[12:16], t.SrcIP[:])
	copy(ip[16:20], t.DstIP[:])
	binary.BigEndian.PutUint16(ip[ipv4CsumOff:], IPv4HeaderChecksum(ip))

	udp := f[tmplUDP:]
	binary.BigEndian.PutUint16(udp[2:4], t.DstPort)
	binary.BigEndian.PutUint16(udp[4:6], uint16(len(udp)))
	if len(t.Payload) > 0 {
		for p := udp[UDPLen:]; len(p) > 0; {
			p = p[copy(p, t.Payload):]
		}
	}
	t.udpSum = Sum(udp, pseudoSum4(ip[ipv4SrcOff:ipv4SrcOff+8], ProtoUDP, uint32(len(udp))))
	t.frame = f
	return nil
}

// Len returns the length of the frames Build writes, or 0 before Prepare.
func (t *Template) Len() int { return len(t.frame) }

// Build writes a frame with UDP source port srcPort into dst and returns its
// length. The IPv4 and UDP checksums of the frame are correct. It calls
// Prepare first if the template is not prepared (not safe for concurrent
// use), and returns io.ErrShortBuffer, writing nothing, if dst is shorter
// than the frame.
func (t *Template) Build(dst []byte, srcPort uint16) (int, error) {
	if t.frame == nil {
		if err := t.Prepare(); err != nil {
			return 0, err
		}
	}
	f := t.frame
	if len(dst) < len(f) || len(f) < tmplHdrs {
		return 0, io.ErrShortBuffer
	}
	copy(dst, f)
	udp := dst[tmplUDP:tmplHdrs]
	binary.BigEndian.PutUint16(udp[0:2], srcPort)
	c := ^Fold(add(t.udpSum, uint64(srcPort)))
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(udp[udpCsumOff:], c)
	return len(f), nil
}
