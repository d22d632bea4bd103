package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
)

// demoFrames is how many frames the demo's input pcap holds: an IMIX of
// 60, 590 and 1514-byte UDP/IPv4 frames (7:4:1), 256 source ports.
const demoFrames = 1200

func runDemo(e *env, args []string) error {
	var c common
	fs := newFlags(e, "demo", "[--out DIR] [--duration D] [flags]",
		"A self-contained demo on virtual devices, no NIC needed. It writes a\n"+
			"sample pcap (an IMIX of UDP/IPv4 frames) to DIR, replays it forever\n"+
			"(net_pcap, infinite_rx) through the 5tswap forwarder into a net_null\n"+
			"sink, sends the first --save forwarded frames to a second net_pcap port\n"+
			"that writes DIR/demo-out.pcap, prints live stats, and stops after\n"+
			"--duration with a summary.", &c, true)
	out := fs.String("out", filepath.Join(os.TempDir(), "zcnic-demo"), "directory for demo-in.pcap and demo-out.pcap")
	save := fs.Uint64("save", 10000, "forwarded frames to write to demo-out.pcap")
	if err := fs.Set("duration", "10s"); err != nil {
		return err
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(c.vdevs) > 0 || len(c.pcis) > 0 {
		return usagef("the demo makes its own devices: drop --vdev and --pci")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	in, empty, outPcap := filepath.Join(*out, "demo-in.pcap"), filepath.Join(*out, "demo-empty.pcap"), filepath.Join(*out, "demo-out.pcap")
	if err := writeDemoPcap(in, demoFrames); err != nil {
		return err
	}
	if err := writeDemoPcap(empty, 0); err != nil {
		return err
	}
	c.vdevs = listFlag{
		"net_pcap0,rx_pcap=" + in + ",infinite_rx=1",
		"net_null0,no-rx=1",
		"net_pcap1,rx_pcap=" + empty + ",tx_pcap=" + outPcap,
	}
	devices, err := c.devices()
	if err != nil {
		return err
	}
	until := "Ctrl-C"
	if c.duration > 0 {
		until = c.duration.String() + " (or Ctrl-C)"
	}
	fmt.Fprintf(e.stderr, "zcnic demo: wrote %s (%d UDP/IPv4 frames, IMIX of 60/590/1514 bytes)\n", in, demoFrames)
	fmt.Fprintf(e.stderr, "zcnic demo: port 0 %s replays it forever -> 5tswap -> port 1 %s (a sink);\n", devices[0], devices[1])
	fmt.Fprintf(e.stderr, "zcnic demo: the first %d forwarded frames go to port 2 %s -> %s; running for %s\n", *save, devices[2], outPcap, until)

	err = c.execute(e, devices, func(ctx context.Context, cfg app.Config, rep *reporter) (summary, error) {
		cfg.Lcores = []app.LcoreConfig{{Lcore: app.LoopLcores()[0], Rx: []app.Queue{{Port: 0}}}}
		saved, limit := uint64(0), *save
		res, err := app.Run(ctx, cfg, func(c *app.Ctx, pkts []*mbuf.Mbuf) {
			var p pkt.Parsed
			for i, m := range pkts {
				b := m.Data()
				if pkt.ParseLen(b, m.PktLen(), &p) != nil || pkt.SwapFiveTuple(b, &p) != nil {
					c.Drop(i, app.DropMalformed)
					continue
				}
				if saved < limit {
					saved++
					c.Send(i, 2)
					continue
				}
				c.Send(i, 1)
			}
		})
		s := rep.summarize(res, "5tswap")
		s.Output = outPcap
		return s, err
	})
	if err != nil {
		return err
	}
	n, err := countPcap(outPcap)
	if err != nil {
		return fmt.Errorf("reading back %s: %w", outPcap, err)
	}
	fmt.Fprintf(e.stderr, "zcnic demo: %s holds %d frames with their 5-tuples swapped; look: tcpdump -nn -r %s | head\n", outPcap, n, outPcap)
	return nil
}

// writeDemoPcap writes n frames of the demo's IMIX to path.
func writeDemoPcap(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := app.NewPcapWriter(f, 0)
	if err != nil {
		f.Close()
		return err
	}
	var tmpl [3]pkt.Template
	for i, size := range []int{60, 590, 1514} {
		tmpl[i] = pkt.Template{
			SrcMAC: [6]byte{2, 0, 0, 0, 0, 1}, DstMAC: [6]byte{2, 0, 0, 0, 0, 2},
			SrcIP: [4]byte{198, 18, 0, 1}, DstIP: [4]byte{198, 19, 0, byte(1 + i)},
			DstPort: uint16(5000 + i), FrameSize: size, Payload: []byte("zcnic demo "),
		}
		if err := tmpl[i].Prepare(); err != nil {
			f.Close()
			return err
		}
	}
	imix := [12]int{0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2}
	buf := make([]byte, 1514)
	ts := time.Now()
	for i := 0; i < n; i++ {
		t := &tmpl[imix[i%len(imix)]]
		l, err := t.Build(buf, uint16(1024+i%256))
		if err == nil {
			err = w.WritePacket(ts.Add(time.Duration(i)*time.Microsecond), buf[:l])
		}
		if err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// countPcap counts the records of a pcap file, checking its framing.
func countPcap(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var hdr [24]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return 0, fmt.Errorf("no pcap header: %w", err)
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(hdr[:]) {
	case 0xa1b2c3d4, 0xa1b23c4d:
	case 0xd4c3b2a1, 0x4d3cb2a1:
		order = binary.BigEndian
	default:
		return 0, fmt.Errorf("not a pcap file")
	}
	n := 0
	var rec [16]byte
	for {
		if _, err := io.ReadFull(f, rec[:]); err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, fmt.Errorf("record %d: %w", n, err)
		}
		if _, err := f.Seek(int64(order.Uint32(rec[8:])), io.SeekCurrent); err != nil {
			return n, err
		}
		n++
	}
}
