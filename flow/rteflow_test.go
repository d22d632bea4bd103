package flow

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// b is bytes from hex with spaces for reading.
func b(s string) []byte {
	out, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return out
}

type wantItem struct {
	typ              string
	spec, mask, last []byte
}

type wantAction struct {
	typ  string
	conf []byte
}

func checkSpec(t *testing.T, rule string, group, prio uint32, items []wantItem, actions []wantAction) {
	t.Helper()
	r, err := Parse(rule)
	require.NoError(t, err)
	s, err := newSpec(&r)
	require.NoError(t, err)
	defer s.free()
	g, p, in := s.attr()
	assert.Equal(t, group, g, "group")
	assert.Equal(t, prio, p, "priority")
	assert.True(t, in, "ingress")
	require.Equal(t, len(items), s.nitems(), "items of %s", rule)
	for i, w := range items {
		typ, sp, mask, last := s.item(i)
		assert.Equal(t, w.typ, itemNames[typ], "item %d type", i)
		assert.Equal(t, hex.EncodeToString(w.spec), hex.EncodeToString(sp), "item %d (%s) spec", i, w.typ)
		assert.Equal(t, hex.EncodeToString(w.mask), hex.EncodeToString(mask), "item %d (%s) mask", i, w.typ)
		assert.Equal(t, hex.EncodeToString(w.last), hex.EncodeToString(last), "item %d (%s) last", i, w.typ)
	}
	require.Equal(t, len(actions), s.nactions(), "actions of %s", rule)
	for i, w := range actions {
		typ, conf := s.action(i)
		assert.Equal(t, w.typ, actionNames[typ], "action %d type", i)
		assert.Equal(t, hex.EncodeToString(w.conf), hex.EncodeToString(conf), "action %d (%s) conf", i, w.typ)
	}
}

// The rte_flow arrays a rule produces, item by item: the spec, mask and
// last bytes as the PMD reads them (struct rte_flow_item_*, network
// byte order; has_vlan, bit 0 of byte 14, right after the packed
// Ethernet header, stays 0 and unmasked: tagged and untagged frames
// match a pattern without vlan, as rte_flow says).
func TestSpecBytes(t *testing.T) {
	checkSpec(t, "priority 2 pattern eth src is 02:00:00:00:00:01 type is 0x0800 / ipv4 src spec 10.1.0.0 src prefix 16 dst is 192.168.1.1 proto is 17 / "+
		"udp src spec 1000 src last 2000 dst is 53 / end actions mark id 0x1234 / count / drop / end", 0, 2,
		[]wantItem{
			{"eth",
				b("000000000000 020000000001 0800 00 0000000000"),
				b("000000000000 ffffffffffff ffff 00 0000000000"), nil},
			{"ipv4",
				b("00 00 0000 0000 0000 00 11 0000 0a010000 c0a80101"),
				b("00 00 0000 0000 0000 00 ff 0000 ffff0000 ffffffff"), nil},
			{"udp", b("03e8 0035 0000 0000"), b("ffff ffff 0000 0000"), b("07d0 0035 0000 0000")},
			{"end", nil, nil, nil},
		},
		[]wantAction{{"mark", b("34120000")}, {"count", b("00000000")}, {"drop", nil}, {"end", nil}})

	checkSpec(t, "group 3 pattern vlan vid is 100 / ipv6 dst spec 2001:db8:: dst prefix 32 / tcp dst is 443 / end actions queue index 1 / end", 3, 0,
		[]wantItem{
			{"vlan", b("0064 0000 00000000"), b("0fff 0000 00000000"), nil},
			{"ipv6",
				b("00000000 0000 00 00 00000000000000000000000000000000 20010db8000000000000000000000000 00000000"),
				b("00000000 0000 00 00 00000000000000000000000000000000 ffffffff000000000000000000000000 00000000"), nil},
			{"tcp", b("0000 01bb 00000000 00000000 00 00 0000 0000 0000"), b("0000 ffff 00000000 00000000 00 00 0000 0000 0000"), nil},
			{"end", nil, nil, nil},
		},
		[]wantAction{{"queue", b("0100")}, {"end", nil}})

	// No field to match: the items have no spec or mask.
	checkSpec(t, "pattern eth / end actions count / end", 0, 0,
		[]wantItem{{"eth", nil, nil, nil}, {"end", nil, nil, nil}},
		[]wantAction{{"count", b("00000000")}, {"end", nil}})

	// A pattern without eth gets none: the items are the rule's.
	checkSpec(t, "pattern ipv4 / icmp type is 8 / end actions drop / end", 0, 0,
		[]wantItem{
			{"ipv4", nil, nil, nil},
			{"icmp", b("08 00 0000 0000 0000"), b("ff 00 0000 0000 0000"), nil},
			{"end", nil, nil, nil},
		},
		[]wantAction{{"drop", nil}, {"end", nil}})

	// Two ranges: the one that is not a range has last equal to spec.
	checkSpec(t, "pattern eth / ipv4 / udp src is 7 dst spec 10 dst last 20 / end actions count / end", 0, 0,
		[]wantItem{
			{"eth", nil, nil, nil},
			{"ipv4", nil, nil, nil},
			{"udp", b("0007 000a 0000 0000"), b("ffff ffff 0000 0000"), b("0007 0014 0000 0000")},
			{"end", nil, nil, nil},
		},
		[]wantAction{{"count", b("00000000")}, {"end", nil}})
}
