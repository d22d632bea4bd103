package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/flow"
)

// ruleFlags are zcnic fwd's flow-rule flags.
type ruleFlags struct {
	files     listFlag
	rules     listFlag
	placement string
}

func (f *ruleFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.files, "rules", "flow rules `FILE`: one rule a line in testpmd's flow create syntax, 'pattern ITEM / ... / end actions ACTION / ... / end', # comments; a rule applies to every port unless it starts with 'flow create PORT' (repeatable)")
	fs.Var(&f.rules, "rule", "one flow `RULE` in the same syntax, like 'pattern eth / ipv4 / udp dst is 53 / end actions drop / end' (repeatable; after the --rules files' rules)")
	fs.StringVar(&f.placement, "rule-placement", "auto", "`WHERE` the rules run: auto (on the NIC where it takes a rule, else in software), hardware (on the NIC, or fail), software (in zcnic's loop, with DPDK's ACL)")
}

// placedRule is a rule with where it came from, for error messages.
type placedRule struct {
	rule flow.Rule
	from string // "--rules FILE:LINE" or "--rule N"
}

// ruleTables are a run's flow-rule tables, by port (nil: none).
type ruleTables []*flow.Table

// tables reads the rules and makes each port's table (nil when no flag
// gave any rule): the files' rules, then the --rule flags', each on the
// port of its "flow create PORT", or on every port. Every error is a
// usage error, before EAL starts, naming the file and line (or the
// --rule) and the part of the rule: a syntax error, a port out of
// range, an action the placement cannot do.
func (f *ruleFlags) tables(nports int) (ruleTables, error) {
	placement, err := flow.ParsePlacement(f.placement)
	if err != nil {
		return nil, usagef("--rule-placement %q: must be auto, hardware or software", f.placement)
	}
	var all []placedRule
	for _, path := range f.files {
		rs, err := readRuleFile(path)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
	}
	for i, text := range f.rules {
		from := fmt.Sprintf("--rule %d", i+1)
		r, err := flow.Parse(text)
		if err != nil {
			return nil, usagef("%s: %s", from, ruleErrText(err))
		}
		r.Source = from
		all = append(all, placedRule{rule: r, from: from})
	}
	if len(all) == 0 {
		return nil, nil
	}
	perPort := make([][]flow.Rule, nports)
	for _, pr := range all {
		r := pr.rule
		if r.Port >= nports {
			return nil, usagef("%s: flow create %d: there %s", pr.from, r.Port, portsText(nports))
		}
		// The table's own checks (what the placement cannot do), on
		// the rule alone, so that the error says where the rule is.
		one := r
		one.Source = "" // the error's "rule 1" is replaced with pr.from
		if _, err := flow.NewTable(placement, []flow.Rule{one}); err != nil {
			return nil, usagef("%s: %s", pr.from, tableErrText(err))
		}
		for p := range perPort {
			if r.Port < 0 || r.Port == p {
				perPort[p] = append(perPort[p], r)
			}
		}
	}
	t := make(ruleTables, nports)
	for p, rules := range perPort {
		if len(rules) == 0 {
			continue
		}
		if t[p], err = flow.NewTable(placement, rules); err != nil {
			return nil, usagef("port %d's rules: %s", p, ruleErrText(err))
		}
	}
	return t, nil
}

// apply puts the tables on cfg's ports.
func (t ruleTables) apply(ports []app.PortConfig) {
	for i, tbl := range t {
		if tbl != nil && i < len(ports) {
			ports[i].Rules = tbl
		}
	}
}

// summaries are the tables' rule lines and classification costs (the
// counts stay in a table when the run ends).
func (t ruleTables) summaries() ([]ruleSummary, []classifySummary) {
	var rules [][]flow.RuleStats
	var cls []flow.ClassifyStats
	for _, tbl := range t {
		if tbl == nil {
			rules, cls = append(rules, nil), append(cls, flow.ClassifyStats{})
			continue
		}
		rules, cls = append(rules, tbl.Stats()), append(cls, tbl.Classify())
	}
	return ruleLines(rules, cls)
}

// ruleLines turns per-port rule stats (app.Snapshot's Rules and
// Classify, or the tables') into the summary's lines: only ports with
// rules.
func ruleLines(rules [][]flow.RuleStats, cls []flow.ClassifyStats) ([]ruleSummary, []classifySummary) {
	var rs []ruleSummary
	var cs []classifySummary
	for p, st := range rules {
		if st == nil {
			continue
		}
		for i, r := range st {
			rs = append(rs, ruleSummary{Port: p, Index: i, Rule: r.Rule, Priority: r.Priority, Placement: r.Placement.String(),
				Reason: r.Reason, Counted: r.Counted, Hits: r.Hits, Bytes: r.Bytes, Drop: r.Drop})
		}
		if p < len(cls) {
			c := cls[p]
			s := classifySummary{Port: p, Classified: c.Packets, Cycles: c.Cycles, TSCHz: c.Hz, NsPerPacket: c.NsPerPacket()}
			if c.Packets > 0 {
				s.CyclesPerPacket = float64(c.Cycles) / float64(c.Packets)
			}
			cs = append(cs, s)
		}
	}
	return rs, cs
}

// tableErrText is a flow.NewTable error about one rule, without the
// "flow: rule 1 (TEXT): " the caller replaces with the rule's place.
func tableErrText(err error) string {
	s := ruleErrText(err)
	if rest, ok := strings.CutPrefix(s, "rule 1"); ok {
		if i := strings.Index(rest, "): "); strings.HasPrefix(rest, " (") && i >= 0 {
			return rest[i+3:]
		}
		return strings.TrimPrefix(rest, ": ")
	}
	return s
}

// portsText is "are 2 ports (0 to 1)", "is 1 port (0)".
func portsText(n int) string {
	switch n {
	case 0:
		return "are no ports"
	case 1:
		return "is 1 port (0)"
	}
	return fmt.Sprintf("are %d ports (0 to %d)", n, n-1)
}

// ruleErrText is a flow error without its "flow: " prefix (the
// caller names the flag).
func ruleErrText(err error) string {
	return strings.TrimPrefix(oneLine(err), "flow: ")
}

// readRuleFile reads a --rules file as flow.ParseFile does (one rule
// a line; blank lines and # comments skipped), keeping each rule's line
// for later errors.
func readRuleFile(path string) ([]placedRule, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, usagef("--rules %s", strings.TrimPrefix(err.Error(), "open "))
	}
	defer fh.Close()
	var out []placedRule
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 1
	for ; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		from := fmt.Sprintf("--rules %s:%d", path, n)
		r, err := flow.Parse(line)
		if err != nil {
			return nil, usagef("%s: %s", from, ruleErrText(err))
		}
		r.Source = from // errors found later, at bind time, name it too
		out = append(out, placedRule{rule: r, from: from})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, usagef("--rules %s:%d: the line is longer than 1 MiB", path, n)
		}
		return nil, usagef("--rules %s: %v", path, err)
	}
	if len(out) == 0 {
		return nil, usagef("--rules %s: no rules in the file", path)
	}
	return out, nil
}

// ruleSummary is one rule's line of the summary (--json "rules").
type ruleSummary struct {
	Port      int    `json:"port"`
	Index     int    `json:"index"` // the rule's place in its port's table, from 0
	Rule      string `json:"rule"`
	Priority  uint32 `json:"priority"`
	Placement string `json:"placement"` // where it runs: hardware or software
	// Reason says why it runs there: the NIC's error when it fell back
	// to software.
	Reason string `json:"reason,omitempty"`
	// Counted says hits and bytes are counted: always in software, on
	// a NIC only for a rule with a count action.
	Counted bool   `json:"counted"`
	Hits    uint64 `json:"hits"`
	Bytes   uint64 `json:"bytes"`
	// Drop says the rule drops what it matches: its hits are drops.
	Drop bool `json:"drop"`
}

// classifySummary is one port's software classification (--json
// "classify"): packets classified and the TSC cycles it took.
type classifySummary struct {
	Port            int     `json:"port"`
	Classified      uint64  `json:"classified"`
	Cycles          uint64  `json:"cycles"`
	CyclesPerPacket float64 `json:"cycles_per_packet"`
	TSCHz           uint64  `json:"tsc_hz"`
	NsPerPacket     float64 `json:"ns_per_packet"`
}

// maxRuleLines is how many rules the text summary lists (--json has
// them all).
const maxRuleLines = 100

// printRules prints the rules' table of the text summary: a line per
// rule (at most maxRuleLines), why rules run where they do, and the
// software classification's cost per port.
func printRules(w io.Writer, rules []ruleSummary, cls []classifySummary, ports []portSummary) error {
	if len(rules) == 0 {
		return nil
	}
	fmt.Fprintln(w, "flow rules:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "port\trule\tplacement\thits\tbytes\tpattern and actions")
	for _, r := range rules[:min(len(rules), maxRuleLines)] {
		hits, bytes := "-", "-" // a NIC rule without count
		if r.Counted {
			hits, bytes = strconv.FormatUint(r.Hits, 10), strconv.FormatUint(r.Bytes, 10)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\n", r.Port, r.Index, r.Placement, hits, bytes, r.Rule)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := len(rules) - maxRuleLines; n > 0 {
		fmt.Fprintf(w, "... and %d more rules (--json lists them all)\n", n)
	}
	device := func(p int) string {
		if p < len(ports) {
			return " (" + ports[p].Device + ")"
		}
		return ""
	}
	// Why rules run where they do, once per port, placement and reason.
	seen := map[string]bool{}
	for _, r := range rules {
		key := strconv.Itoa(r.Port) + "\x00" + r.Placement + "\x00" + r.Reason
		if r.Reason == "" || seen[key] {
			continue
		}
		seen[key] = true
		fmt.Fprintf(w, "port %d%s: rules in %s: %s\n", r.Port, device(r.Port), r.Placement, r.Reason)
	}
	for _, c := range cls {
		if c.Classified > 0 {
			fmt.Fprintf(w, "port %d%s: software rules classified %d packets, %.1f ns (%.1f TSC cycles) a packet\n",
				c.Port, device(c.Port), c.Classified, c.NsPerPacket, c.CyclesPerPacket)
		}
	}
	return nil
}

// ruleHits are the hits of every rule, summed.
func ruleHits(rules []ruleSummary) uint64 {
	var n uint64
	for _, r := range rules {
		n += r.Hits
	}
	return n
}

// Prometheus metrics of the rules.
var (
	ruleLabels     = []string{"port", "index", "rule", "placement"}
	mRuleHits      = prometheus.NewDesc("zcnic_rule_hits_total", "Packets that matched the flow rule (on the NIC: its counter; in software: the loop's).", ruleLabels, nil)
	mRuleBytes     = prometheus.NewDesc("zcnic_rule_bytes_total", "Bytes of the packets that matched the flow rule.", ruleLabels, nil)
	mClassified    = prometheus.NewDesc("zcnic_rules_classified_packets_total", "Packets the port's software rules classified.", []string{"port"}, nil)
	mClassifyCycle = prometheus.NewDesc("zcnic_rules_classify_cycles_total", "TSC cycles the port's software classification took.", []string{"port"}, nil)
)

// collectRules sends the rules' metrics.
func collectRules(ch chan<- prometheus.Metric, rules []ruleSummary, cls []classifySummary) {
	for _, r := range rules {
		if !r.Counted {
			continue
		}
		l := []string{strconv.Itoa(r.Port), strconv.Itoa(r.Index), r.Rule, r.Placement}
		ch <- prometheus.MustNewConstMetric(mRuleHits, prometheus.CounterValue, float64(r.Hits), l...)
		ch <- prometheus.MustNewConstMetric(mRuleBytes, prometheus.CounterValue, float64(r.Bytes), l...)
	}
	for _, c := range cls {
		p := strconv.Itoa(c.Port)
		ch <- prometheus.MustNewConstMetric(mClassified, prometheus.CounterValue, float64(c.Classified), p)
		ch <- prometheus.MustNewConstMetric(mClassifyCycle, prometheus.CounterValue, float64(c.Cycles), p)
	}
}
