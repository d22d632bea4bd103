package bench

// Units of a scenario's values.
const (
	UnitMpps = "Mpps"   // millions of packets transmitted per second, summed over the ports
	UnitGbps = "Gbit/s" // iperf3 TCP goodput, as its receiver saw it
)

// Scenario is one comparison: the same devices and forwarding mode for
// both programs.
type Scenario struct {
	ID    string
	Title string
	Unit  string
	// VDevs are the EAL --vdev arguments, each one a port in order.
	VDevs []string
	// Mode is the forwarding mode: zcnic's --mode and testpmd's
	// --forward-mode.
	Mode string
	// Namespaces: the two ports are net_tap interfaces that join two
	// network namespaces; iperf3 measures TCP through the forwarder.
	Namespaces bool
}

// Tap interface names and the namespace addresses of S4 (198.18.0.0/15
// is the benchmarking range).
const (
	TapA, TapB = "zbt0", "zbt1"
	AddrA      = "198.18.100.1"
	AddrB      = "198.18.100.2"
)

// Scenarios are S1 to S4 of issue 6; pcap is S3's input file.
func Scenarios(pcap string) []Scenario {
	return []Scenario{
		{ID: "S1", Title: "net_null pair, io", Unit: UnitMpps, VDevs: []string{"net_null0", "net_null1"}, Mode: "io"},
		{ID: "S2", Title: "net_null pair, macswap", Unit: UnitMpps, VDevs: []string{"net_null0", "net_null1"}, Mode: "macswap"},
		{ID: "S3", Title: "net_pcap mixed replay -> 5tswap -> net_null", Unit: UnitMpps,
			VDevs: []string{"net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1", "net_null0,no-rx=1"}, Mode: "5tswap"},
		{ID: "S4", Title: "two netns over net_tap, io, iperf3 TCP", Unit: UnitGbps,
			VDevs: []string{"net_tap0,iface=" + TapA, "net_tap1,iface=" + TapB}, Mode: "io", Namespaces: true},
	}
}
