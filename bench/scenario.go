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
	// Burst, if not 0, replaces the run's burst size for both programs.
	Burst int
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

// Scenarios are S1 to S4 and S1b; pcap is S3's input file.
func Scenarios(pcap string) []Scenario {
	return []Scenario{
		{ID: "S1", Title: "net_null pair, io", Unit: UnitMpps, VDevs: []string{"net_null0", "net_null1"}, Mode: "io"},
		// What a bigger burst alone gives testpmd, beside what zcnic's
		// vectors give it.
		{ID: "S1b", Title: "net_null pair, io, burst 128", Unit: UnitMpps, VDevs: []string{"net_null0", "net_null1"}, Mode: "io", Burst: 128},
		{ID: "S2", Title: "net_null pair, macswap", Unit: UnitMpps, VDevs: []string{"net_null0", "net_null1"}, Mode: "macswap"},
		{ID: "S3", Title: "net_pcap mixed replay -> 5tswap -> net_null", Unit: UnitMpps,
			VDevs: []string{"net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1", "net_null0,no-rx=1"}, Mode: "5tswap"},
		{ID: "S4", Title: "two netns over net_tap, io, iperf3 TCP", Unit: UnitGbps,
			VDevs: []string{"net_tap0,iface=" + TapA, "net_tap1,iface=" + TapB}, Mode: "io", Namespaces: true},
	}
}

// ScenarioIDs are the IDs of Scenarios, in order.
func ScenarioIDs() []string {
	var ids []string
	for _, s := range Scenarios("") {
		ids = append(ids, s.ID)
	}
	return ids
}
