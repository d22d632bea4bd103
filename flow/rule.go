package flow

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// MAC is an Ethernet address.
type MAC [6]byte

// String is the address as aa:bb:cc:dd:ee:ff.
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// Eth matches the Ethernet header. A zero mask matches any value.
type Eth struct {
	Src, Dst         MAC
	SrcMask, DstMask MAC
	// Type is the EtherType in the Ethernet header, or the TPID (0x8100)
	// of a VLAN-tagged frame, as rte_flow's eth item.
	Type, TypeMask uint16
}

// VLAN matches an 802.1Q or 802.1ad tag (the outer one).
type VLAN struct {
	VID, VIDMask uint16 // 12 bits; a zero mask matches any VLAN
}

// IP matches an IPv4 or IPv6 header.
type IP struct {
	// Src and Dst are prefixes; an invalid (zero) Prefix matches any
	// address.
	Src, Dst netip.Prefix
	// Proto is the IPv4 protocol or the IPv6 next header; a zero mask
	// matches any.
	Proto, ProtoMask uint8
}

// PortRange is the ports Lo to Hi, both included.
type PortRange struct {
	Lo, Hi uint16
}

// L4 matches a UDP or TCP header's ports; nil ranges match any port.
type L4 struct {
	Src, Dst *PortRange
}

// ICMP matches an ICMP (v4) header's type and code. A zero mask matches
// any value.
type ICMP struct {
	Type, TypeMask, Code, CodeMask uint8
}

// Pattern is what a rule matches, layer by layer, as an rte_flow item
// list (eth / vlan / ipv4 or ipv6 / udp, tcp or icmp). A nil layer is
// not in the pattern. A layer in the pattern must be in the packet: a
// pattern with udp matches UDP packets only. A pattern without VLAN
// matches tagged and untagged frames alike (as
// rte_flow's eth item without has_vlan), the layers above found after
// the tag; with VLAN, tagged frames only.
type Pattern struct {
	Eth  *Eth
	VLAN *VLAN
	IPv4 *IP
	IPv6 *IP
	UDP  *L4
	TCP  *L4
	ICMP *ICMP
}

// Actions are what a rule does to the packets it matches.
type Actions struct {
	// Drop frees the packet: the handler never sees it.
	Drop bool
	// Mark writes Mark into the packet's mbuf as a NIC does (its flow
	// director id, hash.fdir.hi, with RTE_MBUF_F_RX_FDIR and
	// RTE_MBUF_F_RX_FDIR_ID in ol_flags): (*mbuf.Mbuf).Mark reads it.
	HasMark bool
	Mark    uint32
	// Count counts the rule's hits and bytes. Software rules count
	// always; a NIC counts only rules with Count.
	Count bool
	// Queue steers the packet to rx queue Queue. Only a NIC can.
	HasQueue bool
	Queue    uint16
}

// Rule is one flow rule: a pattern and its actions, with rte_flow's
// attributes. Port is the port of a "flow create N" prefix, or -1.
type Rule struct {
	Port     int
	Group    uint32
	Priority uint32
	Pattern  Pattern
	Actions  Actions
	// Text is the rule as it was written (Parse), or empty.
	Text string
	// Source says where the rule was written, as errors about it name
	// it: "FILE:LINE" for ParseFile's rules, whatever the caller set
	// (a flag, a request), or empty, for which errors say "rule N", N
	// its place in its table from 1.
	Source string
}

// ErrRule wraps every error about a rule's content.
var ErrRule = errors.New("flow")

func ruleErr(part, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrRule, part, fmt.Sprintf(format, args...))
}

// Validate checks the rule on its own (layers that fit together, ranges
// the right way round, prefixes within the address, a fate that is
// one); what depends on the port or placement is checked when the rule
// is placed.
func (r *Rule) Validate() error {
	p := &r.Pattern
	if p.IPv4 != nil && p.IPv6 != nil {
		return ruleErr("pattern", "both ipv4 and ipv6")
	}
	l4 := 0
	for _, b := range []bool{p.UDP != nil, p.TCP != nil, p.ICMP != nil} {
		if b {
			l4++
		}
	}
	if l4 > 1 {
		return ruleErr("pattern", "more than one of udp, tcp and icmp")
	}
	if p.ICMP != nil && p.IPv4 == nil {
		return ruleErr("item icmp", "needs ipv4 before it (icmp is ICMPv4)")
	}
	if p.VLAN != nil && p.VLAN.VID&^0xfff != 0 {
		return ruleErr("item vlan: field vid", "%d is over 4095", p.VLAN.VID)
	}
	if e := p.Eth; e != nil && e.TypeMask != 0 {
		// The EtherType names the next item: a type that contradicts it
		// makes a rule that never matches.
		var want []uint16
		switch {
		case p.VLAN != nil:
			want = []uint16{0x8100, 0x88a8}
		case p.IPv4 != nil:
			want = []uint16{0x0800}
		case p.IPv6 != nil:
			want = []uint16{0x86dd}
		}
		ok := len(want) == 0
		for _, w := range want {
			ok = ok || e.Type&e.TypeMask == w&e.TypeMask
		}
		if !ok {
			return ruleErr("item eth: field type", "%#04x contradicts the next item (EtherType %#04x)", e.Type, want[0])
		}
	}
	for _, x := range []struct {
		name string
		ip   *IP
		bits int
	}{{"ipv4", p.IPv4, 32}, {"ipv6", p.IPv6, 128}} {
		if x.ip == nil {
			continue
		}
		for _, f := range []struct {
			name string
			p    netip.Prefix
		}{{"src", x.ip.Src}, {"dst", x.ip.Dst}} {
			if !f.p.IsValid() {
				continue
			}
			if f.p.Addr().BitLen() != x.bits {
				return ruleErr("item "+x.name+": field "+f.name, "%s is not an %s address", f.p.Addr(), x.name)
			}
		}
		want := uint8(0)
		switch {
		case p.UDP != nil:
			want = 17
		case p.TCP != nil:
			want = 6
		case p.ICMP != nil:
			want = 1
		}
		if want != 0 && x.ip.ProtoMask != 0 && x.ip.Proto&x.ip.ProtoMask != want&x.ip.ProtoMask {
			return ruleErr("item "+x.name+": field proto", "%d contradicts the next item (protocol %d)", x.ip.Proto, want)
		}
	}
	for _, x := range []struct {
		name string
		l4   *L4
	}{{"udp", p.UDP}, {"tcp", p.TCP}} {
		if x.l4 == nil {
			continue
		}
		for _, f := range []struct {
			name string
			r    *PortRange
		}{{"src", x.l4.Src}, {"dst", x.l4.Dst}} {
			if f.r != nil && f.r.Lo > f.r.Hi {
				return ruleErr("item "+x.name+": field "+f.name, "inverted port range %d..%d", f.r.Lo, f.r.Hi)
			}
		}
	}
	a := &r.Actions
	if !a.Drop && !a.HasMark && !a.Count && !a.HasQueue {
		return ruleErr("actions", "no action")
	}
	if a.Drop && a.HasQueue {
		return ruleErr("actions", "drop and queue are both fates: give one")
	}
	return nil
}

// String is the rule in testpmd's flow create syntax (without the
// "flow create N" prefix).
func (r Rule) String() string {
	var b strings.Builder
	if r.Group != 0 {
		fmt.Fprintf(&b, "group %d ", r.Group)
	}
	if r.Priority != 0 {
		fmt.Fprintf(&b, "priority %d ", r.Priority)
	}
	b.WriteString("ingress pattern ")
	p := &r.Pattern
	if e := p.Eth; e != nil {
		b.WriteString("eth")
		if e.SrcMask != (MAC{}) {
			fmt.Fprintf(&b, " src spec %s src mask %s", e.Src, e.SrcMask)
		}
		if e.DstMask != (MAC{}) {
			fmt.Fprintf(&b, " dst spec %s dst mask %s", e.Dst, e.DstMask)
		}
		if e.TypeMask != 0 {
			fmt.Fprintf(&b, " type spec 0x%04x type mask 0x%04x", e.Type, e.TypeMask)
		}
		b.WriteString(" / ")
	}
	if v := p.VLAN; v != nil {
		b.WriteString("vlan")
		if v.VIDMask != 0 {
			fmt.Fprintf(&b, " vid spec %d vid mask 0x%03x", v.VID, v.VIDMask)
		}
		b.WriteString(" / ")
	}
	for _, x := range []struct {
		name string
		ip   *IP
	}{{"ipv4", p.IPv4}, {"ipv6", p.IPv6}} {
		if x.ip == nil {
			continue
		}
		b.WriteString(x.name)
		if x.ip.Src.IsValid() {
			fmt.Fprintf(&b, " src spec %s src prefix %d", x.ip.Src.Addr(), x.ip.Src.Bits())
		}
		if x.ip.Dst.IsValid() {
			fmt.Fprintf(&b, " dst spec %s dst prefix %d", x.ip.Dst.Addr(), x.ip.Dst.Bits())
		}
		if x.ip.ProtoMask != 0 {
			fmt.Fprintf(&b, " proto spec %d proto mask 0x%02x", x.ip.Proto, x.ip.ProtoMask)
		}
		b.WriteString(" / ")
	}
	for _, x := range []struct {
		name string
		l4   *L4
	}{{"udp", p.UDP}, {"tcp", p.TCP}} {
		if x.l4 == nil {
			continue
		}
		b.WriteString(x.name)
		for _, f := range []struct {
			name string
			r    *PortRange
		}{{"src", x.l4.Src}, {"dst", x.l4.Dst}} {
			if f.r == nil {
				continue
			}
			if f.r.Lo == f.r.Hi {
				fmt.Fprintf(&b, " %s is %d", f.name, f.r.Lo)
			} else {
				fmt.Fprintf(&b, " %s spec %d %s last %d", f.name, f.r.Lo, f.name, f.r.Hi)
			}
		}
		b.WriteString(" / ")
	}
	if c := p.ICMP; c != nil {
		b.WriteString("icmp")
		if c.TypeMask != 0 {
			fmt.Fprintf(&b, " type spec %d type mask 0x%02x", c.Type, c.TypeMask)
		}
		if c.CodeMask != 0 {
			fmt.Fprintf(&b, " code spec %d code mask 0x%02x", c.Code, c.CodeMask)
		}
		b.WriteString(" / ")
	}
	b.WriteString("end actions ")
	a := &r.Actions
	if a.Drop {
		b.WriteString("drop / ")
	}
	if a.HasMark {
		fmt.Fprintf(&b, "mark id %d / ", a.Mark)
	}
	if a.Count {
		b.WriteString("count / ")
	}
	if a.HasQueue {
		fmt.Fprintf(&b, "queue index %d / ", a.Queue)
	}
	b.WriteString("end")
	return b.String()
}

// text is how stats name the rule: as written, else String.
func (r *Rule) text() string {
	if r.Text != "" {
		return r.Text
	}
	return r.String()
}
