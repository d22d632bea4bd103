package flow

/*
#include "zflow.h"
*/
import "C"

// Offload: rules put on a NIC's flow tables with rte_flow, one call at
// a time. Table uses these; they are also there for programs that
// manage a port's rules themselves.

// Flow is a rule the NIC runs (an rte_flow handle).
type Flow struct {
	port  uint16
	f     *C.struct_rte_flow
	count bool
}

// Validate asks port's PMD whether it would take r (rte_flow_validate).
// The error is an *Error with the PMD's message and the item or action
// it names.
func Validate(port uint16, r Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	s, err := newSpec(&r)
	if err != nil {
		return err
	}
	defer s.free()
	var e C.struct_zf_err
	if C.zf_flow_validate(C.uint16_t(port), s.p, &e) != 0 {
		return flowErr("rte_flow_validate", port, s, &e)
	}
	return nil
}

// Create validates r on port (rte_flow_validate), then creates it
// (rte_flow_create).
func Create(port uint16, r Rule) (*Flow, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	s, err := newSpec(&r)
	if err != nil {
		return nil, err
	}
	defer s.free()
	var e C.struct_zf_err
	if C.zf_flow_validate(C.uint16_t(port), s.p, &e) != 0 {
		return nil, flowErr("rte_flow_validate", port, s, &e)
	}
	f := C.zf_flow_create(C.uint16_t(port), s.p, &e)
	if f == nil {
		return nil, flowErr("rte_flow_create", port, s, &e)
	}
	return &Flow{port: port, f: f, count: r.Actions.Count}, nil
}

// Destroy removes the rule from the NIC (rte_flow_destroy). A second
// Destroy does nothing.
func (f *Flow) Destroy() error {
	if f == nil || f.f == nil {
		return nil
	}
	var e C.struct_zf_err
	if C.zf_flow_destroy(C.uint16_t(f.port), f.f, &e) != 0 {
		return flowErr("rte_flow_destroy", f.port, nil, &e)
	}
	f.f = nil
	return nil
}

// Query reads the rule's counters (rte_flow_query of its count action).
func (f *Flow) Query() (hits, bytes uint64, err error) {
	if f == nil || f.f == nil {
		return 0, 0, nil
	}
	var h, b C.uint64_t
	var e C.struct_zf_err
	if C.zf_flow_query_count(C.uint16_t(f.port), f.f, &h, &b, &e) != 0 {
		return 0, 0, flowErr("rte_flow_query", f.port, nil, &e)
	}
	return uint64(h), uint64(b), nil
}

// Flush removes every rule from port's NIC (rte_flow_flush), also those
// this process did not create through Flow.
func Flush(port uint16) error {
	var e C.struct_zf_err
	if C.zf_flow_flush(C.uint16_t(port), &e) != 0 {
		return flowErr("rte_flow_flush", port, nil, &e)
	}
	return nil
}

// Isolate turns isolated mode on or off (rte_flow_isolate): on, the
// port gives the application only what its rules let through. Call it
// before the port is configured.
func Isolate(port uint16, on bool) error {
	var e C.struct_zf_err
	if C.zf_flow_isolate(C.uint16_t(port), C.int(b2i(on)), &e) != 0 {
		return flowErr("rte_flow_isolate", port, nil, &e)
	}
	return nil
}
