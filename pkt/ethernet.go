package pkt

import (
	"encoding/binary"
	"fmt"
	"net"
)

// Ethernet is a view of an Ethernet II header at the start of a frame. Its
// methods read and write the frame in place. A value made by NewEthernet is
// at least EthernetLen bytes long; the methods panic on a shorter one.
type Ethernet []byte

// NewEthernet returns an Ethernet view of b, or ErrTruncated if b is shorter
// than an Ethernet header.
func NewEthernet(b []byte) (Ethernet, error) {
	if len(b) < EthernetLen {
		return nil, ErrTruncated
	}
	return Ethernet(b), nil
}

// Dst returns the destination MAC address.
func (e Ethernet) Dst() [6]byte { return [6]byte(e[0:6]) }

// Src returns the source MAC address.
func (e Ethernet) Src() [6]byte { return [6]byte(e[6:12]) }

// SetDst sets the destination MAC address.
func (e Ethernet) SetDst(a [6]byte) { copy(e[0:6], a[:]) }

// SetSrc sets the source MAC address.
func (e Ethernet) SetSrc(a [6]byte) { copy(e[6:12], a[:]) }

// MAC returns a, a MAC address as net.ParseMAC and port.Info.MAC give
// it, as the [6]byte SetDst and SetSrc take. Convert once, outside the
// packet loop. It fails unless a is 6 bytes (EUI-48).
func MAC(a net.HardwareAddr) ([6]byte, error) {
	if len(a) != 6 {
		return [6]byte{}, fmt.Errorf("pkt: MAC %v: %d bytes, not 6", a, len(a))
	}
	return [6]byte(a), nil
}

// ParseMAC parses "aa:bb:cc:dd:ee:ff" (or any form net.ParseMAC takes
// for a 6-byte address) into the [6]byte SetDst and SetSrc take.
func ParseMAC(s string) ([6]byte, error) {
	a, err := net.ParseMAC(s)
	if err != nil {
		return [6]byte{}, fmt.Errorf("pkt: %w", err)
	}
	return MAC(a)
}

// EtherType returns the EtherType field (the TPID if the frame is tagged).
func (e Ethernet) EtherType() uint16 { return binary.BigEndian.Uint16(e[12:14]) }

// SetEtherType sets the EtherType field.
func (e Ethernet) SetEtherType(t uint16) { binary.BigEndian.PutUint16(e[12:14], t) }

// Payload returns the bytes after the 14-byte header: the first VLAN tag if
// the frame is tagged, otherwise the network-layer packet.
func (e Ethernet) Payload() []byte { return e[EthernetLen:] }

// VLAN is a view of an 802.1Q or 802.1ad tag as it follows the TPID: the
// 16-bit tag control information and the inner EtherType. A value made by
// NewVLAN is at least VLANLen bytes long.
type VLAN []byte

// NewVLAN returns a VLAN view of b, which must start at the tag control
// information (offset 14 of a tagged frame), or ErrTruncated if b is shorter
// than 4 bytes.
func NewVLAN(b []byte) (VLAN, error) {
	if len(b) < VLANLen {
		return nil, ErrTruncated
	}
	return VLAN(b), nil
}

// TCI returns the tag control information: PCP, DEI and VLAN ID.
func (v VLAN) TCI() uint16 { return binary.BigEndian.Uint16(v[0:2]) }

// SetTCI sets the tag control information.
func (v VLAN) SetTCI(tci uint16) { binary.BigEndian.PutUint16(v[0:2], tci) }

// PCP returns the 3-bit priority code point.
func (v VLAN) PCP() uint8 { return v[0] >> 5 }

// SetPCP sets the priority code point to the low 3 bits of pcp.
func (v VLAN) SetPCP(pcp uint8) { v[0] = v[0]&0x1f | pcp<<5 }

// DEI reports whether the drop eligible indicator is set.
func (v VLAN) DEI() bool { return v[0]&0x10 != 0 }

// ID returns the 12-bit VLAN identifier.
func (v VLAN) ID() uint16 { return v.TCI() & 0x0fff }

// SetID sets the VLAN identifier to the low 12 bits of id.
func (v VLAN) SetID(id uint16) { v.SetTCI(v.TCI()&0xf000 | id&0x0fff) }

// EtherType returns the EtherType of what follows the tag.
func (v VLAN) EtherType() uint16 { return binary.BigEndian.Uint16(v[2:4]) }

// SetEtherType sets the EtherType of what follows the tag.
func (v VLAN) SetEtherType(t uint16) { binary.BigEndian.PutUint16(v[2:4], t) }

// ARP is a view of an ARP packet (RFC 826). A value made by NewARP holds
// the fixed part and the four addresses its length fields announce.
type ARP []byte

// ARP operation codes.
const (
	ARPRequest uint16 = 1 // who-has
	ARPReply   uint16 = 2 // is-at
)

// NewARP returns an ARP view of b, or ErrTruncated if b is shorter than the
// fixed part plus the addresses announced by the length fields.
func NewARP(b []byte) (ARP, error) {
	if len(b) < 8 || len(b) < 8+2*(int(b[4])+int(b[5])) {
		return nil, ErrTruncated
	}
	return ARP(b), nil
}

// HardwareType returns the hardware type (1 for Ethernet).
func (a ARP) HardwareType() uint16 { return binary.BigEndian.Uint16(a[0:2]) }

// ProtocolType returns the protocol type (EtherTypeIPv4 for IPv4).
func (a ARP) ProtocolType() uint16 { return binary.BigEndian.Uint16(a[2:4]) }

// HardwareLen returns the length of a hardware address (6 for Ethernet).
func (a ARP) HardwareLen() uint8 { return a[4] }

// ProtocolLen returns the length of a protocol address (4 for IPv4).
func (a ARP) ProtocolLen() uint8 { return a[5] }

// Operation returns the operation, such as ARPRequest or ARPReply.
func (a ARP) Operation() uint16 { return binary.BigEndian.Uint16(a[6:8]) }

// SetOperation sets the operation.
func (a ARP) SetOperation(op uint16) { binary.BigEndian.PutUint16(a[6:8], op) }

// IsEthernetIPv4 reports whether the packet maps IPv4 addresses to Ethernet
// addresses, the only kind the fixed-size accessors below expect.
func (a ARP) IsEthernetIPv4() bool {
	return a.HardwareType() == 1 && a.ProtocolType() == EtherTypeIPv4 && a[4] == 6 && a[5] == 4
}

// SenderHardwareAddr returns the sender hardware address, aliasing the
// packet: writing to it changes the packet.
func (a ARP) SenderHardwareAddr() []byte {
	return a[8 : 8+int(a[4])]
}

// SenderProtocolAddr returns the sender protocol address, aliasing the
// packet.
func (a ARP) SenderProtocolAddr() []byte {
	o := 8 + int(a[4])
	return a[o : o+int(a[5])]
}

// TargetHardwareAddr returns the target hardware address, aliasing the
// packet.
func (a ARP) TargetHardwareAddr() []byte {
	o := 8 + int(a[4]) + int(a[5])
	return a[o : o+int(a[4])]
}

// TargetProtocolAddr returns the target protocol address, aliasing the
// packet.
func (a ARP) TargetProtocolAddr() []byte {
	o := 8 + 2*int(a[4]) + int(a[5])
	return a[o : o+int(a[5])]
}
