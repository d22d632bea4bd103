package flow

/*
#cgo pkg-config: libdpdk
#cgo CFLAGS: -DALLOW_EXPERIMENTAL_API
#include <stdlib.h>
#include <rte_flow.h>
#include "zflow.h"
*/
import "C"

import (
	"fmt"
	"net/netip"
	"syscall"
	"unsafe"

	"github.com/zcnic/zcnic/internal/rte"
)

// crule is a rule as the C side takes it.
func crule(r *Rule) C.struct_zf_rule {
	var c C.struct_zf_rule
	c.group = C.uint32_t(r.Group)
	c.priority = C.uint32_t(r.Priority)
	p := &r.Pattern
	if e := p.Eth; e != nil {
		c.has_eth = 1
		for i := 0; i < 6; i++ {
			c.smac[i], c.smask[i] = C.uint8_t(e.Src[i]), C.uint8_t(e.SrcMask[i])
			c.dmac[i], c.dmask[i] = C.uint8_t(e.Dst[i]), C.uint8_t(e.DstMask[i])
		}
		c.etype, c.etype_mask = C.uint16_t(e.Type), C.uint16_t(e.TypeMask)
	}
	if v := p.VLAN; v != nil {
		c.has_vlan = 1
		c.vid, c.vid_mask = C.uint16_t(v.VID), C.uint16_t(v.VIDMask)
	}
	ip := p.IPv4
	if ip != nil {
		c.has_ipv4 = 1
	} else if ip = p.IPv6; ip != nil {
		c.has_ipv6 = 1
	}
	if ip != nil {
		c.src_len = prefixC(ip.Src, &c.src)
		c.dst_len = prefixC(ip.Dst, &c.dst)
		c.proto, c.proto_mask = C.uint8_t(ip.Proto), C.uint8_t(ip.ProtoMask)
	}
	l4 := p.UDP
	if l4 != nil {
		c.has_udp = 1
	} else if l4 = p.TCP; l4 != nil {
		c.has_tcp = 1
	}
	if l4 != nil {
		if l4.Src != nil {
			c.has_sport, c.sport_lo, c.sport_hi = 1, C.uint16_t(l4.Src.Lo), C.uint16_t(l4.Src.Hi)
		}
		if l4.Dst != nil {
			c.has_dport, c.dport_lo, c.dport_hi = 1, C.uint16_t(l4.Dst.Lo), C.uint16_t(l4.Dst.Hi)
		}
	}
	if ic := p.ICMP; ic != nil {
		c.has_icmp = 1
		c.icmp_type, c.icmp_type_mask = C.uint8_t(ic.Type), C.uint8_t(ic.TypeMask)
		c.icmp_code, c.icmp_code_mask = C.uint8_t(ic.Code), C.uint8_t(ic.CodeMask)
	}
	a := &r.Actions
	c.drop, c.count = C.uint8_t(b2i(a.Drop)), C.uint8_t(b2i(a.Count))
	c.has_mark, c.mark = C.uint8_t(b2i(a.HasMark)), C.uint32_t(a.Mark)
	c.has_queue, c.queue = C.uint8_t(b2i(a.HasQueue)), C.uint16_t(a.Queue)
	return c
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Error is a failed rte_flow call: the call, the errno, the PMD's
// message (rte_flow_error's), and the part of the rule it names.
type Error struct {
	Call  string
	Errno syscall.Errno
	// Message is rte_flow_error's message, as the PMD wrote it.
	Message string
	// Part names what the error is about: "item 2 (ipv4)", "action 0
	// (mark)", "attribute priority", or empty.
	Part string
	// Port is the port the call was made on.
	Port uint16
}

// Error is "call: port N: errno text: the PMD's message (the part)".
func (e *Error) Error() string {
	s := fmt.Sprintf("%s: port %d: %s", e.Call, e.Port, rte.Strerror(int(e.Errno)))
	if e.Message != "" && e.Message != rte.Strerror(int(e.Errno)) {
		s += ": " + e.Message
	}
	if e.Part != "" {
		s += " (" + e.Part + ")"
	}
	return s
}

// Unwrap gives the errno, for errors.Is(err, syscall.ENOSYS).
func (e *Error) Unwrap() error { return e.Errno }

// Reason is the PMD's text, as RuleStats.Reason shows it.
func (e *Error) Reason() string {
	s := e.Message
	if s == "" {
		s = rte.Strerror(int(e.Errno))
	}
	if e.Part != "" {
		s += " (" + e.Part + ")"
	}
	return s
}

var itemNames = map[int]string{
	C.RTE_FLOW_ITEM_TYPE_ETH: "eth", C.RTE_FLOW_ITEM_TYPE_VLAN: "vlan", C.RTE_FLOW_ITEM_TYPE_IPV4: "ipv4",
	C.RTE_FLOW_ITEM_TYPE_IPV6: "ipv6", C.RTE_FLOW_ITEM_TYPE_UDP: "udp", C.RTE_FLOW_ITEM_TYPE_TCP: "tcp",
	C.RTE_FLOW_ITEM_TYPE_ICMP: "icmp", C.RTE_FLOW_ITEM_TYPE_END: "end",
}

var actionNames = map[int]string{
	C.RTE_FLOW_ACTION_TYPE_DROP: "drop", C.RTE_FLOW_ACTION_TYPE_MARK: "mark", C.RTE_FLOW_ACTION_TYPE_COUNT: "count",
	C.RTE_FLOW_ACTION_TYPE_QUEUE: "queue", C.RTE_FLOW_ACTION_TYPE_END: "end",
}

var errTypeParts = map[int]string{
	C.RTE_FLOW_ERROR_TYPE_ATTR_GROUP: "attribute group", C.RTE_FLOW_ERROR_TYPE_ATTR_PRIORITY: "attribute priority",
	C.RTE_FLOW_ERROR_TYPE_ATTR_INGRESS: "attribute ingress", C.RTE_FLOW_ERROR_TYPE_ATTR: "attributes",
	C.RTE_FLOW_ERROR_TYPE_ITEM_NUM: "pattern length", C.RTE_FLOW_ERROR_TYPE_ACTION_NUM: "number of actions",
}

func flowErr(call string, port uint16, s *spec, e *C.struct_zf_err) error {
	fe := &Error{Call: call, Errno: syscall.Errno(e.code), Message: C.GoString(&e.msg[0]), Port: port}
	if fe.Errno == 0 {
		fe.Errno = syscall.EIO
	}
	switch {
	case e.item >= 0 && s != nil:
		t, _, _, _ := s.item(int(e.item))
		fe.Part = fmt.Sprintf("item %d (%s)", int(e.item), itemNames[t])
	case e.action >= 0 && s != nil:
		t, _ := s.action(int(e.action))
		fe.Part = fmt.Sprintf("action %d (%s)", int(e.action), actionNames[t])
	default:
		fe.Part = errTypeParts[int(e._type)]
	}
	return fe
}

// spec is a rule's rte_flow attributes, items and actions in C memory.
type spec struct{ p *C.struct_zf_spec }

func newSpec(r *Rule) (*spec, error) {
	c := crule(r)
	p := C.zf_spec_build(&c)
	if p == nil {
		return nil, &rte.Error{Call: "calloc", Errno: syscall.ENOMEM}
	}
	return &spec{p}, nil
}

func (s *spec) free() {
	if s != nil && s.p != nil {
		C.zf_spec_free(s.p)
		s.p = nil
	}
}

func (s *spec) nitems() int   { return int(C.zf_spec_nitems(s.p)) }
func (s *spec) nactions() int { return int(C.zf_spec_nactions(s.p)) }

// item is item i's type and the bytes of its spec, mask and last (nil
// where the item has none).
func (s *spec) item(i int) (typ int, sp, mask, last []byte) {
	var t, size C.int
	var a, b, c unsafe.Pointer
	if C.zf_spec_item(s.p, C.int(i), &t, &a, &b, &c, &size) != 0 {
		return -1, nil, nil, nil
	}
	bs := func(p unsafe.Pointer) []byte {
		if p == nil {
			return nil
		}
		return C.GoBytes(p, size)
	}
	return int(t), bs(a), bs(b), bs(c)
}

// action is action i's type and the bytes of its configuration.
func (s *spec) action(i int) (typ int, conf []byte) {
	var t, size C.int
	var c unsafe.Pointer
	if C.zf_spec_action(s.p, C.int(i), &t, &c, &size) != 0 {
		return -1, nil
	}
	if c != nil {
		conf = C.GoBytes(c, size)
	}
	return int(t), conf
}

func (s *spec) attr() (group, priority uint32, ingress bool) {
	var g, p C.uint32_t
	var in C.int
	C.zf_spec_attr(s.p, &g, &p, &in)
	return uint32(g), uint32(p), in != 0
}

func freeSet(s *C.struct_zf_set) { C.zf_set_free(s) }

// keyOf is the classification key of m (for tests).
func keyOf(m unsafe.Pointer) [C.ZF_KEY_SIZE]byte {
	var k [C.ZF_KEY_SIZE]byte
	C.zf_key_of((*C.struct_rte_mbuf)(m), (*C.uint8_t)(unsafe.Pointer(&k[0])))
	return k
}

// prefixC writes a prefix's address into a C address field (IPv4 in its
// first 4 bytes) and returns its length; an unset prefix writes nothing
// and is 0 long.
func prefixC(p netip.Prefix, dst *[16]C.uint8_t) C.uint8_t {
	if !p.IsValid() {
		return 0
	}
	for i, b := range p.Addr().AsSlice() {
		dst[i] = C.uint8_t(b)
	}
	return C.uint8_t(p.Bits())
}
