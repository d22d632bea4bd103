package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/zcnic/zcnic/internal/pcapfile/libpcap"
)

// FuzzScan feeds truncated and corrupt capture files to zcnic's scan and
// to libpcap (what net_pcap reads with). The scan must never panic or
// hang, must fail with a one-line error wrapping ErrCorrupt, and when it
// accepts a classic pcap file libpcap must read the same records: all of
// them with no error, or, for a file it reports cut short, the complete
// ones and then an error.
func FuzzScan(f *testing.F) {
	f.Add(file(60, 1514, 60))
	f.Add(file(60, 1514, 60)[:100])
	f.Add(file())
	f.Add(ngFile(60, 1514))
	f.Add(ngFile(60, 1514)[:70])
	bad := file(60, 60, 60)
	binary.LittleEndian.PutUint32(bad[24+8:], 0x7fffffff)
	f.Add(bad)
	be := file(64)
	copy(be[0:4], []byte{0xa1, 0xb2, 0xc3, 0xd4})
	f.Add(be)
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := ScanReader("fuzz.pcap", bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		if in.Format == PcapNG {
			return // libpcap's pcapng reader checks more (interfaces); zcnic only counts
		}
		lp := libpcap.Read(b, in.Records+2)
		if lp.OpenFailed {
			// libpcap also refuses some headers zcnic reads (version 2.x
			// minor numbers it does not know): nothing is replayed then.
			return
		}
		if lp.Records != in.Records {
			t.Fatalf("zcnic counts %d records, libpcap reads %d (error %v); info %+v", in.Records, lp.Records, lp.Error, in)
		}
		if lp.Error != in.Truncated {
			t.Fatalf("libpcap error %v, zcnic truncated %v; info %+v", lp.Error, in.Truncated, in)
		}
	})
}
