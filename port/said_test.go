package port

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The keys a driver's plugin declares, and those of a devargs string it
// does not: found from the plugin's own string, also where it runs
// keys together (net_memif's "role=server|clientbsize=<int>").
func TestDriverParamsAndUnknownKeys(t *testing.T) {
	p := DriverParams("net_pcap0,rx_pcap=in.pcap")
	assert.Contains(t, p, "rx_pcap=<string>")
	assert.Contains(t, p, "infinite_rx=")
	assert.Equal(t, p, DriverParams("net_pcap7"))
	assert.Empty(t, DriverParams("net_bogus0"), "no driver of that name")

	assert.Nil(t, UnknownKeys("net_pcap0,rx_pcap=a.pcap,infinite_rx=1"))
	assert.Equal(t, []string{"rx_pacp"}, UnknownKeys("net_pcap0,rx_pacp=a.pcap"))
	assert.Equal(t, []string{"sise", "nope"}, UnknownKeys("net_null0,sise=64,no-rx=1,nope=2"))
	assert.Nil(t, UnknownKeys("net_memif0,role=server,bsize=2048,socket-abstract=no,zero-copy=yes"))
	assert.Nil(t, UnknownKeys("net_bogus0,x=1"), "an unknown driver's keys are not judged")
	assert.Nil(t, UnknownKeys("net_null0"))
}
