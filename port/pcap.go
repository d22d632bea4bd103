package port

// Everything zcnic does about net_pcap: the rx_pcap files are checked at
// Configure, before the driver reads them.

import (
	"fmt"

	"github.com/zcnic/zcnic/internal/pcapfile"
	"github.com/zcnic/zcnic/mbuf"
)

func init() {
	driverConfigure["net_pcap"] = (*Port).checkPcapRx
}

// checkPcapRx checks a net_pcap port's rx_pcap files before its rx
// queues are set up, refusing what the driver would mishandle (see
// pcapfile.CheckRx). With infinite_rx each queue loads its whole file
// into mbufs of its pool at setup; a pool too small for that fails the
// setup in a way that leaves DPDK 22.11's net_pcap with a freed ring it
// frees again on close (a crash, here or at EAL cleanup), so that is
// refused here, before the driver is called.
func (p *Port) checkPcapRx(cfg Config, need map[*mbuf.Pool]int) error {
	a := pcapfile.ParseNetPcapArgs(cDevArgs(p.id))
	held := map[*mbuf.Pool]int{}
	for q := 0; q < cfg.RxQueues && q < len(a.RxPcap); q++ {
		pool := p.rxPool(cfg, q)
		in, err := pcapfile.CheckRx(a.RxPcap[q], a.InfiniteRx, pool.DataRoom()-mbuf.Headroom)
		if err != nil {
			return fmt.Errorf("rx queue %d: %w", q, err)
		}
		if a.InfiniteRx {
			held[pool] += in.Records
		}
	}
	for pool, n := range held {
		if free := pool.Available(); free < n+need[pool] {
			return fmt.Errorf("infinite_rx=1 keeps every packet of its rx_pcap files in mbufs (%d), but mempool %s has %d free of %d: it needs %d or more, with its descriptors (%d)",
				n, pool.Name(), free, pool.Count(), n+need[pool], need[pool])
		}
	}
	return nil
}
