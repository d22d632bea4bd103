package flow

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aclRules makes n ClassBench-like IPv4 5-tuple rules: prefixes of 0 to
// 32 bits around a few hundred sites, TCP, UDP or any protocol, ports
// exact, ranged or any.
func aclRules(t testing.TB, n int) []Rule {
	rng := rand.New(rand.NewPCG(5, 12))
	sites := make([]uint32, 300)
	for i := range sites {
		sites[i] = rng.Uint32()
	}
	// prefix is " NAME spec ADDR NAME prefix BITS", or "" for any.
	prefix := func(name string) string {
		a := sites[rng.IntN(len(sites))] ^ rng.Uint32()&0xff
		bits := []int{0, 8, 16, 24, 28, 32}[rng.IntN(6)]
		if bits == 0 {
			return ""
		}
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits).Masked()
		return fmt.Sprintf(" %s spec %s %s prefix %d", name, p.Addr(), name, bits)
	}
	ports := func(name string) string {
		switch rng.IntN(3) {
		case 0:
			return fmt.Sprintf(" %s is %d", name, rng.IntN(65536))
		case 1:
			lo := rng.IntN(60000)
			return fmt.Sprintf(" %s spec %d %s last %d", name, lo, name, lo+rng.IntN(5000))
		}
		return ""
	}
	rules := make([]Rule, 0, n)
	for len(rules) < n {
		txt := "pattern eth / ipv4" + prefix("src") + prefix("dst")
		switch rng.IntN(10) {
		case 0:
		case 1, 2, 3, 4:
			txt += " / tcp" + ports("src") + ports("dst")
		default:
			txt += " / udp" + ports("src") + ports("dst")
		}
		txt += " / end actions count / end"
		r, err := Parse(txt)
		require.NoError(t, err, txt)
		rules = append(rules, r)
	}
	return rules
}

// 10,000 5-tuple rules compile into one ACL context (with the port
// ranges before the addresses in the trie, rte_acl needed more than its
// 8 tries and the build failed with ENOMEM).
func TestBuildTenThousandRules(t *testing.T) {
	for _, n := range []int{100, 1000, 10000} {
		rules := aclRules(t, n)
		pl := make([]placed, n)
		for i := range pl {
			pl[i] = placed{where: Software, sw: i}
		}
		s, err := buildSet(rules, pl, 1)
		require.NoError(t, err, "%d rules", n)
		assert.NotNil(t, s)
		freeSet(s)
	}
}

// Replace compiles the new set without holding up Stats: the stats
// goroutine of a run reads a table once a second while its 10,000
// rules are being compiled.
func TestStatsWhileReplaceCompiles(t *testing.T) {
	tb, err := NewTable(Software, aclRules(t, 10))
	require.NoError(t, err)
	b, err := tb.Bind(0, 1, 1, 128)
	require.NoError(t, err)
	defer func() { assert.NoError(t, b.Close()) }()
	big := aclRules(t, 10000)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- tb.Replace(big) }()
	time.Sleep(20 * time.Millisecond)
	var worst time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		st := tb.Stats()
		worst = max(worst, time.Since(t0))
		assert.Len(t, st, 10, "the old rules until the new ones are in")
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, <-done)
	took := time.Since(start)
	assert.Len(t, tb.Stats(), 10000)
	assert.Less(t, worst, took/4, "Stats waited for the compile (%v of %v)", worst, took)
	t.Logf("Replace with 10,000 rules took %v; Stats at most %v meanwhile", took, worst)
}
