// Package flow is zcnic's flow rules: one rule model, run by the NIC
// through rte_flow where the NIC takes the rule, and in software, with
// DPDK's librte_acl, in the runner's loop where it does not.
package flow
