package pcapfile

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxNetPcapLen is the longest frame DPDK 22.11's net_pcap replays
// correctly: it passes a record's length to its chaining code as 16 bits,
// so a longer record becomes a chain shorter than its packet length
// (80,054 bytes give 14,518 bytes of segments), which crashes whoever
// walks it.
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
// mishandle: a corrupt file, a record longer than MaxNetPcapLen, and
// with infinite is set, a file with no records or a record longer than
// segRoom, the bytes one mbuf holds (net_pcap refuses chains there). A
// file cut short is not an error: Info says so.
func CheckRx(path string, infinite bool, segRoom int) (Info, error) {
	in, err := Scan(path)
	if err != nil {
		return in, err
	}
	switch {
	case in.MaxLen > MaxNetPcapLen:
		return in, fmt.Errorf("%s: record %d is %d bytes: net_pcap keeps a frame's length in 16 bits and would hand on a broken mbuf chain for it; it replays frames of at most %d bytes", path, in.MaxAt, in.MaxLen, MaxNetPcapLen)
	case infinite && in.Records == 0:
		return in, fmt.Errorf("%s holds no packets: infinite_rx=1 has nothing to replay (and net_pcap would lose mbufs polling it)", path)
	case infinite && in.MaxLen > segRoom:
		return in, fmt.Errorf("%s: record %d is %d bytes, more than one mbuf holds (%d): infinite_rx=1 replays only frames that fit one mbuf", path, in.MaxAt, in.MaxLen, segRoom)
	}
	return in, nil
}
