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
	// MaxRounds, if not 0, caps the rounds of this scenario (the
	// two-process ones take twice a forwarder's time a run).
	MaxRounds int
	// Pair, if set, makes the scenario two processes of each program
	// instead of one forwarder: a receiver on Pair.Rx and a sender on
	// Pair.Tx (VDevs and Mode are unused). The value is what the
	// receiver received per second.
	Pair *Pair
	// Flags are more flags for zcnic fwd in this scenario (S5's rules).
	Flags []string
	// Lcores, if set, is EAL's --lcores map (lcore@cpu, lcore 0 the main
	// one) for both programs instead of the run's main and forwarding
	// lcores (S10).
	Lcores string
	// Queues, if not 0, is the forwarding lcores and the rx and tx
	// queues per port, for both programs (testpmd --nb-cores --rxq
	// --txq, zcnic fwd --nb-cores --rxq --txq); 0 is one lcore on the
	// ports' first queues.
	Queues int
}

// Pair is a two-process scenario: testpmd's rxonly against its txonly,
// and zcnic rxonly against zcnic gen, on the same devices.
type Pair struct {
	Rx, Tx string // the receiver's and the sender's --vdev
	// Veth: Rx and Tx are the two ends of a veth pair (VethA, VethB) with
	// one queue each way, created for the run.
	Veth bool
	// SingleFileSegments: the sender's EAL needs --single-file-segments
	// (a zero-copy memif client, virtio-user); zcnic adds it by itself.
	SingleFileSegments bool
}

// Tap interface names and the namespace addresses of S4 (198.18.0.0/15
// is the benchmarking range).
const (
	TapA, TapB = "zbt0", "zbt1"
	AddrA      = "198.18.100.1"
	AddrB      = "198.18.100.2"
)

// VethA and VethB are the veth ends of S6 (receiver, sender); MemifSock
// and VhostSock the control sockets of S7, in the runner's directory.
const (
	VethA, VethB = "zbv6a", "zbv6b"
	MemifSock    = "zbench-memif.sock"
	VhostSock    = "zbench-vhost.sock"
)

// Scenarios are S1 to S7, S1L and S1b; pcap is S3's input file.
func Scenarios(pcap string) []Scenario {
	return []Scenario{
		{ID: "S1", Title: "net_null pair, io", Unit: UnitMpps, VDevs: []string{"net_null0", "net_null1"}, Mode: "io"},
		// What a bigger burst alone gives testpmd, beside what zcnic's
		// vectors give it.
		// S1 with zcnic's --latency on: what timing every vector costs
		// (testpmd runs plain io, as in S1).
		{ID: "S1L", Title: "net_null pair, io, zcnic --latency", Unit: UnitMpps, VDevs: []string{"net_null0", "net_null1"}, Mode: "io", Flags: []string{"--latency"}},
		{ID: "S1b", Title: "net_null pair, io, burst 128", Unit: UnitMpps, VDevs: []string{"net_null0", "net_null1"}, Mode: "io", Burst: 128},
		{ID: "S2", Title: "net_null pair, macswap", Unit: UnitMpps, VDevs: []string{"net_null0", "net_null1"}, Mode: "macswap"},
		{ID: "S3", Title: "net_pcap mixed replay -> 5tswap -> net_null", Unit: UnitMpps,
			VDevs: []string{"net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1", "net_null0,no-rx=1"}, Mode: "5tswap"},
		{ID: "S4", Title: "two netns over net_tap, io, iperf3 TCP", Unit: UnitGbps,
			VDevs: []string{"net_tap0,iface=" + TapA, "net_tap1,iface=" + TapB}, Mode: "io", Namespaces: true},
		// One process sends 64-byte frames into one end of a veth pair,
		// another receives them from the other end: the kernel's path.
		{ID: "S6a", Title: "veth, af_xdp to af_xdp, two processes", Unit: UnitMpps,
			MaxRounds: pairRounds, Pair: &Pair{Rx: "net_af_xdp0,iface=" + VethA, Tx: "net_af_xdp0,iface=" + VethB, Veth: true}},
		{ID: "S6b", Title: "veth, af_packet to af_packet, two processes", Unit: UnitMpps,
			MaxRounds: pairRounds, Pair: &Pair{Rx: "net_af_packet0,iface=" + VethA, Tx: "net_af_packet0,iface=" + VethB, Veth: true}},
		// Process to process over shared memory: the receiver is the
		// memif server (or the vhost-user side), the sender the client.
		{ID: "S7a", Title: "memif zero-copy client to server, two processes", Unit: UnitMpps,
			MaxRounds: pairRounds, Pair: &Pair{Rx: memif("server", "no"), Tx: memif("client", "yes"), SingleFileSegments: true}},
		{ID: "S7b", Title: "memif copy mode, two processes", Unit: UnitMpps,
			MaxRounds: pairRounds, Pair: &Pair{Rx: memif("server", "no"), Tx: memif("client", "no")}},
		{ID: "S7c", Title: "virtio-user to vhost-user, two processes", Unit: UnitMpps,
			MaxRounds: pairRounds, Pair: &Pair{Rx: "net_vhost0,iface=" + VhostSock + ",queues=1", Tx: "net_virtio_user0,path=" + VhostSock + ",queues=1", SingleFileSegments: true}},
	}
}

// pairRounds caps the rounds of S6 and S7, to keep make bench within
// about 15 minutes.
const pairRounds = 3

func memif(role, zc string) string {
	return "net_memif0,role=" + role + ",zero-copy=" + zc + ",socket=" + MemifSock + ",socket-abstract=no"
}

// ScenarioIDs are the IDs of Scenarios, in order, then S5 (which runs
// after them: its comparison is dpdk-test-acl, not testpmd), S8
// (latency, beside testpmd and a bare join), S9 (beside a C floor) and
// S10 (two lcore counts, its own table).
func ScenarioIDs() []string {
	var ids []string
	for _, s := range Scenarios("") {
		ids = append(ids, s.ID)
	}
	return append(ids, S5, S8, S9, S10)
}

// scenarioByID is the scenario of scs with that ID (the zero Scenario if
// none: the IDs are this file's).
func scenarioByID(scs []Scenario, id string) Scenario {
	for _, s := range scs {
		if s.ID == id {
			return s
		}
	}
	return Scenario{}
}
