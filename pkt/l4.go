package pkt

import "encoding/binary"

// UDP is a view of a UDP header (RFC 768) and what follows it. Setters do
// not update the checksum. A value made by NewUDP is at least 8 bytes long.
type UDP []byte

// NewUDP returns a UDP view of b, or ErrTruncated if b is shorter than 8
// bytes.
func NewUDP(b []byte) (UDP, error) {
	if len(b) < UDPLen {
		return nil, ErrTruncated
	}
	return UDP(b), nil
}

// SrcPort returns the source port.
func (u UDP) SrcPort() uint16 { return binary.BigEndian.Uint16(u[0:2]) }

// DstPort returns the destination port.
func (u UDP) DstPort() uint16 { return binary.BigEndian.Uint16(u[2:4]) }

// SetSrcPort sets the source port.
func (u UDP) SetSrcPort(p uint16) { binary.BigEndian.PutUint16(u[0:2], p) }

// SetDstPort sets the destination port.
func (u UDP) SetDstPort(p uint16) { binary.BigEndian.PutUint16(u[2:4], p) }

// Length returns the length field: header and payload in bytes.
func (u UDP) Length() uint16 { return binary.BigEndian.Uint16(u[4:6]) }

// SetLength sets the length field.
func (u UDP) SetLength(n uint16) { binary.BigEndian.PutUint16(u[4:6], n) }

// Checksum returns the checksum field (0 over IPv4 means none).
func (u UDP) Checksum() uint16 { return binary.BigEndian.Uint16(u[6:8]) }

// SetChecksum sets the checksum field.
func (u UDP) SetChecksum(c uint16) { binary.BigEndian.PutUint16(u[6:8], c) }

// Payload returns the bytes after the header, up to the length field or the
// end of the view, whichever comes first.
func (u UDP) Payload() []byte {
	return u[UDPLen:max(UDPLen, min(int(u.Length()), len(u)))]
}

// TCP is a view of a TCP header (RFC 9293) and what follows it. Setters do
// not update the checksum. A value made by NewTCP holds at least the whole
// header, options included.
type TCP []byte

// TCP flags, as returned by TCP.Flags.
const (
	TCPFlagFIN uint16 = 0x001
	TCPFlagSYN uint16 = 0x002
	TCPFlagRST uint16 = 0x004
	TCPFlagPSH uint16 = 0x008
	TCPFlagACK uint16 = 0x010
	TCPFlagURG uint16 = 0x020
	TCPFlagECE uint16 = 0x040
	TCPFlagCWR uint16 = 0x080
	TCPFlagNS  uint16 = 0x100 // historic ECN nonce (RFC 3540), now reserved
)

// TCP option kinds often looked up with TCP.Option.
const (
	TCPOptionMSS       uint8 = 2 // maximum segment size, 2 bytes of data
	TCPOptionWScale    uint8 = 3 // window scale, 1 byte of data
	TCPOptionSACKOK    uint8 = 4 // SACK permitted, no data
	TCPOptionTimestamp uint8 = 8 // timestamps, 8 bytes of data
)

// NewTCP returns a TCP view of b. It returns ErrTruncated if b is shorter
// than 20 bytes or than the header length, and ErrMalformed if the data
// offset is below 5.
func NewTCP(b []byte) (TCP, error) {
	if len(b) < TCPMinLen {
		return nil, ErrTruncated
	}
	n := int(b[12]>>4) * 4
	if n < TCPMinLen {
		return nil, ErrMalformed
	}
	if len(b) < n {
		return nil, ErrTruncated
	}
	return TCP(b), nil
}

// SrcPort returns the source port.
func (t TCP) SrcPort() uint16 { return binary.BigEndian.Uint16(t[0:2]) }

// DstPort returns the destination port.
func (t TCP) DstPort() uint16 { return binary.BigEndian.Uint16(t[2:4]) }

// SetSrcPort sets the source port.
func (t TCP) SetSrcPort(p uint16) { binary.BigEndian.PutUint16(t[0:2], p) }

// SetDstPort sets the destination port.
func (t TCP) SetDstPort(p uint16) { binary.BigEndian.PutUint16(t[2:4], p) }

// Seq returns the sequence number.
func (t TCP) Seq() uint32 { return binary.BigEndian.Uint32(t[4:8]) }

// SetSeq sets the sequence number.
func (t TCP) SetSeq(n uint32) { binary.BigEndian.PutUint32(t[4:8], n) }

// Ack returns the acknowledgment number.
func (t TCP) Ack() uint32 { return binary.BigEndian.Uint32(t[8:12]) }

// SetAck sets the acknowledgment number.
func (t TCP) SetAck(n uint32) { binary.BigEndian.PutUint32(t[8:12], n) }

// DataOffset returns the header length in 32-bit words.
func (t TCP) DataOffset() uint8 { return t[12] >> 4 }

// HeaderLen returns the header length in bytes, options included.
func (t TCP) HeaderLen() int { return int(t[12]>>4) * 4 }

// Flags returns the 9 flag bits (TCPFlagFIN ... TCPFlagNS).
func (t TCP) Flags() uint16 { return binary.BigEndian.Uint16(t[12:14]) & 0x01ff }

// SetFlags sets the 9 flag bits to the low 9 bits of f.
func (t TCP) SetFlags(f uint16) {
	binary.BigEndian.PutUint16(t[12:14], binary.BigEndian.Uint16(t[12:14])&0xfe00|f&0x01ff)
}

// Window returns the window field.
func (t TCP) Window() uint16 { return binary.BigEndian.Uint16(t[14:16]) }

// SetWindow sets the window field.
func (t TCP) SetWindow(w uint16) { binary.BigEndian.PutUint16(t[14:16], w) }

// Checksum returns the checksum field.
func (t TCP) Checksum() uint16 { return binary.BigEndian.Uint16(t[16:18]) }

// SetChecksum sets the checksum field.
func (t TCP) SetChecksum(c uint16) { binary.BigEndian.PutUint16(t[16:18], c) }

// Urgent returns the urgent pointer.
func (t TCP) Urgent() uint16 { return binary.BigEndian.Uint16(t[18:20]) }

// SetUrgent sets the urgent pointer.
func (t TCP) SetUrgent(u uint16) { binary.BigEndian.PutUint16(t[18:20], u) }

// Options returns the options bytes, aliasing the packet.
func (t TCP) Options() []byte { return t[TCPMinLen:t.HeaderLen()] }

// Option returns the data of the first option of the given kind (without
// its kind and length bytes, aliasing the packet) and whether it was found.
// It stops at the end-of-list option and at a malformed option; kinds 0 and
// 1 are never found.
func (t TCP) Option(kind uint8) ([]byte, bool) { return findOption(t.Options(), kind) }

// Payload returns the bytes after the header, to the end of the view.
func (t TCP) Payload() []byte { return t[t.HeaderLen():] }

// ICMP is a view of an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) header: type,
// code, checksum and the 4-byte rest of header, followed by the message
// body. A value made by NewICMP is at least 8 bytes long.
type ICMP []byte

// ICMPv4 is a view of an ICMP for IPv4 message.
type ICMPv4 = ICMP

// ICMPv6 is a view of an ICMP for IPv6 message.
type ICMPv6 = ICMP

// ICMPv4 message types.
const (
	ICMPv4EchoReply    uint8 = 0
	ICMPv4DestUnreach  uint8 = 3
	ICMPv4Redirect     uint8 = 5
	ICMPv4EchoRequest  uint8 = 8
	ICMPv4TimeExceeded uint8 = 11
	ICMPv4ParamProblem uint8 = 12
)

// ICMPv6 message types.
const (
	ICMPv6DestUnreach     uint8 = 1
	ICMPv6PacketTooBig    uint8 = 2
	ICMPv6TimeExceeded    uint8 = 3
	ICMPv6ParamProblem    uint8 = 4
	ICMPv6EchoRequest     uint8 = 128
	ICMPv6EchoReply       uint8 = 129
	ICMPv6RouterSolicit   uint8 = 133
	ICMPv6RouterAdvert    uint8 = 134
	ICMPv6NeighborSolicit uint8 = 135
	ICMPv6NeighborAdvert  uint8 = 136
)

// NewICMP returns an ICMP view of b, or ErrTruncated if b is shorter than 8
// bytes.
func NewICMP(b []byte) (ICMP, error) {
	if len(b) < ICMPLen {
		return nil, ErrTruncated
	}
	return ICMP(b), nil
}

// Type returns the message type.
func (c ICMP) Type() uint8 { return c[0] }

// SetType sets the message type.
func (c ICMP) SetType(t uint8) { c[0] = t }

// Code returns the message code.
func (c ICMP) Code() uint8 { return c[1] }

// SetCode sets the message code.
func (c ICMP) SetCode(code uint8) { c[1] = code }

// Checksum returns the checksum field.
func (c ICMP) Checksum() uint16 { return binary.BigEndian.Uint16(c[2:4]) }

// SetChecksum sets the checksum field.
func (c ICMP) SetChecksum(s uint16) { binary.BigEndian.PutUint16(c[2:4], s) }

// ID returns the identifier of an echo request or reply (bytes 4 and 5).
func (c ICMP) ID() uint16 { return binary.BigEndian.Uint16(c[4:6]) }

// SetID sets the identifier of an echo request or reply.
func (c ICMP) SetID(id uint16) { binary.BigEndian.PutUint16(c[4:6], id) }

// Seq returns the sequence number of an echo request or reply (bytes 6
// and 7).
func (c ICMP) Seq() uint16 { return binary.BigEndian.Uint16(c[6:8]) }

// SetSeq sets the sequence number of an echo request or reply.
func (c ICMP) SetSeq(s uint16) { binary.BigEndian.PutUint16(c[6:8], s) }

// RestOfHeader returns bytes 4 to 7, whose meaning depends on the type.
func (c ICMP) RestOfHeader() uint32 { return binary.BigEndian.Uint32(c[4:8]) }

// SetRestOfHeader sets bytes 4 to 7.
func (c ICMP) SetRestOfHeader(v uint32) { binary.BigEndian.PutUint32(c[4:8], v) }

// Payload returns the message body after the 8-byte header.
func (c ICMP) Payload() []byte { return c[ICMPLen:] }

// ComputeChecksum returns the ICMPv4 checksum of the message, which must
// span the whole view, computed with the checksum field taken as zero.
// ICMPv6 checksums cover an IPv6 pseudo-header: use L4Checksum for them.
func (c ICMP) ComputeChecksum() uint16 { return ^Fold(Sum(c[icmpCsumOff+2:], Sum(c[:icmpCsumOff], 0))) }
