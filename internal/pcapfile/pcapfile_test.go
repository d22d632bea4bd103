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
	assert.Equal(t, Info{Format: Pcap}, in, "a header-only file has no records")
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

	b = file(60)
	binary.LittleEndian.PutUint32(b[24+12:], 20) // original length below caplen
	_, err = scan(t, b)
	assert.ErrorContains(t, err, "captured length 60 is more than the packet's length 20")
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
	_, err := CheckRx(big, false, 2048)
	assert.ErrorContains(t, err, "record 2 is 80054 bytes: net_pcap keeps a frame's length in 16 bits")
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
	in, err := CheckRx(jumbo, true, 9000)
	require.NoError(t, err)
	assert.Equal(t, 2, in.Records)
}
