// Package pcapfile checks a capture file before a device replays it:
// zcnic reads every record header of a pcap or pcapng file the way
// libpcap (and so DPDK's net_pcap) will, counts the records, and finds
// what libpcap would mishandle: a file cut mid-record, a record whose
// length is impossible (libpcap then reads the bytes that follow as
// records), and records longer than net_pcap can hold, which Filter
// leaves out of a copy of the file.
//
// Scan reads the file once, in blocks, and keeps no packet bytes.
package pcapfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxCapLen is the longest record libpcap accepts for Ethernet
// (MAXIMUM_SNAPLEN): a longer one is an error to libpcap, which then
// reads what follows it as records.
const MaxCapLen = 262144

// Format is the kind of capture file.
type Format int

// Formats.
const (
	Pcap   Format = iota + 1 // classic pcap, microsecond timestamps
	PcapNs                   // classic pcap, nanosecond timestamps
	PcapNG                   // pcapng
)

func (f Format) String() string {
	switch f {
	case Pcap:
		return "pcap"
	case PcapNs:
		return "pcap (ns)"
	case PcapNG:
		return "pcapng"
	}
	return "unknown"
}

// Info is what a scan found.
type Info struct {
	Format Format
	// Records is the number of complete packet records.
	Records int
	// MinLen and MaxLen are the shortest and longest captured length
	// of those records (0 when there are none), and MaxAt the number
	// (from 1) of the first record of MaxLen bytes.
	MinLen, MaxLen, MaxAt int
	// Truncated is set when the file ends inside a record (a capture
	// cut short): libpcap delivers the complete records before it,
	// then reports an error. TruncatedAt is the byte offset where that
	// record starts.
	Truncated   bool
	TruncatedAt int64
	// Over is the number of records longer than MaxNetPcapLen (net_pcap
	// cannot replay them), OverAt the number of the first.
	Over, OverAt int
	// CapOverLen is the number of records whose captured length is more
	// than the packet's length, CapOverLenAt the number of the first:
	// libpcap reads them (with their captured length), so does net_pcap.
	CapOverLen, CapOverLenAt int
	// OverSnap is the number of records of a classic pcap file longer
	// than the file's snapshot length SnapLen, OverSnapAt the number of
	// the first: libpcap reads (and net_pcap replays) only their first
	// SnapLen bytes, and the lengths above are those it reads.
	OverSnap, OverSnapAt, SnapLen int
}

// Truncation describes a cut-short file in one phrase, "" if it is not.
func (in Info) Truncation() string {
	if !in.Truncated {
		return ""
	}
	return fmt.Sprintf("it ends inside record %d (at byte %d): the file was cut short; the %d complete records before it are used", in.Records+1, in.TruncatedAt, in.Records)
}

// Error is a file that cannot be read as a capture, or that holds a
// record libpcap would misread.
type Error struct {
	Path   string
	Record int   // the record's number, from 1; 0 for the file header
	Offset int64 // where it starts in the file
	Reason string
}

func (e *Error) Error() string {
	if e.Record == 0 {
		return fmt.Sprintf("%s: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("%s: record %d (at byte %d): %s", e.Path, e.Record, e.Offset, e.Reason)
}

// ErrCorrupt is wrapped by every *Error about the file's content.
var ErrCorrupt = errors.New("pcapfile: not a valid capture file")

// Is makes errors.Is(err, ErrCorrupt) true for an *Error.
func (e *Error) Is(target error) bool { return target == ErrCorrupt }

// Scan reads the capture file at path.
func Scan(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Info{}, err
	}
	if !st.Mode().IsRegular() {
		return Info{}, &Error{Path: path, Reason: "not a regular file"}
	}
	return ScanReader(path, f)
}

// ScanReader reads a capture file from r; name is used in errors.
func ScanReader(name string, r io.Reader) (Info, error) {
	s := &scanner{name: name, r: bufio.NewReaderSize(r, 1<<16)}
	var magic [4]byte
	n, err := io.ReadFull(s.r, magic[:])
	s.off += int64(n)
	if err != nil {
		if n == 0 {
			return Info{}, s.fail(0, 0, "empty file: no pcap header")
		}
		return Info{}, s.fail(0, 0, "shorter than a pcap header")
	}
	le, be := binary.LittleEndian.Uint32(magic[:]), binary.BigEndian.Uint32(magic[:])
	switch {
	case le == 0xa1b2c3d4 || be == 0xa1b2c3d4:
		s.info.Format = Pcap
		return s.pcap(le == 0xa1b2c3d4)
	case le == 0xa1b23c4d || be == 0xa1b23c4d:
		s.info.Format = PcapNs
		return s.pcap(le == 0xa1b23c4d)
	case le == 0x0a0d0d0a:
		s.info.Format = PcapNG
		return s.pcapng(magic)
	case le == 0xa1b2cd34 || be == 0xa1b2cd34:
		return Info{}, s.fail(0, 0, "a modified (Kuznetzov) pcap file: not supported; convert it with editcap -F pcap")
	}
	return Info{}, s.fail(0, 0, fmt.Sprintf("not a pcap or pcapng file (magic number %#08x)", be))
}

type scanner struct {
	name string
	r    *bufio.Reader
	off  int64
	info Info
}

func (s *scanner) fail(rec int, off int64, reason string) error {
	return &Error{Path: s.name, Record: rec, Offset: off, Reason: reason}
}

// read fills b; it returns how many bytes it got.
func (s *scanner) read(b []byte) (int, error) {
	n, err := io.ReadFull(s.r, b)
	s.off += int64(n)
	return n, err
}

// skip discards n bytes; it returns how many were there.
func (s *scanner) skip(n int64) (int64, error) {
	got, err := s.r.Discard(int(n))
	s.off += int64(got)
	return int64(got), err
}

// record counts a complete record of caplen bytes.
func (s *scanner) record(caplen int) {
	in := &s.info
	in.Records++
	if in.Records == 1 || caplen < in.MinLen {
		in.MinLen = caplen
	}
	if caplen > in.MaxLen {
		in.MaxLen, in.MaxAt = caplen, in.Records
	}
	if caplen > MaxNetPcapLen {
		if in.Over++; in.Over == 1 {
			in.OverAt = in.Records
		}
	}
}

// capOverLen counts a record whose captured length is more than its
// length.
func (s *scanner) capOverLen() {
	in := &s.info
	if in.CapOverLen++; in.CapOverLen == 1 {
		in.CapOverLenAt = in.Records + 1
	}
}

// truncated marks the file as cut inside the record that starts at off.
func (s *scanner) truncated(off int64) (Info, error) {
	s.info.Truncated, s.info.TruncatedAt = true, off
	return s.info, nil
}

func (s *scanner) pcap(little bool) (Info, error) {
	var order binary.ByteOrder = binary.BigEndian
	if little {
		order = binary.LittleEndian
	}
	var h [20]byte // the rest of the file header
	if _, err := s.read(h[:]); err != nil {
		return Info{}, s.fail(0, 0, "shorter than a pcap header (24 bytes)")
	}
	major, minor := order.Uint16(h[0:2]), order.Uint16(h[2:4])
	snap := snapshot(order.Uint32(h[12:16]))
	s.info.SnapLen = int(snap)
	if major != 2 {
		return Info{}, s.fail(0, 0, fmt.Sprintf("pcap version %d.%d: only 2.x is read", major, minor))
	}
	// Files before version 2.3 have the two lengths the other way
	// round, and some 2.3 files do; libpcap swaps them back.
	swapped := func(caplen, origlen uint32) bool {
		return minor < 3 || minor == 3 && caplen > origlen
	}
	var rh [16]byte
	for {
		start := s.off
		n, err := s.read(rh[:])
		if err == io.EOF && n == 0 {
			return s.info, nil
		}
		if err != nil {
			if n > 0 {
				return s.truncated(start)
			}
			return Info{}, err
		}
		rec := s.info.Records + 1
		caplen, origlen := order.Uint32(rh[8:12]), order.Uint32(rh[12:16])
		if swapped(caplen, origlen) {
			caplen, origlen = origlen, caplen
		}
		if caplen > MaxCapLen {
			return Info{}, s.fail(rec, start, fmt.Sprintf("captured length %d is impossible (at most %d): the file is corrupt", caplen, MaxCapLen))
		}
		if caplen > origlen {
			s.capOverLen() // libpcap reads it as it is
		}
		got, err := s.skip(int64(caplen))
		if got < int64(caplen) {
			return s.truncated(start)
		}
		if err != nil {
			return Info{}, err
		}
		if caplen > snap {
			if s.info.OverSnap++; s.info.OverSnap == 1 {
				s.info.OverSnapAt = s.info.Records + 1
			}
			caplen = snap // libpcap reads the first snap bytes
		}
		s.record(int(caplen))
	}
}

// snapshot is the snapshot length libpcap takes from a classic pcap
// file's header (pcap_adjust_snapshot): 0 or more than MaxCapLen means
// MaxCapLen, for Ethernet.
func snapshot(snaplen uint32) uint32 {
	if snaplen == 0 || snaplen > MaxCapLen {
		return MaxCapLen
	}
	return snaplen
}

// pcapng block types that hold packets.
const (
	ngSHB = 0x0a0d0d0a
	ngEPB = 6
	ngSPB = 3
	ngPB  = 2 // obsolete Packet Block
)

func (s *scanner) pcapng(first [4]byte) (Info, error) {
	var order binary.ByteOrder = binary.LittleEndian
	var hdr [8]byte
	copy(hdr[:4], first[:])
	haveType := true
	for {
		start := s.off - 4
		if !haveType {
			start = s.off
			n, err := s.read(hdr[:4])
			if err == io.EOF && n == 0 {
				return s.info, nil
			}
			if err != nil {
				if n > 0 {
					return s.truncated(start)
				}
				return Info{}, err
			}
		}
		haveType = false
		if _, err := s.read(hdr[4:8]); err != nil {
			return s.truncated(start)
		}
		btype := order.Uint32(hdr[0:4])
		if btype == ngSHB {
			var bom [4]byte
			if _, err := s.read(bom[:]); err != nil {
				return s.truncated(start)
			}
			switch {
			case binary.LittleEndian.Uint32(bom[:]) == 0x1a2b3c4d:
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(bom[:]) == 0x1a2b3c4d:
				order = binary.BigEndian
			default:
				return Info{}, s.fail(0, start, "pcapng section header with a bad byte-order magic")
			}
		}
		blen := order.Uint32(hdr[4:8])
		rec := s.info.Records + 1
		if blen < 12 || blen%4 != 0 || blen > 1<<28 {
			return Info{}, s.fail(rec, start, fmt.Sprintf("pcapng block of type %d has an impossible length %d: the file is corrupt", btype, blen))
		}
		read := int64(8)
		if btype == ngSHB {
			read = 12
			if blen < 28 {
				return Info{}, s.fail(0, start, fmt.Sprintf("pcapng section header of %d bytes: too short", blen))
			}
		}
		body := int64(blen) - read - 4 // what is left before the trailing length
		if body < 0 {
			return Info{}, s.fail(rec, start, fmt.Sprintf("pcapng block of type %d has an impossible length %d", btype, blen))
		}
		packet := btype == ngEPB || btype == ngSPB || btype == ngPB
		pending := -1 // the captured length of a packet block, once read
		if packet {
			var fixed [20]byte
			need := 20
			if btype == ngSPB {
				need = 4
			}
			if body < int64(need) {
				return Info{}, s.fail(rec, start, fmt.Sprintf("pcapng packet block of %d bytes: too short for its header", blen))
			}
			if _, err := s.read(fixed[:need]); err != nil {
				return s.truncated(start)
			}
			body -= int64(need)
			var caplen, origlen uint32
			if btype == ngSPB {
				origlen = order.Uint32(fixed[0:4])
				caplen = min(origlen, uint32(body))
			} else {
				caplen, origlen = order.Uint32(fixed[12:16]), order.Uint32(fixed[16:20])
			}
			switch {
			case caplen > MaxCapLen:
				return Info{}, s.fail(rec, start, fmt.Sprintf("captured length %d is impossible (at most %d): the file is corrupt", caplen, MaxCapLen))
			case int64(caplen) > body:
				return Info{}, s.fail(rec, start, fmt.Sprintf("captured length %d does not fit its %d-byte block: the file is corrupt", caplen, blen))
			case btype != ngSPB && caplen > origlen:
				s.capOverLen() // libpcap reads it as it is
			}
			if got, _ := s.skip(body); got < body {
				return s.truncated(start)
			}
			pending = int(caplen)
		} else if got, _ := s.skip(body); got < body {
			return s.truncated(start)
		}
		var trail [4]byte
		if _, err := s.read(trail[:]); err != nil {
			return s.truncated(start)
		}
		if order.Uint32(trail[:]) != blen {
			return Info{}, s.fail(rec, start, fmt.Sprintf("pcapng block of type %d: trailing length %d differs from its length %d: the file is corrupt", btype, order.Uint32(trail[:]), blen))
		}
		if pending >= 0 {
			s.record(pending)
		}
	}
}
