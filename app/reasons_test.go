package app

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

// Handlers name their own drop reasons; each is counted apart and named
// in counters, String and telemetry. A value that is no reason counts as
// unhandled (it used to be counted as filtered, silently).
func TestNamedDropReasons(t *testing.T) {
	firewall, err := NewDropReason("firewall")
	require.NoError(t, err)
	notIPv4 := MustDropReason("not_ipv4")
	again, err := NewDropReason("firewall")
	require.NoError(t, err)
	assert.Equal(t, firewall, again, "the same name is the same reason")
	assert.NotEqual(t, firewall, notIPv4)
	assert.Equal(t, "firewall", firewall.String())
	assert.Equal(t, "not_ipv4", notIPv4.String())
	assert.True(t, firewall.Named())
	assert.True(t, DropTTL.Named())
	assert.False(t, (NumDropReasons - 1).Named(), "the last reason is not named here")
	assert.Equal(t, "firewall", telemetryReason(int(firewall)))
	assert.Empty(t, telemetryReason(int(NumDropReasons-1)), "/zcnic/drops lists no unnamed reason")

	for _, bad := range []string{"", "Firewall", "ttl", "no space", "9lives"} {
		_, err := NewDropReason(bad)
		assert.ErrorIs(t, err, ErrConfig, bad)
	}

	in, err := testpkts.Mixed()
	require.NoError(t, err)
	ports, _ := pcapPair(t, in)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := Config{Ports: ports, StopWhenIdle: 5 * time.Second}
	res, err := Run(ctx, cfg, func(c *Ctx, pkts []*mbuf.Mbuf) {
		for i := range pkts {
			switch i % 3 {
			case 0:
				c.Drop(i, firewall)
			case 1:
				c.Drop(i, notIPv4)
			default:
				c.Drop(i, NumDropReasons+7) // no reason
			}
		}
	})
	require.NoError(t, err)
	checkBalanced(t, res)
	d := res.Drops()
	assert.Equal(t, uint64(len(in)), d[firewall]+d[notIPv4]+d[DropUnhandled])
	assert.NotZero(t, d[firewall])
	assert.NotZero(t, d[notIPv4])
	assert.NotZero(t, d[DropUnhandled])
	assert.Zero(t, d[DropFiltered], "a value that is no reason is not counted as filtered")
}
