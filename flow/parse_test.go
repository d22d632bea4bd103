package flow

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFull(t *testing.T) {
	r, err := Parse("flow create 1 group 0 priority 3 ingress pattern eth src is 02:00:00:00:00:01 dst spec 02:00:00:00:00:00 dst mask ff:ff:ff:00:00:00 type is 0x8100 / " +
		"vlan vid is 42 / ipv4 src spec 10.1.2.3 src prefix 8 dst is 192.168.0.1 proto is 17 / udp src spec 1000 src last 2000 dst is 53 / end " +
		"actions mark id 7 / count / end")
	require.NoError(t, err)
	assert.Equal(t, 1, r.Port)
	assert.Equal(t, uint32(3), r.Priority)
	p := r.Pattern
	require.NotNil(t, p.Eth)
	assert.Equal(t, MAC{2, 0, 0, 0, 0, 1}, p.Eth.Src)
	assert.Equal(t, MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, p.Eth.SrcMask)
	assert.Equal(t, MAC{0xff, 0xff, 0xff, 0, 0, 0}, p.Eth.DstMask)
	assert.Equal(t, uint16(0x8100), p.Eth.Type)
	assert.Equal(t, uint16(0xffff), p.Eth.TypeMask)
	require.NotNil(t, p.VLAN)
	assert.Equal(t, uint16(42), p.VLAN.VID)
	assert.Equal(t, uint16(0xfff), p.VLAN.VIDMask)
	require.NotNil(t, p.IPv4)
	assert.Equal(t, netip.MustParsePrefix("10.0.0.0/8"), p.IPv4.Src)
	assert.Equal(t, netip.MustParsePrefix("192.168.0.1/32"), p.IPv4.Dst)
	assert.Equal(t, uint8(17), p.IPv4.Proto)
	require.NotNil(t, p.UDP)
	assert.Equal(t, &PortRange{1000, 2000}, p.UDP.Src)
	assert.Equal(t, &PortRange{53, 53}, p.UDP.Dst)
	assert.True(t, r.Actions.HasMark)
	assert.Equal(t, uint32(7), r.Actions.Mark)
	assert.True(t, r.Actions.Count)
	assert.False(t, r.Actions.Drop)

	// String gives a rule that parses back to the same rule.
	r2, err := Parse(r.String())
	require.NoError(t, err, r.String())
	r2.Text, r.Text, r2.Port = "", "", r.Port
	assert.Equal(t, r, r2)
}

func TestParseForms(t *testing.T) {
	r, err := Parse("pattern ipv6 dst spec 2001:db8:: dst mask ffff:ffff:: / tcp dst is 443 / end actions drop / end")
	require.NoError(t, err)
	assert.Equal(t, -1, r.Port)
	assert.Equal(t, netip.MustParsePrefix("2001:db8::/32"), r.Pattern.IPv6.Dst)
	assert.True(t, r.Actions.Drop)

	r, err = Parse("pattern eth / ipv4 / icmp type is 8 code spec 0 code mask 0xff / end actions queue index 3 / end")
	require.NoError(t, err)
	assert.Equal(t, uint8(8), r.Pattern.ICMP.Type)
	assert.Equal(t, uint8(0xff), r.Pattern.ICMP.TypeMask)
	assert.True(t, r.Actions.HasQueue)
	assert.Equal(t, uint16(3), r.Actions.Queue)

	r, err = Parse("pattern eth type spec 0x0800 type mask 0xff00 / end actions count / end")
	require.NoError(t, err)
	assert.Equal(t, uint16(0xff00), r.Pattern.Eth.TypeMask)
	assert.Equal(t, uint16(0x0800), r.Pattern.Eth.Type)

	// A zero port mask is no match on the port.
	r, err = Parse("pattern ipv4 / udp src spec 5 src mask 0 / end actions count / end")
	require.NoError(t, err)
	assert.Nil(t, r.Pattern.UDP.Src)
}

// Bad rules give one-line errors that name the part.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ rule, want string }{
		{"pattern eth foo is 1 / end actions drop / end", `item eth: unknown field "foo"`},
		{"pattern ipv4 src spec 10.0.0.0 src prefix 33 / end actions drop / end", "item ipv4: field src: prefix 33 is over 32"},
		{"pattern ipv6 dst spec 2001:db8:: dst prefix 129 / end actions drop / end", "item ipv6: field dst: prefix 129 is over 128"},
		{"pattern ipv4 / udp dst spec 2000 dst last 1000 / end actions drop / end", "item udp: field dst: inverted port range 2000..1000"},
		{"pattern ipv4 / tcp src spec 80 src mask 0xff00 / end actions drop / end", "item tcp: field src: mask 0xff00"},
		{"pattern ipv4 src spec 10.0.0.0 src mask 255.0.255.0 / end actions drop / end", "item ipv4: field src: mask 255.0.255.0 is not a prefix"},
		{"pattern ipv4 src is 2001:db8::1 / end actions drop / end", `item ipv4: field src: "2001:db8::1" is not an IPv4 address`},
		{"pattern ipv4 / end actions drop / queue index 1 / end", "actions: drop and queue are both fates"},
		{"pattern ipv4 / end actions end", "actions: no action"},
		{"pattern ipv4 / end actions jump group 1 / end", `actions: unknown action "jump"`},
		{"pattern gre / end actions drop / end", `pattern: unknown item "gre"`},
		{"pattern ipv4 / eth / end actions drop / end", "item eth: cannot follow ipv4"},
		{"pattern ipv6 / icmp / end actions drop / end", "item icmp: needs ipv4"},
		{"pattern vlan vid is 5000 / end actions drop / end", "item vlan: field vid: 5000 is over 4095"},
		{"pattern ipv4 proto is 6 / udp / end actions drop / end", "item ipv4: field proto: 6 contradicts the next item"},
		{"pattern eth type is 0x86dd / ipv4 / end actions drop / end", "item eth: field type: 0x86dd contradicts the next item (EtherType 0x0800)"},
		{"pattern eth type is 0x0800 / ipv6 / end actions drop / end", "item eth: field type: 0x0800 contradicts the next item (EtherType 0x86dd)"},
		{"pattern eth type is 0x0800 / vlan vid is 5 / end actions drop / end", "item eth: field type: 0x0800 contradicts the next item (EtherType 0x8100)"},
		{"pattern ipv4 src is 10.0.0.1 src is 10.0.0.2 / end actions drop / end", "item ipv4: field src: given twice (its spec)"},
		{"pattern ipv4 src spec 10.0.0.0 src prefix 8 src mask 255.0.0.0 / end actions drop / end", "item ipv4: field src: given twice (its mask)"},
		{"pattern ipv4 / udp src is 70000 / end actions drop / end", `item udp: field src: "70000" is not a port`},
		{"pattern eth src last 02:00:00:00:00:01 / end actions drop / end", "item eth: field src: no value"},
		{"pattern eth type is 0x0800 type last 0x0900 / end actions drop / end", "item eth: field type: last (a range) is only for udp and tcp ports"},
		{"egress pattern eth / end actions drop / end", "attribute egress: only ingress"},
		{"priority x pattern eth / end actions drop / end", `priority: "x" is not a number`},
		{"pattern eth / end", "want actions after the pattern's end"},
		{"pattern eth / end actions drop / end extra", `"extra" after the actions' end`},
		{"pattern eth", "pattern: no end"},
		{"pattern ipv4 / end actions mark 5 / end", `action mark: want id N, got "5"`},
		{"pattern ipv4 / end actions queue index 70000 / end", `action queue: index: "70000" is not a number of 16 bits`},
		{"flow destroy 0 rule 1", `flow: "destroy": only flow create`},
	} {
		_, err := Parse(c.rule)
		if assert.Error(t, err, c.rule) {
			assert.Contains(t, err.Error(), c.want, c.rule)
			assert.NotContains(t, err.Error(), "\n")
			assert.ErrorIs(t, err, ErrRule)
		}
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.rules")
	require.NoError(t, os.WriteFile(good, []byte("# drops\n\npattern eth / ipv4 / udp dst is 53 / end actions drop / end\n  flow create 0 priority 1 pattern eth / end actions count / end\n"), 0o644))
	rules, err := ParseFile(good)
	require.NoError(t, err)
	require.Len(t, rules, 2)
	assert.Equal(t, -1, rules[0].Port)
	assert.Equal(t, 0, rules[1].Port)
	assert.Equal(t, "flow create 0 priority 1 pattern eth / end actions count / end", rules[1].Text)

	bad := filepath.Join(dir, "bad.rules")
	require.NoError(t, os.WriteFile(bad, []byte("pattern eth / end actions drop / end\n\npattern ipv4 src spec 1.2.3.4 src prefix 40 / end actions drop / end\n"), 0o644))
	_, err = ParseFile(bad)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), bad+":3: flow: item ipv4: field src: prefix 40 is over 32"), err.Error())

	long := filepath.Join(dir, "long.rules")
	require.NoError(t, os.WriteFile(long, []byte("pattern eth / end actions drop / end\npattern eth"+strings.Repeat(" ", 2<<20)+"/ end actions drop / end\n"), 0o644))
	_, err = ParseFile(long)
	require.Error(t, err)
	assert.Equal(t, "flow: "+long+":2: the line is longer than 1 MiB", err.Error(), "the line named, not bufio's words")

	_, err = ParseFile(filepath.Join(dir, "none"))
	assert.Error(t, err)
}

func TestMaskLen(t *testing.T) {
	assert.Equal(t, 0, maskLen([]byte{0, 0, 0, 0}))
	assert.Equal(t, 12, maskLen([]byte{0xff, 0xf0, 0, 0}))
	assert.Equal(t, 32, maskLen([]byte{0xff, 0xff, 0xff, 0xff}))
	assert.Equal(t, -1, maskLen([]byte{0xff, 0x0f, 0, 0}))
	assert.Equal(t, -1, maskLen([]byte{0xf0, 0, 1, 0}))
}
