// Package flow is zcnic's flow rules: one rule model (a pattern and
// actions, with a priority), run by the NIC through rte_flow where the
// NIC takes the rule, and in software, with DPDK's librte_acl, in the
// runner's loop where it does not, with the same results.
//
// # Rules
//
// A Rule is what testpmd's "flow create" takes, and Parse reads that
// syntax (ParseFile a file of them, one a line):
//
//	[flow create PORT] [group N] [priority N] [ingress]
//	pattern ITEM [/ ITEM]... / end actions ACTION [/ ACTION]... / end
//
//	flow create 0 priority 1 pattern eth / ipv4 src spec 10.0.0.0 src prefix 8 / udp dst is 53 / end actions drop / end
//	pattern eth / vlan vid is 10 / ipv6 dst spec 2001:db8:: dst prefix 32 / tcp dst spec 8000 dst last 8100 / end actions mark id 7 / count / end
//
// Items: eth (src, dst, type), vlan (vid), ipv4 and ipv6 (src and dst as
// prefixes, proto), udp and tcp (src and dst ports, or ranges: "dst spec
// A dst last B"), icmp (type, code). Actions: drop, mark id N, count,
// queue index N. A bad rule gets a one-line error naming the part
// (ErrRule).
//
// # What a rule matches
//
// As rte_flow: the items are the packet's headers, outermost first, and
// an item in the pattern must be in the packet (udp matches UDP packets
// only). A pattern without a vlan item matches tagged and untagged
// frames alike, as rte_flow's eth item whose has_vlan is left unused: the
// layers above are found after the tag (one tag; a frame with two has
// no IP layer to match); with vlan, tagged frames only, by the outer
// tag. The eth type is the Ethernet header's own field, the TPID of a
// tagged frame. "pattern end" matches every packet. In
// software a layer is in the packet when its header is whole in the
// first segment: a truncated or malformed packet matches only rules that
// need none of the layers it lacks, and nothing past the data is read.
// IPv4 fragments match no udp, tcp or icmp item (a later fragment has no
// L4 header, and a first one is not the whole datagram); IPv6 extension
// headers are not walked, so udp and tcp match when the fixed header's
// next header is theirs.
//
// One rule applies to a packet: of the rules that match it, the one with
// the highest priority, which is the lowest priority number (as
// rte_flow: 0 is the highest), and among rules of the same priority the
// first in the table. All its actions apply: drop frees it before the
// handler sees it, mark writes its id where a NIC writes it (read it
// with (*mbuf.Mbuf).Mark), count counts it. A packet no rule matches
// goes on unchanged.
//
// # Where rules run
//
// A Table holds a port's rules and their Placement, and goes to the
// runner with the port (app.PortConfig.Rules). When the run sets the
// port up the table is put on it (Bind):
//
//   - Hardware: every rule goes to the NIC (rte_flow_validate, then
//     rte_flow_create); a rule the NIC refuses fails the run, with the
//     NIC's message and the item or action it names.
//   - Software: no rule goes to the NIC. The rules are compiled with
//     rte_acl_build, and the loops that poll the port classify each
//     vector they receive (rte_acl_classify, in C, in the loop's turn,
//     before the handler). Software cannot steer to a queue (there is
//     no ring to the queue's lcore) nor run groups other than 0: such a
//     rule is refused when it is added.
//   - Auto: each rule is tried on the NIC, and runs in software if the
//     NIC refuses it, with the NIC's text as its reason; a rule software
//     cannot run either is refused. The rules the NIC took act first,
//     before the software ones see the packet.
//
// A queue index beyond the port's rx queues is refused in every
// placement. Stats says, for each rule, where it runs, why, and its hits
// and bytes (software counts every rule; a NIC counts rules with a count
// action). Classify is the software classification's cost, in TSC
// cycles per packet. On the virtual devices zcnic is tested on, no PMD
// takes a rule (net_tap lacks the kernel's TC flower, the others answer
// ENOSYS), so Auto runs everything in software there.
//
// # Replacing rules under traffic
//
// Replace swaps a table's rules while traffic flows: the new set is
// placed and compiled aside, then published with one atomic store, and
// a loop reads the current set once per vector, so each packet is
// classified by the old set or the new one, never both, and none is
// lost. The old set is freed once every loop has passed a turn without
// it, which the loops report with librte_rcu's QSBR; no lock is taken on
// the per-packet path. The old set's final counts are in Retired.
//
// The rte_flow calls (Validate, Create, Flow.Destroy, Flow.Query, Flush,
// Isolate) are there for programs that manage a port's NIC rules
// themselves.
package flow
