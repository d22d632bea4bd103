package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/flow"
)

// With software rules on a port (drops, marks and counts hit on every
// vector), a loop turn still allocates nothing.
func TestStepWithRulesAllocatesNothing(t *testing.T) {
	var rules []flow.Rule
	for _, s := range []string{
		"pattern eth / ipv4 / udp dst is 53 / end actions drop / end",
		"pattern eth src is 00:00:00:00:00:00 / end actions mark id 5 / count / end",
		"priority 1 pattern end actions drop / end",
	} {
		r, err := flow.Parse(s)
		require.NoError(t, err)
		rules = append(rules, r)
	}
	tb, err := flow.NewTable(flow.Software, rules)
	require.NoError(t, err)
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null"), Rules: tb}, {Device: dev("net_null")}}}
	require.NoError(t, cfg.normalize())
	cfg.defaultLcores()
	h, err := NewForwarder(&cfg, FwdConfig{Mode: FiveTupleSwap})
	require.NoError(t, err)
	r := &runner{cfg: cfg}
	require.NoError(t, r.setup())
	c := r.ctxs[0]
	allocs := testing.AllocsPerRun(1000, func() {
		c.step(h)
	})
	c.flush()
	assert.Zero(t, allocs, "a loop turn with rules allocates nothing")
	st := tb.Stats()
	assert.NotZero(t, st[1].Hits, "the mark rule ran")
	assert.Zero(t, st[2].Hits, "nothing is left for the lower priority")
	require.NoError(t, r.teardown())
	assert.Zero(t, r.leaked)
}

// A table is on one port at a time.
func TestRulesOnePortEach(t *testing.T) {
	tb, err := flow.NewTable(flow.Software, nil)
	require.NoError(t, err)
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null"), Rules: tb}, {Device: dev("net_null"), Rules: tb}}}
	assert.ErrorContains(t, cfg.normalize(), "Ports[1]: its Rules are those of Ports[0]: a table is on one port")
}
