package flow_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/flow"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt/testpkts"
	"github.com/zcnic/zcnic/port"
)

// fallbackRules are asked of every virtual PMD: none takes a rule here.
var fallbackRules = []string{
	"pattern eth / ipv4 / udp dst is 53 / end actions drop / end",
	"priority 1 pattern eth / ipv4 src spec 10.0.0.0 src prefix 8 / end actions mark id 7 / count / end",
	"pattern eth / ipv6 / tcp dst spec 80 dst last 90 / end actions count / end",
}

func sh(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
}

// veth makes a veth pair, up, deleted at cleanup.
func veth(t *testing.T) (a, b string) {
	n := fmt.Sprintf("%d", time.Now().UnixNano()%1000000)
	a, b = "zcfa"+n, "zcfb"+n
	sh(t, "ip", "link", "add", a, "type", "veth", "peer", "name", b)
	t.Cleanup(func() { exec.Command("ip", "link", "del", a).Run() })
	sh(t, "ip", "link", "set", a, "up")
	sh(t, "ip", "link", "set", b, "up")
	return a, b
}

// runAuto runs the fallback rules with Auto on the ports (the last
// has the rules) for a moment, and returns the table.
func runAuto(t *testing.T, devs ...string) *flow.Table {
	t.Helper()
	tb, err := flow.NewTable(flow.Auto, parseAll(t, fallbackRules))
	require.NoError(t, err)
	for _, s := range tb.Stats() {
		assert.Equal(t, flow.Auto, s.Placement, "not placed before the run")
	}
	var ports []app.PortConfig
	for _, d := range devs {
		ports = append(ports, app.PortConfig{Device: d})
	}
	last := len(devs) - 1
	ports[last].Rules = tb
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res, err := app.Run(ctx, app.Config{Ports: ports}, func(c *app.Ctx, ms []*mbuf.Mbuf) { c.DropAll(app.DropFiltered) })
	require.NoError(t, err)
	assert.Zero(t, res.Leaked)
	require.Len(t, res.Rules, len(devs))
	require.Len(t, res.Rules[last], len(fallbackRules))
	for i := 0; i < last; i++ {
		assert.Nil(t, res.Rules[i], "port %d has no rules", i)
	}
	return tb
}

// The same rules asked of every virtual PMD here, with Auto, fall back
// to software, each with the PMD's reason recorded. (net_virtio_user is
// not here: its vhost-user backend must be another process, as in the
// port package's two-process tests; in one process its probe fails.)
func TestAutoFallsBackOnEveryVirtualPMD(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pcap")
	pkts, err := testpkts.Mixed()
	require.NoError(t, err)
	require.NoError(t, testpkts.WritePcap(in, pkts))
	type pmd struct {
		name   string
		devs   func(t *testing.T) []string
		reason []string // what the PMD's error says, for each rule (one for all)
	}
	enosys := []string{"Function not implemented"}
	for _, p := range []pmd{
		{"net_null", func(t *testing.T) []string { return []string{ealtest.Name("net_null")} }, enosys},
		{"net_ring", func(t *testing.T) []string { return []string{ealtest.Name("net_ring")} }, enosys},
		{"net_pcap", func(t *testing.T) []string { return []string{ealtest.Name("net_pcap") + ",rx_pcap=" + in} }, enosys},
		{"net_tap", func(t *testing.T) []string {
			return []string{ealtest.Name("net_tap") + ",iface=" + fmt.Sprintf("zcft%d", time.Now().UnixNano()%100000)}
		}, []string{ // the PMD's messages, and the item or action they name
			"Kernel too old for flower support", // validated, but this kernel has no TC flower
			"action not supported (action 0 (mark))",
			"item not supported (item 2 (tcp))", // a port range
		}},
		{"net_af_packet", func(t *testing.T) []string {
			a, _ := veth(t)
			return []string{ealtest.Name("net_af_packet") + ",iface=" + a}
		}, enosys},
		{"net_memif", func(t *testing.T) []string {
			return []string{ealtest.Name("net_memif") + ",role=server,id=0,socket=" + filepath.Join(dir, "memif.sock") + ",socket-abstract=no"}
		}, enosys},
		{"net_vhost", func(t *testing.T) []string {
			return []string{ealtest.Name("net_vhost") + ",iface=" + filepath.Join(dir, "vhost.sock") + ",queues=1"}
		}, enosys},
		{"net_af_xdp", func(t *testing.T) []string {
			if ealtest.Config().NoHuge {
				t.Skip("net_af_xdp is refused without hugepages")
			}
			a, _ := veth(t)
			return []string{ealtest.Name("net_af_xdp") + ",iface=" + a + ",start_queue=0,queue_count=1"}
		}, enosys},
	} {
		t.Run(p.name, func(t *testing.T) {
			if _, err := os.Stat("/dev/net/tun"); err != nil && p.name == "net_tap" {
				t.Skip("no /dev/net/tun")
			}
			tb := runAuto(t, p.devs(t)...)
			for i, s := range tb.Stats() {
				assert.Equal(t, flow.Software, s.Placement, "rule %d", i+1)
				assert.NotEmpty(t, s.Reason, "rule %d: the PMD's reason", i+1)
				assert.Contains(t, s.Reason, p.reason[min(i, len(p.reason)-1)], "rule %d", i+1)
				assert.NotContains(t, s.Reason, "\n")
				t.Logf("%s rule %d: %s: %s", p.name, i+1, s.Placement, s.Reason)
			}
		})
	}
}

// Hardware refuses what the NIC refuses; Auto refuses a rule software
// cannot run when the NIC refused it; a queue beyond the port's rx
// queues is refused whatever the placement. Each says which rule, and
// why, on one line, and the run does not start.
func TestPlacementRefusals(t *testing.T) {
	for _, c := range []struct {
		p    flow.Placement
		rule string
		want string
	}{
		{flow.Hardware, "pattern eth / end actions drop / end", "rule 1 (pattern eth / end actions drop / end): placement hardware: the NIC refused it: rte_flow_validate: port "},
		{flow.Auto, "pattern eth / end actions queue index 0 / end", "placement auto: the NIC refused it (Function not implemented), and action queue: software cannot steer"},
		{flow.Auto, "group 1 pattern eth / end actions drop / end", "and group 1: software runs group 0 only"},
		{flow.Hardware, "pattern eth / end actions queue index 1 / end", "action queue: index 1 is beyond the port's 1 rx queues"},
	} {
		r, err := flow.Parse(c.rule)
		require.NoError(t, err)
		tb, err := flow.NewTable(c.p, []flow.Rule{r})
		require.NoError(t, err)
		_, err = app.Run(context.Background(), app.Config{Ports: []app.PortConfig{{Device: ealtest.Name("net_null"), Rules: tb}}},
			func(c *app.Ctx, ms []*mbuf.Mbuf) { c.DropAll(app.DropFiltered) })
		if assert.Error(t, err, c.rule) {
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "\n")
			assert.True(t, errors.Is(err, flow.ErrRule), "%v", err)
		}
	}
	// A rule read from a file is named by its file and line in an error
	// found only when the table is put on a port.
	path := filepath.Join(t.TempDir(), "rules.txt")
	require.NoError(t, os.WriteFile(path, []byte("# steering\npattern eth / ipv4 / end actions count / end\n\npattern eth / end actions queue index 1 / end\n"), 0o644))
	rules, err := flow.ParseFile(path)
	require.NoError(t, err)
	require.Len(t, rules, 2)
	assert.Equal(t, path+":4", rules[1].Source)
	fileTable, err := flow.NewTable(flow.Hardware, rules[1:])
	require.NoError(t, err)
	_, err = app.Run(context.Background(), app.Config{Ports: []app.PortConfig{{Device: ealtest.Name("net_null"), Rules: fileTable}}},
		func(c *app.Ctx, ms []*mbuf.Mbuf) { c.DropAll(app.DropFiltered) })
	assert.ErrorContains(t, err, path+":4 (pattern eth / end actions queue index 1 / end): action queue: index 1 is beyond the port's 1 rx queues")

	// Software refuses queue steering when the rule is added.
	r, err := flow.Parse("pattern eth / end actions queue index 0 / end")
	require.NoError(t, err)
	_, err = flow.NewTable(flow.Software, []flow.Rule{r})
	assert.ErrorContains(t, err, "rule 1 (pattern eth / end actions queue index 0 / end): placement software: action queue: software cannot steer to an rx queue")
	tb, err := flow.NewTable(flow.Software, nil)
	require.NoError(t, err)
	assert.ErrorContains(t, tb.Replace([]flow.Rule{r}), "placement software: action queue")
}

// The rte_flow calls on a port whose PMD has no flow support: each
// error names the call, the port and the errno, and unwraps to it.
func TestOffloadCallsNameTheCall(t *testing.T) {
	pool := ealtest.Pool(t, 1023, 0)
	p, err := port.Attach(ealtest.Name("net_null"))
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.Configure(port.Config{RxQueues: 1, TxQueues: 1, Pool: pool}))
	id := p.ID()
	r, err := flow.Parse("pattern eth / ipv4 / udp dst is 53 / end actions count / drop / end")
	require.NoError(t, err)
	for _, c := range []struct {
		call string
		err  error
	}{
		{"rte_flow_validate", flow.Validate(id, r)},
		{"rte_flow_isolate", flow.Isolate(id, true)},
		{"rte_flow_flush", flow.Flush(id)},
		{"rte_flow_validate", func() error { _, err := flow.Create(id, r); return err }()},
	} {
		var fe *flow.Error
		if assert.True(t, errors.As(c.err, &fe), "%v", c.err) {
			assert.Equal(t, c.call, fe.Call)
			assert.Equal(t, id, fe.Port)
			assert.ErrorIs(t, c.err, syscall.ENOSYS)
			assert.Equal(t, fmt.Sprintf("%s: port %d: Function not implemented", c.call, id), c.err.Error())
		}
	}
	// A rule that is not valid is refused before the PMD is asked.
	bad := r
	bad.Actions.HasQueue = true
	assert.ErrorContains(t, flow.Validate(id, bad), "drop and queue are both fates")
	var f *flow.Flow
	assert.NoError(t, f.Destroy(), "no flow: nothing to destroy")
}
