package pkt

import (
	"encoding/binary"
	"math/bits"
)

// Sum adds the bytes of b, taken as big-endian 16-bit words, to the partial
// ones'-complement sum acc and returns the new partial sum. An odd final byte
// is padded with a zero byte, as RFC 1071 requires; to chain calls, pass every
// piece but the last with an even length. The result is not folded: use Fold
// to reduce it to 16 bits, and Checksum for the usual complemented value.
//
// Sum processes eight bytes at a time and does not allocate.
func Sum(b []byte, acc uint64) uint64 {
	var c uint64
	for len(b) >= 32 {
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[0:8]), c)
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[8:16]), c)
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[16:24]), c)
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[24:32]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b), c)
		b = b[8:]
	}
	if len(b) >= 4 {
		acc, c = bits.Add64(acc, uint64(binary.BigEndian.Uint32(b)), c)
		b = b[4:]
	}
	if len(b) >= 2 {
		acc, c = bits.Add64(acc, uint64(binary.BigEndian.Uint16(b)), c)
		b = b[2:]
	}
	if len(b) == 1 {
		acc, c = bits.Add64(acc, uint64(b[0])<<8, c)
	}
	// End-around carry: adding the last carry cannot carry again, because
	// an addition that carried left acc below 2^64-1.
	return acc + c
}

// add returns the ones'-complement sum of two partial sums.
func add(a, b uint64) uint64 {
	s, c := bits.Add64(a, b, 0)
	return s + c
}

// Fold reduces a partial sum from Sum to 16 bits with end-around carries.
// The result is not complemented.
func Fold(sum uint64) uint16 {
	t, c := bits.Add32(uint32(sum>>32), uint32(sum), 0)
	t += c // cannot overflow: an addition that carried is at most 2^32-2
	t = t>>16 + t&0xffff
	t = t>>16 + t&0xffff
	return uint16(t)
}

// Checksum returns the Internet checksum (RFC 1071) of b: the ones'
// complement of the ones'-complement sum of its 16-bit words. A buffer that
// contains a correct checksum field sums to 0xffff, so its Checksum is 0.
func Checksum(b []byte) uint16 {
	return ^Fold(Sum(b, 0))
}

// IPv4HeaderChecksum returns the checksum to store in the IPv4 header hdr,
// computed with the checksum field (bytes 10 and 11) taken as zero. hdr must
// be the header only, options included: for a view use IPv4.ComputeChecksum.
// It returns 0 if hdr is shorter than 20 bytes.
func IPv4HeaderChecksum(hdr []byte) uint16 {
	if len(hdr) < IPv4MinLen {
		return 0
	}
	s := Sum(hdr[:ipv4CsumOff], 0)
	s = Sum(hdr[ipv4CsumOff+2:], s)
	return ^Fold(s)
}

// PseudoSumIPv4 returns the partial sum of the IPv4 pseudo-header used by
// UDP and TCP checksums (RFC 768, RFC 9293): source and destination address,
// protocol and upper-layer length.
func PseudoSumIPv4(src, dst [4]byte, proto uint8, length int) uint64 {
	return uint64(binary.BigEndian.Uint32(src[:])) +
		uint64(binary.BigEndian.Uint32(dst[:])) +
		uint64(proto) + uint64(uint16(length))
}

// PseudoSumIPv6 returns the partial sum of the IPv6 pseudo-header used by
// UDP, TCP and ICMPv6 checksums (RFC 8200 section 8.1): source and
// destination address, 32-bit upper-layer length and next header.
func PseudoSumIPv6(src, dst [16]byte, proto uint8, length int) uint64 {
	return pseudoSum6(src[:], dst[:], proto, uint32(length))
}

// pseudoSum4 is PseudoSumIPv4 over addresses held in a header.
func pseudoSum4(addrs []byte, proto uint8, length uint32) uint64 {
	_ = addrs[7]
	return uint64(binary.BigEndian.Uint32(addrs[0:4])) +
		uint64(binary.BigEndian.Uint32(addrs[4:8])) +
		uint64(proto) + uint64(uint16(length))
}

// pseudoSum6 is PseudoSumIPv6 over address slices of 16 bytes.
func pseudoSum6(src, dst []byte, proto uint8, length uint32) uint64 {
	_ = src[15]
	_ = dst[15]
	s, c := bits.Add64(binary.BigEndian.Uint64(src[0:8]), binary.BigEndian.Uint64(src[8:16]), 0)
	s, c = bits.Add64(s, binary.BigEndian.Uint64(dst[0:8]), c)
	s, c = bits.Add64(s, binary.BigEndian.Uint64(dst[8:16]), c)
	s, c = bits.Add64(s, uint64(length)+uint64(proto), c)
	return s + c
}

// UpdateChecksum16 returns checksum csum updated for a 16-bit word of the
// covered data changing from the value from to the value to, using RFC 1624 equation 3:
// HC' = ~(~HC + ~m + m'). The word must start at an even offset of the
// covered data; to update a single byte, pass the word that contains it
// before and after the change.
//
// For UDP over IPv4 a checksum of 0 means "no checksum": callers must not
// update it, and must store 0xffff if the update yields 0. The rewrite helpers
// of this package do both.
func UpdateChecksum16(csum, from, to uint16) uint16 {
	s := uint32(^csum) + uint32(^from) + uint32(to)
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	return ^uint16(s)
}

// UpdateChecksum32 is UpdateChecksum16 for a 32-bit value, such as an IPv4
// address, that starts at an even offset of the covered data.
func UpdateChecksum32(csum uint16, from, to uint32) uint16 {
	return ^Fold(uint64(^csum) + uint64(^from) + uint64(to))
}

// UpdateChecksumBytes is UpdateChecksum16 for a run of bytes, such as an
// IPv6 address, changing from the bytes from to the bytes to. The run must
// start at an even offset of the covered data, and from and to must have the
// same even length; otherwise csum is returned unchanged.
func UpdateChecksumBytes(csum uint16, from, to []byte) uint16 {
	if len(from) != len(to) || len(from)%2 != 0 {
		return csum
	}
	s := add(uint64(^csum), uint64(^Fold(Sum(from, 0))))
	return ^Fold(add(s, Sum(to, 0)))
}
