package flow

import (
	"strings"
	"testing"
)

// Parse never panics; what it accepts is valid, and its String parses
// back to the same rule; what it refuses gets a one-line error.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"flow create 1 group 0 priority 3 ingress pattern eth src is 02:00:00:00:00:01 type is 0x0800 / vlan vid is 42 / ipv4 src spec 10.1.2.3 src prefix 8 proto is 17 / udp src spec 1000 src last 2000 dst is 53 / end actions mark id 7 / count / end",
		"pattern ipv6 dst spec 2001:db8:: dst mask ffff:ffff:: / tcp dst is 443 / end actions drop / end",
		"pattern eth / ipv4 / icmp type is 8 code spec 0 code mask 0xff / end actions queue index 3 / end",
		"pattern end actions count / end",
		"pattern eth dst spec 02:00:00:aa:00:00 dst mask ff:ff:ff:ff:00:00 / end actions drop / end",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("Parse accepted an invalid rule: %v", err)
		}
		r2, err := Parse(r.String())
		if err != nil {
			t.Fatalf("String %q does not parse: %v", r.String(), err)
		}
		r.Text, r2.Text, r2.Port = "", "", r.Port
		if r.String() != r2.String() {
			t.Fatalf("round trip: %q != %q", r.String(), r2.String())
		}
	})
}
