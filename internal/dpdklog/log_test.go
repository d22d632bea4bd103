package dpdklog

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"open_single_rx_pcap(): Couldn't open in.pcap: in.pcap: No such file or directory": "Couldn't open in.pcap: No such file or directory",
		"open_single_rx_pcap(): Couldn't open x.pcap: unknown file format":                 "Couldn't open x.pcap: unknown file format",
		`EAL: failed to parse device "net_bogus0"`:                                         `failed to parse device "net_bogus0"`,
		"open_single_tx_pcap(): Couldn't open /no/out.pcap for writing.":                   "Couldn't open /no/out.pcap for writing.",
	} {
		assert.Equal(t, want, Clean(in), in)
	}
}

func TestLevel(t *testing.T) {
	assert.Equal(t, "ERROR", Level(4).String())
	assert.Equal(t, "WARN", Level(5).String())
	assert.Equal(t, "INFO", Level(6).String())
	assert.Equal(t, "DEBUG", Level(8).String())
}
