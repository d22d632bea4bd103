package app

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zcnic/zcnic/mbuf"
)

// DefaultSnaplen is the snapshot length when none is given: tcpdump's
// default, more than any frame an mbuf chain holds in practice.
const DefaultSnaplen = 262144

// pcap file format (libpcap's classic format, microsecond timestamps,
// little-endian as written by x86 tcpdump).
const (
	pcapMagic        = 0xa1b2c3d4
	pcapVersionMajor = 2
	pcapVersionMinor = 4
	pcapLinkEthernet = 1
	pcapFileHdrLen   = 24
	pcapRecHdrLen    = 16
	pcapBufSize      = 1 << 20
)

// PcapWriter writes a pcap capture file (Ethernet link type, microsecond
// timestamps), the format tcpdump writes and tshark and Wireshark read.
// Writing a packet copies its bytes into a buffer and allocates nothing;
// the buffer goes to the underlying writer when full and on Flush.
//
// A PcapWriter is not safe for concurrent use.
type PcapWriter struct {
	w       *bufio.Writer
	snaplen int
	hdr     [pcapRecHdrLen]byte // reused record header
	packets uint64
	err     error // the first write error; every later write returns it
}

// NewPcapWriter writes the file header to w and returns a writer whose
// packets are cut to snaplen bytes (0 means DefaultSnaplen).
func NewPcapWriter(w io.Writer, snaplen int) (*PcapWriter, error) {
	if snaplen == 0 {
		snaplen = DefaultSnaplen
	}
	if snaplen < 1 || snaplen > DefaultSnaplen {
		return nil, fmt.Errorf("app: pcap snaplen %d: must be 1 to %d", snaplen, DefaultSnaplen)
	}
	pw := &PcapWriter{w: bufio.NewWriterSize(w, pcapBufSize), snaplen: snaplen}
	var h [pcapFileHdrLen]byte
	le := binary.LittleEndian
	le.PutUint32(h[0:], pcapMagic)
	le.PutUint16(h[4:], pcapVersionMajor)
	le.PutUint16(h[6:], pcapVersionMinor)
	// h[8:16]: time zone offset and timestamp accuracy, both 0.
	le.PutUint32(h[16:], uint32(snaplen))
	le.PutUint32(h[20:], pcapLinkEthernet)
	if _, err := pw.w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("app: pcap header: %w", err)
	}
	return pw, nil
}

// Snaplen is the most bytes of a packet written.
func (w *PcapWriter) Snaplen() int { return w.snaplen }

// Packets is how many packets were written.
func (w *PcapWriter) Packets() uint64 { return w.packets }

// record writes the record header of a packet of origLen bytes, of
// which capLen are stored.
func (w *PcapWriter) record(ts time.Time, capLen, origLen int) error {
	if w.err != nil {
		return w.err
	}
	le := binary.LittleEndian
	le.PutUint32(w.hdr[0:], uint32(ts.Unix()))
	le.PutUint32(w.hdr[4:], uint32(ts.Nanosecond()/1000))
	le.PutUint32(w.hdr[8:], uint32(capLen))
	le.PutUint32(w.hdr[12:], uint32(origLen))
	_, w.err = w.w.Write(w.hdr[:])
	return w.err
}

// WritePacket writes one packet of data, captured at ts, cut to the
// snaplen.
func (w *PcapWriter) WritePacket(ts time.Time, data []byte) error {
	capLen := min(len(data), w.snaplen)
	if err := w.record(ts, capLen, len(data)); err != nil {
		return err
	}
	if _, w.err = w.w.Write(data[:capLen]); w.err != nil {
		return w.err
	}
	w.packets++
	return nil
}

// ErrShortChain is returned by WriteMbuf for a packet whose segments
// hold fewer bytes than its PktLen says: a broken mbuf chain (DPDK
// 22.11's net_pcap builds one for a frame over 64 KiB). Nothing of it is
// written.
var ErrShortChain = errors.New("app: mbuf chain shorter than its packet length")

// WriteMbuf writes the packet in m, every segment of it, captured at ts,
// cut to the snaplen. m is only read. A broken chain (ErrShortChain) is
// not written; the writer stays usable.
func (w *PcapWriter) WriteMbuf(ts time.Time, m *mbuf.Mbuf) error {
	pktLen := m.PktLen()
	want := min(pktLen, w.snaplen)
	if m.DataLen() < want { // more than one segment to read: check them first
		have := 0
		for seg := m; seg != nil && have < want; seg = seg.Next() {
			have += seg.DataLen()
		}
		if have < want {
			return ErrShortChain
		}
	}
	if err := w.record(ts, want, pktLen); err != nil {
		return err
	}
	left := want
	for seg := m; seg != nil && left > 0; seg = seg.Next() {
		d := seg.Data()
		if len(d) > left {
			d = d[:left]
		}
		if _, w.err = w.w.Write(d); w.err != nil {
			return w.err
		}
		left -= len(d)
	}
	w.packets++
	return nil
}

// Buffered is how many bytes wait in the buffer for Flush.
func (w *PcapWriter) Buffered() int { return w.w.Buffered() }

// Flush writes what is buffered to the underlying writer.
func (w *PcapWriter) Flush() error {
	if w.err != nil {
		return w.err
	}
	w.err = w.w.Flush()
	return w.err
}
