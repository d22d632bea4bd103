package pcapfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// MaxNetPcapLen is the longest frame DPDK 22.11's net_pcap replays
// correctly: it keeps a record's length in 16 bits (the pkt_len it sets
// and the length its chaining code copies), so a longer record becomes
// the record's length modulo 65,536: 80,054 bytes give a 14,518-byte
// frame, silently cut, and one of 65,536 to 65,536 plus a segment gives
// a chain longer than its packet length, which crashes whoever walks it.
// Filter leaves such records out of a copy for the driver to read.
const MaxNetPcapLen = 65535

// NetPcapArgs are the file arguments of a net_pcap device.
type NetPcapArgs struct {
	// RxPcap are the rx_pcap files, one per rx queue in order; TxPcap
	// the tx_pcap files, one per tx queue.
	RxPcap, TxPcap []string
	// InfiniteRx is infinite_rx=N with N > 0: each rx queue loads its
	// whole file into mbufs at setup and replays it forever.
	InfiniteRx bool
	// RxIface says the device receives from an interface (rx_iface,
	// rx_iface_in or iface), not from files.
	RxIface bool
}

// ParseNetPcapArgs reads the arguments after a net_pcap device's name
// ("rx_pcap=in.pcap,infinite_rx=1"), as the driver does.
func ParseNetPcapArgs(args string) NetPcapArgs {
	var a NetPcapArgs
	for _, kv := range strings.Split(args, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch strings.TrimSpace(k) {
		case "rx_pcap":
			a.RxPcap = append(a.RxPcap, v)
		case "tx_pcap":
			a.TxPcap = append(a.TxPcap, v)
		case "rx_iface", "rx_iface_in", "iface":
			a.RxIface = true
		case "infinite_rx":
			n, _ := strconv.Atoi(v) // the driver uses atoi
			a.InfiniteRx = n > 0
		}
	}
	return a
}

// IsNetPcap reports whether a device name ("net_pcap0", "eth_pcap1")
// is one of net_pcap's.
func IsNetPcap(name string) bool {
	for _, p := range []string{"net_pcap", "eth_pcap"} {
		if rest, ok := strings.CutPrefix(name, p); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

// CheckRx scans path, an rx_pcap file, and refuses what net_pcap would
// mishandle: a corrupt file, a record longer than MaxNetPcapLen (give the
// driver a copy without them: Filter), and with infinite is set, a file
// with no records or a record longer than segRoom, the bytes one mbuf
// holds (net_pcap refuses chains there). A file cut short is not an
// error, nor a record with a captured length over its length (libpcap
// reads it): Info says so.
func CheckRx(path string, infinite bool, segRoom int) (Info, error) {
	in, err := Scan(path)
	if err != nil {
		return in, err
	}
	switch {
	case in.Over > 0:
		return in, fmt.Errorf("%s: record %d is %d bytes (%d of its records are over %d): net_pcap keeps a frame's length in 16 bits and would hand on a cut frame or a broken mbuf chain for it; give it a copy of the file without them (zcnic fwd and rxonly make one and count them as dropped, %s)", path, in.OverAt, in.MaxLen, in.Over, MaxNetPcapLen, DropName)
	case infinite && in.Records == 0:
		return in, fmt.Errorf("%s holds no packets: infinite_rx=1 has nothing to replay (and net_pcap would lose mbufs polling it)", path)
	case infinite && in.MaxLen > segRoom:
		return in, fmt.Errorf("%s: record %d is %d bytes, more than one mbuf holds (%d): infinite_rx=1 replays only frames that fit one mbuf", path, in.MaxAt, in.MaxLen, segRoom)
	}
	return in, nil
}

// DropName is the drop reason zcnic counts the records Filter leaves
// out under.
const DropName = "over_65535"

// Filter writes to dst, which must not exist, a copy of the capture file
// src without its records longer than max bytes, and returns how many
// records it kept and left out. Every other block or record is copied as
// it is; a record the file ends inside is left out with what follows.
// src must have passed Scan. dst is removed again on an error.
func Filter(src, dst string, max int) (kept, skipped int, err error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, 0, err
	}
	w := bufio.NewWriterSize(out, 1<<16)
	kept, skipped, err = filter(bufio.NewReaderSize(in, 1<<16), w, max)
	if err == nil {
		err = w.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return 0, 0, fmt.Errorf("copying %s without its records over %d bytes to %s: %w", src, max, dst, err)
	}
	return kept, skipped, nil
}

func filter(r *bufio.Reader, w io.Writer, max int) (kept, skipped int, err error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return 0, 0, err
	}
	le, be := binary.LittleEndian.Uint32(magic[:]), binary.BigEndian.Uint32(magic[:])
	switch {
	case le == 0xa1b2c3d4 || be == 0xa1b2c3d4 || le == 0xa1b23c4d || be == 0xa1b23c4d:
		return filterPcap(r, w, magic, le == 0xa1b2c3d4 || le == 0xa1b23c4d, max)
	case le == ngSHB:
		return filterNG(r, w, magic, max)
	}
	return 0, 0, errors.New("not a pcap or pcapng file")
}

func filterPcap(r *bufio.Reader, w io.Writer, magic [4]byte, little bool, max int) (kept, skipped int, err error) {
	var order binary.ByteOrder = binary.BigEndian
	if little {
		order = binary.LittleEndian
	}
	var h [24]byte
	copy(h[:], magic[:])
	if _, err := io.ReadFull(r, h[4:]); err != nil {
		return 0, 0, err
	}
	if _, err := w.Write(h[:]); err != nil {
		return 0, 0, err
	}
	minor := order.Uint16(h[6:8])
	snap := snapshot(order.Uint32(h[16:20]))
	buf := make([]byte, 16+MaxCapLen)
	for {
		if _, err := io.ReadFull(r, buf[:16]); err != nil {
			return kept, skipped, nil // the end, or a record cut short
		}
		caplen, origlen := order.Uint32(buf[8:12]), order.Uint32(buf[12:16])
		if minor < 3 || minor == 3 && caplen > origlen { // as Scan
			caplen = origlen
		}
		if caplen > MaxCapLen {
			return kept, skipped, fmt.Errorf("record %d: captured length %d is impossible", kept+skipped+1, caplen)
		}
		if _, err := io.ReadFull(r, buf[16:16+caplen]); err != nil {
			return kept, skipped, nil
		}
		if int(min(caplen, snap)) > max { // what libpcap will read of it
			skipped++
			continue
		}
		if _, err := w.Write(buf[:16+caplen]); err != nil {
			return kept, skipped, err
		}
		kept++
	}
}

func filterNG(r *bufio.Reader, w io.Writer, first [4]byte, max int) (kept, skipped int, err error) {
	var order binary.ByteOrder = binary.LittleEndian
	var buf []byte
	haveType := true
	for {
		hdr := make([]byte, 12)
		copy(hdr, first[:])
		if !haveType {
			if _, err := io.ReadFull(r, hdr[:4]); err != nil {
				return kept, skipped, nil
			}
		}
		haveType = false
		if _, err := io.ReadFull(r, hdr[4:8]); err != nil {
			return kept, skipped, nil
		}
		btype := order.Uint32(hdr[0:4])
		if btype == ngSHB {
			if _, err := io.ReadFull(r, hdr[8:12]); err != nil {
				return kept, skipped, nil
			}
			if binary.BigEndian.Uint32(hdr[8:12]) == 0x1a2b3c4d {
				order = binary.BigEndian
			} else {
				order = binary.LittleEndian
			}
			btype = ngSHB
		}
		blen := order.Uint32(hdr[4:8])
		if blen < 12 || blen%4 != 0 || blen > 1<<28 {
			return kept, skipped, fmt.Errorf("pcapng block of type %d has an impossible length %d", btype, blen)
		}
		if cap(buf) < int(blen) {
			buf = make([]byte, blen)
		}
		b := buf[:blen]
		n := copy(b, hdr[:8])
		if btype == ngSHB {
			n = copy(b, hdr[:12])
		}
		if _, err := io.ReadFull(r, b[n:]); err != nil {
			return kept, skipped, nil
		}
		if btype == ngEPB || btype == ngSPB || btype == ngPB {
			var caplen uint32
			if btype == ngSPB {
				caplen = min(order.Uint32(b[8:12]), blen-16)
			} else if blen >= 28 {
				caplen = order.Uint32(b[20:24])
			}
			if int(caplen) > max {
				skipped++
				continue
			}
			kept++
		}
		if _, err := w.Write(b); err != nil {
			return kept, skipped, err
		}
	}
}
