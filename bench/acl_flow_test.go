package bench

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/flow"
)

// Every generated rule's zcnic text parses (flow.Parse) to the rule the
// bench matches with: same prefixes, protocol and port ranges.
func TestACLRulesParseWithFlow(t *testing.T) {
	anyPorts := func(r *flow.PortRange) portSpan {
		if r == nil {
			return portSpan{0, 65535}
		}
		return portSpan{r.Lo, r.Hi}
	}
	for i, r := range GenACLRules(3000, 5) {
		text := r.Testpmd("count")
		fr, err := flow.Parse(text)
		require.NoError(t, err, "rule %d: %s", i, text)
		assert.Equal(t, -1, fr.Port)
		assert.True(t, fr.Actions.Count)
		ip := fr.Pattern.IPv4
		require.NotNil(t, ip, text)
		for _, x := range []struct{ got, want netip.Prefix }{{ip.Src, r.Src}, {ip.Dst, r.Dst}} {
			if x.want.Bits() == 0 {
				assert.False(t, x.got.IsValid() && x.got.Bits() > 0, "%s: any address", text)
			} else {
				assert.Equal(t, x.want, x.got, text)
			}
		}
		var l4 *flow.L4
		switch {
		case r.AnyProto:
			assert.Nil(t, fr.Pattern.TCP, text)
			assert.Nil(t, fr.Pattern.UDP, text)
			assert.Zero(t, ip.ProtoMask, text)
			continue
		case r.Proto == 6:
			l4 = fr.Pattern.TCP
			assert.Nil(t, fr.Pattern.UDP, text)
		default:
			l4 = fr.Pattern.UDP
			assert.Nil(t, fr.Pattern.TCP, text)
		}
		require.NotNil(t, l4, text)
		assert.Equal(t, portSpan{r.SrcLo, r.SrcHi}, anyPorts(l4.Src), text)
		assert.Equal(t, portSpan{r.DstLo, r.DstHi}, anyPorts(l4.Dst), text)
	}
}

// portSpan is a port range, for comparisons.
type portSpan struct{ Lo, Hi uint16 }
