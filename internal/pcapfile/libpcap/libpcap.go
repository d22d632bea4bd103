// Package libpcap reads a capture file with libpcap, the reader DPDK's
// net_pcap uses: the oracle that the tests of package pcapfile compare
// zcnic's own scan with.
package libpcap

/*
#cgo pkg-config: libpcap
#include <stdlib.h>
#include "libpcap.h"
*/
import "C"

import "unsafe"

// Result is what libpcap made of a file.
type Result struct {
	// OpenFailed: libpcap refused the file header.
	OpenFailed bool
	// Records is how many packets libpcap returned before it stopped.
	Records int
	// Error: it stopped on an error, not at the end of the file.
	Error bool
	// MaxLen is the longest captured length it returned.
	MaxLen int
}

// Read reads the capture file b as net_pcap does, up to limit packets.
func Read(b []byte, limit int) Result {
	var out C.struct_zc_pcap_read
	p := C.CBytes(b)
	defer C.free(p)
	C.zc_pcap_read_mem(unsafe.Pointer(p), C.size_t(len(b)), C.int(limit), &out)
	return Result{OpenFailed: out.open_failed != 0, Records: int(out.records), Error: out.error != 0, MaxLen: int(out.max_len)}
}
