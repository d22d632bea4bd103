package flow_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/flow"
	"github.com/zcnic/zcnic/mbuf"
)

// A rule in testpmd's syntax, and the parts Parse read.
func ExampleParse() {
	r, err := flow.Parse("flow create 0 priority 1 pattern eth / ipv4 src spec 10.0.0.0 src prefix 8 / udp dst spec 5000 dst last 5999 / end actions mark id 7 / count / end")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Port, r.Priority, r.Pattern.IPv4.Src, *r.Pattern.UDP.Dst, r.Actions.Mark, r.Actions.Count)

	// A bad rule: the error names the part.
	_, err = flow.Parse("pattern eth / ipv4 src spec 10.0.0.0 src prefix 33 / end actions drop / end")
	fmt.Println(err)
	// Output:
	// 0 1 10.0.0.0/8 {5000 5999} 7 true
	// flow: item ipv4: field src: prefix 33 is over 32
}

// Rules from a file, one a line, into a table that runs them in
// software; before a run puts the table on a port, its stats say where
// each rule will run.
func ExampleNewTable() {
	path := filepath.Join(os.TempDir(), "zcnic-example.rules")
	os.WriteFile(path, []byte("# DNS out, web marked\npattern eth / ipv4 / udp dst is 53 / end actions drop / end\npriority 1 pattern eth / ipv4 / tcp dst is 80 / end actions mark id 80 / end\n"), 0o644)
	defer os.Remove(path)
	rules, err := flow.ParseFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	tb, err := flow.NewTable(flow.Software, rules)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range tb.Stats() {
		fmt.Printf("%s prio=%d %s\n", s.Placement, s.Priority, s.Rule)
	}
	// Software cannot steer to a queue: refused when added.
	q, _ := flow.Parse("pattern eth / end actions queue index 1 / end")
	fmt.Println(tb.Replace([]flow.Rule{q}))
	// Output:
	// software prio=0 pattern eth / ipv4 / udp dst is 53 / end actions drop / end
	// software prio=1 priority 1 pattern eth / ipv4 / tcp dst is 80 / end actions mark id 80 / end
	// flow: rule 1 (pattern eth / end actions queue index 1 / end): placement software: action queue: software cannot steer to an rx queue (no ring to the queue's lcore)
}

// A port's rules in the runner: net_null's frames (all zero bytes) are
// marked in software before the handler sees them, which reads the mark
// from the mbuf; the table's stats say where the rule ran and what it
// hit.
func ExampleTable_runner() {
	r, _ := flow.Parse("pattern eth type is 0x0000 / end actions mark id 42 / count / end")
	tb, _ := flow.NewTable(flow.Auto, []flow.Rule{r})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var marked, seen int
	cfg := app.Config{Ports: []app.PortConfig{{Device: "net_null70", Rules: tb}}}
	_, err := app.Run(ctx, cfg, func(c *app.Ctx, pkts []*mbuf.Mbuf) {
		for _, m := range pkts {
			if id, ok := m.Mark(); ok && id == 42 {
				marked++
			}
		}
		if seen += len(pkts); seen >= 10000 {
			cancel()
		}
		c.DropAll(app.DropFiltered)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := tb.Stats()[0]
	fmt.Println(s.Placement, s.Reason)
	fmt.Println(marked == seen, s.Hits == uint64(seen))
	// Output:
	// software Function not implemented
	// true true
}
