// Command router is a small IPv4 router and filter, written from the
// README and go doc as a first network function: it reads frames from
// one port, drops what is not IPv4, what its firewall blocks and what
// has run out of TTL, and sends the rest out of a second port with the
// TTL decremented (checksum updated) and the MACs rewritten for the next
// hop. Each drop is counted under its own name. It stops at the end of
// its input.
//
//	router --in in.pcap --out out.pcap --gw 02:00:00:00:00:99 --block-tcp 23
//
// prints, for the input its test builds (100 UDP and TCP frames to
// route, one each for the firewall, TTL and a cut-off header, an IPv6
// frame and an ARP request):
//
//	router: 106 in, 100 routed out of net_pcap1 (src 02:70:63:61:70:01, dst 02:00:00:00:00:99)
//	router: dropped: malformed 1, ttl 1, not_ipv4 2, firewall 1
//
// Any two devices work as ports (--in-dev, --out-dev): a net_tap, a
// net_af_packet on a veth, a NIC with --pci. A bad command line exits 2,
// a failed run 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/port"
)

// The router's own drop reasons, counted and named beside the built-in
// ones (app.DropMalformed, app.DropTTL).
var (
	dropNotIPv4  = app.MustDropReason("not_ipv4")
	dropFirewall = app.MustDropReason("firewall")
)

// Ports, as indexes in app.Config.Ports.
const (
	portIn  = 0
	portOut = 1
)

// router holds what the handler needs: the next hop's MAC, the output
// port's own, and the TCP port the firewall blocks.
type router struct {
	gw, self   [6]byte
	blockedTCP uint16
}

// handle gives every packet of a burst its verdict. It runs on the
// loop's lcore, allocates nothing, and touches the bytes in place.
func (r *router) handle(c *app.Ctx, pkts []*mbuf.Mbuf) {
	var p pkt.Parsed
	for i, m := range pkts {
		b := m.Data() // the first segment, in mbuf memory: no copy
		if pkt.ParseLen(b, m.PktLen(), &p) != nil {
			c.Drop(i, app.DropMalformed) // truncated or inconsistent headers
			continue
		}
		if p.L3Proto != pkt.L3IPv4 {
			c.Drop(i, dropNotIPv4) // IPv6, ARP, ...
			continue
		}
		if r.blockedTCP != 0 && p.L4Proto == pkt.ProtoTCP && p.L4Len > 0 &&
			pkt.TCP(b[p.L4Offset:]).DstPort() == r.blockedTCP {
			c.Drop(i, dropFirewall)
			continue
		}
		if !pkt.DecrementTTL(b, &p) { // updates the header checksum
			c.Drop(i, app.DropTTL)
			continue
		}
		eth := pkt.Ethernet(b)
		eth.SetSrc(r.self)
		eth.SetDst(r.gw)
		c.Send(i, portOut)
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("router", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "pcap `FILE` to read (the input port is net_pcap0,rx_pcap=FILE)")
	out := fs.String("out", "", "pcap `FILE` to write (the output port is net_pcap1,tx_pcap=FILE)")
	inDev := fs.String("in-dev", "", "input device `DEVARGS` instead of --in, like net_tap0,iface=zc0")
	outDev := fs.String("out-dev", "", "output device `DEVARGS` instead of --out")
	gw := fs.String("gw", "02:00:00:00:00:01", "next hop's `MAC`: the destination of every routed frame")
	block := fs.Uint("block-tcp", 23, "TCP destination `PORT` the firewall drops (0: none)")
	idle := fs.Duration("idle", time.Second, "stop once the input has received nothing for this long; a pcap input stops at its last record")
	noHuge := fs.Bool("no-huge", false, "run without hugepages (virtual devices only)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "router: "+format+"\n", a...)
		return 2
	}
	if (*in == "") == (*inDev == "") || (*out == "") == (*outDev == "") {
		return usage("give one of --in and --in-dev, and one of --out and --out-dev")
	}
	if *inDev == "" {
		*inDev = "net_pcap0,rx_pcap=" + *in
	}
	if *outDev == "" {
		*outDev = "net_pcap1,tx_pcap=" + *out // tx only: its rx reads nothing
	}
	r := &router{blockedTCP: uint16(*block)}
	var err error
	if r.gw, err = pkt.ParseMAC(*gw); err != nil {
		return usage("--gw %q: %v", *gw, err)
	}
	if *block > 65535 || *idle <= 0 {
		return usage("--block-tcp is 0 to 65535, --idle more than 0")
	}

	var outPort *port.Port
	cfg := app.Config{
		// The zero eal.Config runs in memory with PCI off: copies of this
		// program run side by side. Lcore 0 is main, lcore 1 runs the loop.
		EAL:          eal.Config{Lcores: []uint{0, 1}, NoHuge: *noHuge, LogLevel: "error"},
		Ports:        []app.PortConfig{{Device: *inDev}, {Device: *outDev}},
		StopWhenIdle: *idle,
		// Once the ports are up: our source MAC is the output port's.
		OnReady: func(ports []*port.Port) error {
			outPort = ports[portOut]
			info, err := outPort.Info()
			if err != nil {
				return err
			}
			r.self, err = pkt.MAC(info.MAC)
			return err
		},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := app.Run(ctx, cfg, r.handle)
	defer eal.Cleanup()
	if err != nil {
		eal.FlushLog()
		fmt.Fprintf(stderr, "router: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "router: %d in, %d routed out of %s (src %s, dst %s)\n",
		res.Ports[portIn].RxPackets, res.Ports[portOut].TxPackets, outPort.Name(), mac(r.self), mac(r.gw))
	var drops []string
	for reason, n := range res.Drops() {
		if n > 0 {
			drops = append(drops, fmt.Sprintf("%s %d", app.DropReason(reason), n))
		}
	}
	if len(drops) > 0 {
		fmt.Fprintf(stdout, "router: dropped: %s\n", strings.Join(drops, ", "))
	}
	return 0
}

func mac(a [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5])
}
