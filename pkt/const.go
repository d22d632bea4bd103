package pkt

import "errors"

// EtherType values understood by Parse.
const (
	EtherTypeIPv4 uint16 = 0x0800 // Internet Protocol version 4
	EtherTypeARP  uint16 = 0x0806 // Address Resolution Protocol
	EtherTypeVLAN uint16 = 0x8100 // IEEE 802.1Q VLAN tag (C-tag)
	EtherTypeQinQ uint16 = 0x88a8 // IEEE 802.1ad service VLAN tag (S-tag)
	EtherTypeIPv6 uint16 = 0x86dd // Internet Protocol version 6
)

// IP protocol numbers (IPv4 Protocol, IPv6 Next Header) understood by Parse.
const (
	ProtoHopOpts  uint8 = 0  // IPv6 hop-by-hop options extension header
	ProtoICMP     uint8 = 1  // ICMP for IPv4
	ProtoTCP      uint8 = 6  // Transmission Control Protocol
	ProtoUDP      uint8 = 17 // User Datagram Protocol
	ProtoRouting  uint8 = 43 // IPv6 routing extension header
	ProtoFragment uint8 = 44 // IPv6 fragment extension header
	ProtoESP      uint8 = 50 // Encapsulating Security Payload
	ProtoAH       uint8 = 51 // Authentication Header
	ProtoICMPv6   uint8 = 58 // ICMP for IPv6
	ProtoNoNext   uint8 = 59 // IPv6 "no next header"
	ProtoDstOpts  uint8 = 60 // IPv6 destination options extension header
)

// Fixed and minimum header lengths in bytes.
const (
	EthernetLen  = 14 // Ethernet header without VLAN tags
	VLANLen      = 4  // one 802.1Q/802.1ad tag (TCI + inner EtherType)
	ARPLen       = 28 // ARP for IPv4 over Ethernet
	IPv4MinLen   = 20 // IPv4 header without options
	IPv6Len      = 40 // IPv6 fixed header
	UDPLen       = 8  // UDP header
	TCPMinLen    = 20 // TCP header without options
	ICMPLen      = 8  // ICMPv4 and ICMPv6 header (type, code, checksum, 4 bytes)
	MaxVLANs     = 2  // VLAN tags Parse walks through (Parsed.VLANID)
	ipv6FragLen  = 8  // IPv6 fragment extension header
	ipv6ExtMin   = 8  // smallest IPv6 extension header
	udpCsumOff   = 6  // checksum offset in the UDP header
	tcpCsumOff   = 16 // checksum offset in the TCP header
	icmpCsumOff  = 2  // checksum offset in ICMPv4 and ICMPv6 headers
	ipv4CsumOff  = 10 // checksum offset in the IPv4 header
	ipv4TTLOff   = 8  // TTL offset in the IPv4 header
	ipv6HLimOff  = 7  // hop limit offset in the IPv6 header
	ipv4SrcOff   = 12 // source address offset in the IPv4 header
	ipv6SrcOff   = 8  // source address offset in the IPv6 header
	ipv4FragMask = 0x3fff
	ipv4OffMask  = 0x1fff
)

// Errors returned by this package. They are allocated once, so returning
// them never allocates; compare with == or errors.Is.
var (
	// ErrTruncated reports that the buffer ends before a header, or before
	// the length a header field announces.
	ErrTruncated = errors.New("pkt: truncated packet")
	// ErrMalformed reports a header whose fields are inconsistent, such as an
	// IPv4 header length below 20 bytes or a wrong IP version.
	ErrMalformed = errors.New("pkt: malformed packet")
	// ErrUnsupported reports that an operation does not apply to the packet,
	// for example an L4 checksum of a fragment or of an unknown protocol.
	ErrUnsupported = errors.New("pkt: unsupported packet")
)
