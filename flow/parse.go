package flow

import (
	"bufio"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Parse reads one rule in testpmd's flow create syntax:
//
//	[flow create PORT] [group N] [priority N] [ingress]
//	pattern ITEM [/ ITEM]... / end actions ACTION [/ ACTION]... / end
//
// Items, each with fields given as FIELD is V, FIELD spec V, FIELD mask
// M, FIELD last V (ports only: a range from spec to last) or FIELD
// prefix N (addresses):
//
//	eth   src, dst (MAC), type (EtherType)
//	vlan  vid
//	ipv4  src, dst (address), proto
//	ipv6  src, dst (address), proto
//	udp   src, dst (port)
//	tcp   src, dst (port)
//	icmp  type, code
//
// Actions: drop, mark id N, count, queue index N. The error names the
// part of the rule that is wrong.
func Parse(s string) (Rule, error) {
	p := parser{toks: strings.Fields(s)}
	r, err := p.rule()
	if err != nil {
		return Rule{}, err
	}
	r.Text = strings.Join(strings.Fields(s), " ")
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// ParseFile reads rules from a file, one a line; blank lines and lines
// starting with # are skipped. An error names the file and line.
func ParseFile(path string) ([]Rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRule, err)
	}
	defer f.Close()
	var rules []Rule
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 1
	for ; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := Parse(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		r.Source = fmt.Sprintf("%s:%d", path, n)
		rules = append(rules, r)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: %s:%d: the line is longer than 1 MiB", ErrRule, path, n)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrRule, path, err)
	}
	return rules, nil
}

type parser struct {
	toks []string
	i    int
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *parser) next() string {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

// num reads an unsigned number of at most bits bits (decimal or 0x hex).
func (p *parser) num(part string, bitsz int) (uint64, error) {
	t := p.next()
	if t == "" {
		return 0, ruleErr(part, "missing number")
	}
	v, err := strconv.ParseUint(t, 0, bitsz)
	if err != nil {
		return 0, ruleErr(part, "%q is not a number of %d bits", t, bitsz)
	}
	return v, nil
}

func (p *parser) rule() (Rule, error) {
	r := Rule{Port: -1}
	if p.peek() == "flow" {
		p.next()
		if t := p.next(); t != "create" {
			return r, ruleErr("flow", "%q: only flow create is a rule", t)
		}
		v, err := p.num("port", 16)
		if err != nil {
			return r, err
		}
		r.Port = int(v)
	}
attrs:
	for {
		switch t := p.next(); t {
		case "group":
			v, err := p.num("group", 32)
			if err != nil {
				return r, err
			}
			r.Group = uint32(v)
		case "priority":
			v, err := p.num("priority", 32)
			if err != nil {
				return r, err
			}
			r.Priority = uint32(v)
		case "ingress":
		case "egress", "transfer":
			return r, ruleErr("attribute "+t, "only ingress rules are supported")
		case "pattern":
			break attrs
		case "":
			return r, ruleErr("rule", "no pattern")
		default:
			return r, ruleErr("attribute", "unknown attribute %q (want group, priority, ingress or pattern)", t)
		}
	}
	if err := p.pattern(&r.Pattern); err != nil {
		return r, err
	}
	if t := p.next(); t != "actions" {
		return r, ruleErr("rule", "want actions after the pattern's end, got %q", t)
	}
	if err := p.actions(&r.Actions); err != nil {
		return r, err
	}
	if t := p.peek(); t != "" {
		return r, ruleErr("rule", "%q after the actions' end", t)
	}
	return r, nil
}

// Layer order of the items: each item must come after the ones before.
var itemLayer = map[string]int{"eth": 0, "vlan": 1, "ipv4": 2, "ipv6": 2, "udp": 3, "tcp": 3, "icmp": 3}

func (p *parser) pattern(pat *Pattern) error {
	last := -1
	lastName := ""
	for {
		name := p.next()
		if name == "end" {
			return nil
		}
		if name == "" {
			return ruleErr("pattern", "no end")
		}
		layer, ok := itemLayer[name]
		if !ok {
			return ruleErr("pattern", "unknown item %q (want eth, vlan, ipv4, ipv6, udp, tcp, icmp or end)", name)
		}
		if layer <= last {
			return ruleErr("item "+name, "cannot follow %s", lastName)
		}
		last, lastName = layer, name
		fields, err := p.fields(name)
		if err != nil {
			return err
		}
		if err := setItem(pat, name, fields); err != nil {
			return err
		}
		if t := p.peek(); t == "/" {
			p.next()
		} else if t == "" {
			return ruleErr("pattern", "no end")
		} else if t != "end" {
			return ruleErr("item "+name, "want / or end after it, got %q", t)
		}
	}
}

// field is one field of an item as written: spec, mask and last as
// text (empty if not given), or a prefix length.
type field struct {
	spec, mask, last string
	prefix           int // -1 if not given
}

var itemFields = map[string][]string{
	"eth":  {"src", "dst", "type"},
	"vlan": {"vid"},
	"ipv4": {"src", "dst", "proto"},
	"ipv6": {"src", "dst", "proto"},
	"udp":  {"src", "dst"},
	"tcp":  {"src", "dst"},
	"icmp": {"type", "code"},
}

func (p *parser) fields(item string) (map[string]*field, error) {
	fs := map[string]*field{}
	given := map[string]bool{} // "src spec", "src mask", ...: each once
	for {
		name := p.peek()
		if name == "/" || name == "end" || name == "" {
			return fs, nil
		}
		p.next()
		known := false
		for _, f := range itemFields[item] {
			known = known || f == name
		}
		if !known {
			return nil, ruleErr("item "+item, "unknown field %q (fields: %s)", name, strings.Join(itemFields[item], ", "))
		}
		part := "item " + item + ": field " + name
		f := fs[name]
		if f == nil {
			f = &field{prefix: -1}
			fs[name] = f
		}
		kind := p.next()
		val := p.next()
		if val == "" || val == "/" || val == "end" {
			return nil, ruleErr(part, "%q needs a value", kind)
		}
		var sets []string
		switch kind {
		case "is":
			sets = []string{"spec", "mask"}
		case "prefix":
			sets = []string{"mask"}
		default:
			sets = []string{kind}
		}
		for _, k := range sets {
			if given[name+" "+k] {
				return nil, ruleErr(part, "given twice (its %s): one value a field", k)
			}
			given[name+" "+k] = true
		}
		switch kind {
		case "is":
			f.spec, f.mask = val, "full"
		case "spec":
			f.spec = val
		case "mask":
			f.mask = val
		case "last":
			f.last = val
		case "prefix":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return nil, ruleErr(part, "prefix %q is not a length", val)
			}
			f.prefix = n
			f.mask = ""
		default:
			return nil, ruleErr(part, "unknown %q (want is, spec, mask, last or prefix)", kind)
		}
	}
}

func setItem(pat *Pattern, item string, fs map[string]*field) error {
	part := func(f string) string { return "item " + item + ": field " + f }
	for name, f := range fs {
		if f.spec == "" {
			return ruleErr(part(name), "no value (give is or spec)")
		}
		if f.last != "" && !(item == "udp" || item == "tcp") {
			return ruleErr(part(name), "last (a range) is only for udp and tcp ports")
		}
		if f.prefix >= 0 && !(item == "ipv4" || item == "ipv6") || f.prefix >= 0 && name == "proto" {
			return ruleErr(part(name), "prefix is only for addresses")
		}
	}
	switch item {
	case "eth":
		e := &Eth{}
		for name, f := range fs {
			switch name {
			case "src", "dst":
				v, m, err := macField(part(name), f)
				if err != nil {
					return err
				}
				if name == "src" {
					e.Src, e.SrcMask = v, m
				} else {
					e.Dst, e.DstMask = v, m
				}
			case "type":
				v, m, err := numField(part(name), f, 16)
				if err != nil {
					return err
				}
				e.Type, e.TypeMask = uint16(v), uint16(m)
			}
		}
		pat.Eth = e
	case "vlan":
		v := &VLAN{}
		if f := fs["vid"]; f != nil {
			val, m, err := numField(part("vid"), f, 16)
			if err != nil {
				return err
			}
			if val > 0xfff {
				return ruleErr(part("vid"), "%d is over 4095", val)
			}
			v.VID, v.VIDMask = uint16(val), uint16(m)&0xfff
		}
		pat.VLAN = v
	case "ipv4", "ipv6":
		bits := 32
		if item == "ipv6" {
			bits = 128
		}
		ip := &IP{}
		for name, f := range fs {
			switch name {
			case "src", "dst":
				pf, err := prefixField(part(name), f, bits)
				if err != nil {
					return err
				}
				if name == "src" {
					ip.Src = pf
				} else {
					ip.Dst = pf
				}
			case "proto":
				v, m, err := numField(part(name), f, 8)
				if err != nil {
					return err
				}
				ip.Proto, ip.ProtoMask = uint8(v), uint8(m)
			}
		}
		if item == "ipv4" {
			pat.IPv4 = ip
		} else {
			pat.IPv6 = ip
		}
	case "udp", "tcp":
		l4 := &L4{}
		for name, f := range fs {
			r, err := portField(part(name), f)
			if err != nil {
				return err
			}
			if name == "src" {
				l4.Src = r
			} else {
				l4.Dst = r
			}
		}
		if item == "udp" {
			pat.UDP = l4
		} else {
			pat.TCP = l4
		}
	case "icmp":
		c := &ICMP{}
		for name, f := range fs {
			v, m, err := numField(part(name), f, 8)
			if err != nil {
				return err
			}
			if name == "type" {
				c.Type, c.TypeMask = uint8(v), uint8(m)
			} else {
				c.Code, c.CodeMask = uint8(v), uint8(m)
			}
		}
		pat.ICMP = c
	}
	return nil
}

// numField is a number field's value and mask; spec without a mask
// matches the whole field, as testpmd's default masks do.
func numField(part string, f *field, bitsz int) (uint64, uint64, error) {
	full := uint64(1)<<bitsz - 1
	v, err := strconv.ParseUint(f.spec, 0, bitsz)
	if err != nil {
		return 0, 0, ruleErr(part, "%q is not a number of %d bits", f.spec, bitsz)
	}
	m := full
	if f.mask != "" && f.mask != "full" {
		if m, err = strconv.ParseUint(f.mask, 0, bitsz); err != nil {
			return 0, 0, ruleErr(part, "mask %q is not a number of %d bits", f.mask, bitsz)
		}
	}
	return v & m, m, nil
}

func macField(part string, f *field) (MAC, MAC, error) {
	var v, m MAC
	hw, err := net.ParseMAC(f.spec)
	if err != nil || len(hw) != 6 {
		return v, m, ruleErr(part, "%q is not a MAC address", f.spec)
	}
	copy(v[:], hw)
	m = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if f.mask != "" && f.mask != "full" {
		hm, err := net.ParseMAC(f.mask)
		if err != nil || len(hm) != 6 {
			return v, m, ruleErr(part, "mask %q is not a MAC address", f.mask)
		}
		copy(m[:], hm)
	}
	for i := range v {
		v[i] &= m[i]
	}
	return v, m, nil
}

func prefixField(part string, f *field, bits int) (netip.Prefix, error) {
	a, err := netip.ParseAddr(f.spec)
	if err != nil || a.BitLen() != bits || a.Is4In6() {
		return netip.Prefix{}, ruleErr(part, "%q is not an IPv%d address", f.spec, map[int]int{32: 4, 128: 6}[bits])
	}
	n := bits
	switch {
	case f.prefix >= 0:
		if f.prefix > bits {
			return netip.Prefix{}, ruleErr(part, "prefix %d is over %d", f.prefix, bits)
		}
		n = f.prefix
	case f.mask != "" && f.mask != "full":
		m, err := netip.ParseAddr(f.mask)
		if err != nil || m.BitLen() != bits {
			return netip.Prefix{}, ruleErr(part, "mask %q is not an IPv%d address", f.mask, map[int]int{32: 4, 128: 6}[bits])
		}
		if n = maskLen(m.AsSlice()); n < 0 {
			return netip.Prefix{}, ruleErr(part, "mask %s is not a prefix (ones then zeros)", f.mask)
		}
	}
	return netip.PrefixFrom(a, n).Masked(), nil
}

// maskLen is the prefix length of a contiguous mask, or -1.
func maskLen(b []byte) int {
	n, zero := 0, false
	for _, x := range b {
		if zero && x != 0 {
			return -1
		}
		ones := bits.LeadingZeros8(^x)
		if x<<ones != 0 {
			return -1
		}
		n += ones
		zero = zero || ones < 8
	}
	return n
}

func portField(part string, f *field) (*PortRange, error) {
	lo, err := strconv.ParseUint(f.spec, 0, 16)
	if err != nil {
		return nil, ruleErr(part, "%q is not a port", f.spec)
	}
	if f.mask != "" && f.mask != "full" {
		m, err := strconv.ParseUint(f.mask, 0, 16)
		if err != nil {
			return nil, ruleErr(part, "mask %q is not a number of 16 bits", f.mask)
		}
		if m == 0 {
			return nil, nil
		}
		if m != 0xffff {
			return nil, ruleErr(part, "mask 0x%x: ports match whole or as a range (spec A last B)", m)
		}
	}
	hi := lo
	if f.last != "" {
		if hi, err = strconv.ParseUint(f.last, 0, 16); err != nil {
			return nil, ruleErr(part, "last %q is not a port", f.last)
		}
		if hi < lo {
			return nil, ruleErr(part, "inverted port range %d..%d", lo, hi)
		}
	}
	return &PortRange{Lo: uint16(lo), Hi: uint16(hi)}, nil
}

func (p *parser) actions(a *Actions) error {
	n := 0
	for {
		name := p.next()
		part := "action " + name
		switch name {
		case "end":
			if n == 0 {
				return ruleErr("actions", "no action")
			}
			return nil
		case "":
			return ruleErr("actions", "no end")
		case "drop":
			a.Drop = true
		case "count":
			a.Count = true
		case "mark":
			if t := p.next(); t != "id" {
				return ruleErr(part, "want id N, got %q", t)
			}
			v, err := p.num(part+": id", 32)
			if err != nil {
				return err
			}
			a.HasMark, a.Mark = true, uint32(v)
		case "queue":
			if t := p.next(); t != "index" {
				return ruleErr(part, "want index N, got %q", t)
			}
			v, err := p.num(part+": index", 16)
			if err != nil {
				return err
			}
			a.HasQueue, a.Queue = true, uint16(v)
		default:
			return ruleErr("actions", "unknown action %q (want drop, mark, count, queue or end)", name)
		}
		n++
		if t := p.peek(); t == "/" {
			p.next()
		} else if t != "end" {
			return ruleErr(part, "want / or end after it, got %q", t)
		}
	}
}
