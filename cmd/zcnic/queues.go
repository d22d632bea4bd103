package main

import (
	"flag"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/port"
)

// maxQueues bounds --rxq and --txq (RTE_MAX_QUEUES_PER_PORT is 1024;
// a driver's own limit is checked when the port is configured).
const maxQueues = 1024

// rssWanted is what --rxq above 1 asks of a port's RSS: IP addresses
// and TCP/UDP ports, so that a flow stays on one queue.
const rssWanted = port.RSSIP | port.RSSUDP | port.RSSTCP

// queueFlags are dpdk-testpmd's --rxq, --txq and --nb-cores: how many
// queues each port has and how many worker lcores forward.
type queueFlags struct {
	rxq, txq, nbCores int
}

func (q *queueFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&q.rxq, "rxq", 1, "rx queues per port, as dpdk-testpmd's --rxq: spread over the forwarding lcores, one poller each, with RSS (IP and TCP/UDP ports) where the driver offers it")
	fs.IntVar(&q.txq, "txq", 0, "tx queues per port, as dpdk-testpmd's --txq: each forwarding lcore sends on its own, so it must be their number (0: that number)")
	fs.IntVar(&q.nbCores, "nb-cores", 0, "forwarding lcores, as dpdk-testpmd's --nb-cores: the first N worker lcores of --lcores (0: every worker lcore that gets a queue)")
}

// check checks the flags on their own, before EAL starts.
func (q *queueFlags) check() error {
	switch {
	case q.rxq < 1 || q.rxq > maxQueues:
		return usagef("--rxq %d: must be 1 to %d", q.rxq, maxQueues)
	case q.txq < 0 || q.txq > maxQueues:
		return usagef("--txq %d: must be 1 to %d (0: one per forwarding lcore)", q.txq, maxQueues)
	case q.nbCores < 0:
		return usagef("--nb-cores %d is negative", q.nbCores)
	}
	return nil
}

// forwarders picks the forwarding lcores among the EAL's loop lcores
// for n rx sources (the queues they will poll): --nb-cores of them, or
// as many as there are sources to poll.
func (q *queueFlags) forwarders(n int) ([]uint, error) {
	lcores := app.LoopLcores()
	k := min(len(lcores), n)
	if q.nbCores > 0 {
		if q.nbCores > len(lcores) {
			return nil, usagef("--nb-cores %d: --lcores leaves %d lcore(s) to forward on (%s); name more, several may share a CPU: --lcores 0@0,1@1,2@0,3@1", q.nbCores, len(lcores), joinLcores(lcores))
		}
		if q.nbCores > n {
			return nil, usagef("--nb-cores %d: there are %d rx queues to poll (ports x --rxq); a forwarding lcore needs one: give --rxq %d or more", q.nbCores, n, (q.nbCores+n-1)/n*q.rxq)
		}
		k = q.nbCores
	}
	if q.txq != 0 && q.txq != k {
		return nil, usagef("--txq %d: each of the %d forwarding lcores sends on a tx queue of its own on every port, so there are %d; give --txq %d or --nb-cores %d", q.txq, k, k, k, q.txq)
	}
	return lcores[:k], nil
}

// layout lays out the loops of a forwarding run over ports ports.
func (q *queueFlags) layout(ports int) ([]app.LcoreConfig, error) {
	fw, err := q.forwarders(ports * q.rxq)
	if err != nil {
		return nil, err
	}
	return app.SpreadQueues(allPorts(ports), q.rxq, fw), nil
}

// rss turns RSS on for every port when there is more than one rx
// queue: the hash functions of rssWanted the driver offers. A driver
// that offers none (net_af_packet, whose kernel fanout spreads flows
// itself) gets none; the summary says what each took.
func (q *queueFlags) rss(ports []app.PortConfig) error {
	if q.rxq <= 1 {
		return nil
	}
	for i := range ports {
		p, err := port.Open(ports[i].Device)
		if err != nil {
			return fmt.Errorf("port %d: %w", i, err)
		}
		in, err := p.Info()
		if err != nil {
			return fmt.Errorf("port %d: %w", i, err)
		}
		ports[i].RSSHash = rssWanted & in.RSSCapa
	}
	return nil
}

// shareCPUs is the default lcore layout when loops forwarding lcores
// are asked for (--txq, --nb-cores) and --lcores is not given: every CPU
// this process may use, the lowest as the main lcore; and when that
// leaves fewer worker CPUs than loops, lcores 1 to loops dealt over the
// worker CPUs (or the one CPU there is), with a warning, so that
// `zcnic fwd --rxq 2 --txq 2` runs its two loops on a 2-CPU machine or
// container. Lcores that share a CPU take turns on it: right for tests,
// not for speed. It returns nil, nil (EAL's default, every CPU) when no
// CPU has to be shared.
func shareCPUs(e *env, loops int) ([]uint, map[uint]int) {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return nil, nil
	}
	var cpus []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	if len(cpus) == 0 || len(cpus)-1 >= loops {
		return nil, nil
	}
	workers := cpus[1:]
	if len(workers) == 0 {
		workers = cpus
	}
	lcores := []uint{0}
	m := map[uint]int{0: cpus[0]}
	var spec []string
	spec = append(spec, fmt.Sprintf("0@%d", cpus[0]))
	for l := 1; l <= loops; l++ {
		cpu := workers[(l-1)%len(workers)]
		lcores = append(lcores, uint(l))
		m[uint(l)] = cpu
		spec = append(spec, fmt.Sprintf("%d@%d", l, cpu))
	}
	fmt.Fprintf(e.stderr, "zcnic: WARNING: %d forwarding lcores on %d worker CPU(s): they share them (--lcores %s), which is for tests, not speed; name --lcores to choose\n",
		loops, len(cpus)-1, strings.Join(spec, ","))
	return lcores, m
}

func joinLcores(l []uint) string {
	s := ""
	for i, id := range l {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(id)
	}
	return s
}
