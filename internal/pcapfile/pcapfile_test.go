package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/internal/pcapfile/libpcap"
)

// file builds a little-endian classic pcap file of records with the
// given captured lengths (original length the same).
func file(lens ...int) []byte {
	var b bytes.Buffer
	h := make([]byte, 24)
	le := binary.LittleEndian
	le.PutUint32(h[0:], 0xa1b2c3d4)
	le.PutUint16(h[4:], 2)
	le.PutUint16(h[6:], 4)
	le.PutUint32(h[16:], 262144)
	le.PutUint32(h[20:], 1)
	b.Write(h)
	for i, n := range lens {
		r := make([]byte, 16)
		le.PutUint32(r[0:], uint32(1700000000+i))
		le.PutUint32(r[8:], uint32(n))
		le.PutUint32(r[12:], uint32(n))
		b.Write(r)
		b.Write(bytes.Repeat([]byte{byte(i)}, n))
	}
	return b.Bytes()
}

// ngFile builds a pcapng file: a section header, an interface and an
// enhanced packet block per length.
func ngFile(lens ...int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	block := func(t uint32, body []byte) {
		n := 12 + len(body)
		pad := (4 - len(body)%4) % 4
		n += pad
		var h [8]byte
		le.PutUint32(h[0:], t)
		le.PutUint32(h[4:], uint32(n))
		b.Write(h[:])
		b.Write(body)
		b.Write(make([]byte, pad))
		var tr [4]byte
		le.PutUint32(tr[:], uint32(n))
		b.Write(tr[:])
	}
	shb := make([]byte, 16)
	le.PutUint32(shb[0:], 0x1a2b3c4d)
	le.PutUint16(shb[4:], 1)
	le.PutUint64(shb[8:], ^uint64(0))
	block(0x0a0d0d0a, shb)
	idb := make([]byte, 8)
	le.PutUint16(idb[0:], 1)
	le.PutUint32(idb[4:], 262144)
	block(1, idb)
	for _, n := range lens {
		epb := make([]byte, 20+n)
		le.PutUint32(epb[12:], uint32(n))
		le.PutUint32(epb[16:], uint32(n))
		block(6, epb)
	}
	return b.Bytes()
}

func scan(t *testing.T, b []byte) (Info, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.pcap")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return Scan(p)
}

func TestScanCounts(t *testing.T) {
	for _, f := range []struct {
		name string
		b    []byte
	}{{"pcap", file(60, 1514, 9000, 60)}, {"pcapng", ngFile(60, 1514, 9000, 60)}} {
		in, err := scan(t, f.b)
		require.NoError(t, err, f.name)
		assert.Equal(t, 4, in.Records, f.name)
		assert.Equal(t, 60, in.MinLen, f.name)
		assert.Equal(t, 9000, in.MaxLen, f.name)
		assert.Equal(t, 3, in.MaxAt, f.name)
		assert.False(t, in.Truncated, f.name)
		// libpcap, what net_pcap reads with, agrees.
		lp := libpcap.Read(f.b, 1<<20)
		assert.Equal(t, libpcap.Result{Records: 4, MaxLen: 9000}, lp, f.name)
	}
	in, err := scan(t, file())
	require.NoError(t, err)
	assert.Equal(t, Info{Format: Pcap, SnapLen: 262144}, in, "a header-only file has no records")
}

// A file cut mid-record is reported with the records before the cut,
// which is what libpcap delivers before its error.
func TestScanTruncated(t *testing.T) {
	full := file(100, 200, 300)
	for _, cut := range []int{24 + 116 + 216 + 5, 24 + 116 + 216 + 16 + 299, 24 + 116 + 3} {
		b := full[:cut]
		in, err := scan(t, b)
		require.NoError(t, err, "cut at %d", cut)
		assert.True(t, in.Truncated, "cut at %d", cut)
		lp := libpcap.Read(b, 1<<20)
		assert.Equal(t, lp.Records, in.Records, "cut at %d: the complete records", cut)
		assert.True(t, lp.Error, "libpcap fails on the cut record")
		assert.Contains(t, in.Truncation(), "the file was cut short")
	}
	ng := ngFile(100, 200)
	in, err := scan(t, ng[:len(ng)-3])
	require.NoError(t, err)
	assert.True(t, in.Truncated)
	assert.Equal(t, 1, in.Records)
}

// A record with an impossible length is an error: libpcap would fail on
// it and then read the bytes after its header as records.
func TestScanImpossibleLength(t *testing.T) {
	b := file(60, 60, 60, 60, 60, 60, 60, 60)
	binary.LittleEndian.PutUint32(b[24+76+8:], 0x7fffffff) // record 2's caplen
	_, err := scan(t, b)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrCorrupt))
	assert.Contains(t, err.Error(), "record 2 (at byte 100): captured length 2147483647 is impossible (at most 262144)")
	lp := libpcap.Read(b, 1<<20)
	assert.Equal(t, 1, lp.Records)
	assert.True(t, lp.Error)

}

// A record whose captured length is more than its length is read by
// libpcap (and so replayed by net_pcap) as it is: it is counted, not
// refused (tcpdump's tests/pim_header_asan-2.pcap has one).
func TestScanCapLenOverLen(t *testing.T) {
	b := file(60, 70, 80)
	binary.LittleEndian.PutUint32(b[24+76+12:], 20) // record 2: original length below caplen
	in, err := scan(t, b)
	require.NoError(t, err)
	assert.Equal(t, 3, in.Records)
	assert.Equal(t, 1, in.CapOverLen)
	assert.Equal(t, 2, in.CapOverLenAt)
	lp := libpcap.Read(b, 10)
	assert.Equal(t, libpcap.Result{Records: 3, MaxLen: 80}, lp, "libpcap reads all three")

	ng := ngFile(60, 70)
	// The second EPB's original length (its offset: SHB 28, IDB 20,
	// EPB of 60 bytes 92; then 8 + 16 into the block).
	binary.LittleEndian.PutUint32(ng[28+20+92+24:], 10)
	in, err = scan(t, ng)
	require.NoError(t, err)
	assert.Equal(t, 2, in.Records)
	assert.Equal(t, 1, in.CapOverLen)
	assert.Equal(t, 2, in.CapOverLenAt)
}

func TestScanNotACapture(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":      nil,
		"short":      {0xd4, 0xc3},
		"text":       []byte("hello, this is not a pcap file at all"),
		"header cut": file()[:20],
	} {
		_, err := scan(t, b)
		require.Error(t, err, name)
		assert.True(t, errors.Is(err, ErrCorrupt), name)
		assert.False(t, strings.Contains(err.Error(), "\n"), "one line")
	}
	_, err := Scan(filepath.Join(t.TempDir(), "missing.pcap"))
	assert.True(t, errors.Is(err, os.ErrNotExist))
	_, err = Scan(t.TempDir())
	assert.ErrorContains(t, err, "not a regular file")
}

func TestParseNetPcapArgs(t *testing.T) {
	a := ParseNetPcapArgs("rx_pcap=a.pcap,tx_pcap=b.pcap,rx_pcap=c.pcap,infinite_rx=1")
	assert.Equal(t, NetPcapArgs{RxPcap: []string{"a.pcap", "c.pcap"}, TxPcap: []string{"b.pcap"}, InfiniteRx: true}, a)
	assert.False(t, ParseNetPcapArgs("rx_pcap=a,infinite_rx=0").InfiniteRx)
	assert.True(t, IsNetPcap("net_pcap0"))
	assert.True(t, IsNetPcap("eth_pcap12"))
	assert.False(t, IsNetPcap("net_pcap"))
	assert.False(t, IsNetPcap("net_pcapx0"))
}

func TestCheckRx(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	big := write("big.pcap", file(60, 80054))
	in, err := CheckRx(big, false, 2048)
	assert.ErrorContains(t, err, "record 2 is 80054 bytes (1 of its records are over 65535): net_pcap keeps a frame's length in 16 bits")
	assert.ErrorContains(t, err, "give it a copy of the file without them")
	assert.Equal(t, 1, in.Over)
	assert.Equal(t, 2, in.OverAt)
	_, err = CheckRx(write("max.pcap", file(65535)), false, 2048)
	assert.NoError(t, err, "65535 bytes are replayed")

	empty := write("empty.pcap", file())
	_, err = CheckRx(empty, false, 2048)
	assert.NoError(t, err)
	_, err = CheckRx(empty, true, 2048)
	assert.ErrorContains(t, err, "holds no packets: infinite_rx=1 has nothing to replay")

	jumbo := write("jumbo.pcap", file(64, 9000))
	_, err = CheckRx(jumbo, false, 2048)
	assert.NoError(t, err, "chains are fine without infinite_rx")
	_, err = CheckRx(jumbo, true, 2048)
	assert.ErrorContains(t, err, "record 2 is 9000 bytes, more than one mbuf holds (2048)")
	in, err = CheckRx(jumbo, true, 9000)
	require.NoError(t, err)
	assert.Equal(t, 2, in.Records)
}

// libpcap reads a record longer than the file's snapshot length cut to
// it (21 of tcpdump's test captures have such records, e.g.
// tests/aoe-oobr-1.pcap: snapshot length 31, a record of 34 bytes):
// Scan counts them and gives the lengths libpcap reads, and Filter keeps
// a long record that libpcap reads cut to 65535 or less.
func TestScanOverSnapLen(t *testing.T) {
	b := file(60, 100, 40)
	binary.LittleEndian.PutUint32(b[16:], 50) // the header's snapshot length
	in, err := scan(t, b)
	require.NoError(t, err)
	assert.Equal(t, 50, in.SnapLen)
	assert.Equal(t, 2, in.OverSnap)
	assert.Equal(t, 1, in.OverSnapAt)
	assert.Equal(t, 50, in.MaxLen, "the length libpcap reads")
	assert.Equal(t, libpcap.Result{Records: 3, MaxLen: 50}, libpcap.Read(b, 10))
	for _, snap := range []uint32{0, 300000} {
		binary.LittleEndian.PutUint32(b[16:], snap) // libpcap reads 0 or too much as 262144
		in, err = scan(t, b)
		require.NoError(t, err)
		assert.Equal(t, 262144, in.SnapLen)
		assert.Zero(t, in.OverSnap)
		assert.Equal(t, libpcap.Result{Records: 3, MaxLen: 100}, libpcap.Read(b, 10))
	}

	b = file(60, 80054)
	binary.LittleEndian.PutUint32(b[16:], 65535)
	in, err = scan(t, b)
	require.NoError(t, err)
	assert.Zero(t, in.Over, "libpcap reads 65535 bytes of it")
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	require.NoError(t, os.WriteFile(src, b, 0o644))
	kept, skipped, err := Filter(src, dst, MaxNetPcapLen)
	require.NoError(t, err)
	assert.Equal(t, 2, kept)
	assert.Zero(t, skipped)
}

// Filter copies a file without its records over the limit, both formats,
// and libpcap reads the copy: the records kept, in order, with their
// bytes.
func TestFilter(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []struct {
		name string
		b    []byte
	}{
		{"pcap", file(60, 80054, 1514, 65536, 65535)},
		{"pcapng", ngFile(60, 80054, 1514, 65536, 65535)},
	} {
		src := filepath.Join(dir, f.name+".in")
		require.NoError(t, os.WriteFile(src, f.b, 0o644))
		dst := filepath.Join(dir, f.name+".out")
		kept, skipped, err := Filter(src, dst, MaxNetPcapLen)
		require.NoError(t, err, f.name)
		assert.Equal(t, 3, kept, f.name)
		assert.Equal(t, 2, skipped, f.name)
		in, err := Scan(dst)
		require.NoError(t, err, f.name)
		assert.Equal(t, 3, in.Records, f.name)
		assert.Equal(t, 0, in.Over, f.name)
		assert.Equal(t, 65535, in.MaxLen, f.name)
		got, err := os.ReadFile(dst)
		require.NoError(t, err)
		assert.Equal(t, libpcap.Result{Records: 3, MaxLen: 65535}, libpcap.Read(got, 10), f.name)
		// The kept records are the original's, byte for byte.
		if f.name == "pcap" {
			// The header, then records 0, 2 and 4 of the input.
			want := append(file()[:24:24], recordOf(f.b, 0)...)
			want = append(want, recordOf(f.b, 2)...)
			want = append(want, recordOf(f.b, 4)...)
			assert.Equal(t, want, got, "the copy holds the kept records as they were")
		}
		// dst exists now: Filter never overwrites.
		_, _, err = Filter(src, dst, MaxNetPcapLen)
		assert.ErrorIs(t, err, os.ErrExist, f.name)
	}
}

// recordOf returns record i (from 0) of a classic pcap file, header
// and bytes.
func recordOf(b []byte, i int) []byte {
	off := 24
	for {
		n := int(binary.LittleEndian.Uint32(b[off+8:]))
		if i == 0 {
			return b[off : off+16+n]
		}
		off += 16 + n
		i--
	}
}
