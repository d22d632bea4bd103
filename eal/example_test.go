package eal_test

import (
	"fmt"

	"github.com/zcnic/zcnic/eal"
)

// Render the EAL argv a Config stands for, without starting anything.
func ExampleConfig_Args() {
	cfg := eal.Config{
		Lcores:     []uint{0},
		NoHuge:     true,
		FilePrefix: "demo",
		VDevs:      []string{"net_ring0", "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"},
	}
	args, err := cfg.Args()
	fmt.Println(args, err)

	cfg.VDevs = []string{"net_pcap0,rx_pcap"}
	_, err = cfg.Args()
	fmt.Println(err)
	// Output:
	// [zcnic -l 0 --main-lcore 0 -m 512 --no-huge --file-prefix demo --no-shconf --vdev net_ring0 --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap --no-pci --no-telemetry] <nil>
	// eal: Config.VDevs: "net_pcap0,rx_pcap": argument "rx_pcap" is not key=value
}

// Run a function on a worker lcore. (eal.Init has been called once, as
// this package's TestMain does.)
func ExampleRun() {
	w := eal.Workers()[0]
	err := eal.Run(w, func() error {
		id, ok := eal.CurrentLcore()
		fmt.Println("on the worker lcore:", ok && id == w)
		return nil
	})
	fmt.Println("error:", err)
	// Output:
	// on the worker lcore: true
	// error: <nil>
}
