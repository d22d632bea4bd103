// Package app is the lcore-loop runner, and the ready-made apps built on
// it: forwarders (io, macswap, 5tswap, l2fwd), a generator, a capture to
// pcap, and rxonly.
//
// # The runner
//
// Run takes one Config (EAL settings, ports with their queues and
// devargs, which lcore polls which rx queues) and a Handler. It sets up
// the mbuf pool and the ports, runs a Go loop on each configured lcore,
// and hands the handler every received burst, in place: the handler
// reads and rewrites packet bytes in the mbufs (mbuf.Mbuf.Data) and
// gives each packet a verdict through the Ctx:
//
//   - Send(i, port): transmit on a port (this lcore's own tx queue);
//   - Drop(i, reason): free it, counted under a DropReason;
//   - Keep(i): the handler owns it from now on (free it, or Inject it);
//   - ToRing(i, ring): hand it to another lcore (pipelines, below).
//
// A packet given no verdict is dropped as DropUnhandled, so a handler bug
// cannot leak an mbuf. Each loop turn is one cgo call: it transmits what
// the last turn queued, frees its drops, and receives the next burst.
// Nothing is allocated per burst.
//
// Run stops when its context is done, when a loop fails, or, with
// Config.StopWhenIdle, at the end of its input (a finite pcap replay ends
// at its last record): every loop ends within a turn, transmits or frees
// what it holds, the ports are stopped and closed, and the pool is
// checked to be full (Result.Leaked). The counters then add up: for
// every port, RxPackets == Forwarded + Dropped + Kept.
//
// One Run goes at a time in a process: another fails at once with
// ErrRunning. A loop whose handler blocks does not stop: past
// Config.StopTimeout Run returns a StopTimeoutError and abandons the
// run. Config.Debug checks the handler's use of its packets and its Ctx
// (a verdict for a freed packet, a double free, a Ctx used from another
// thread) and stops the run with a MisuseError at the first misuse.
//
// # Drop reasons
//
// Drops are counted by reason: the built-in ones (DropFiltered,
// DropMalformed, DropTTL, DropNoRoute; DropUnhandled and DropTxFull from
// the runner) and up to MaxUserReasons a program names with
// NewDropReason ("firewall"), at the same cost. Their names are what the
// zcnic command's summary, /metrics and telemetry show.
//
// # Pipelines
//
// Config.Rings connects loops through DPDK rings: an rx lcore receives
// and hands packets (ownership, not copies) to worker lcores, which
// process and transmit them. Spread is the usual rx stage: it spreads
// each burst over the rings by flow (FlowHash), so a flow stays in order
// on one worker. On stop, the rx loops stop first and the workers drain
// their rings before they end, so packets already received still go
// out. Rings must not form a cycle; Run checks.
//
// # Flow rules
//
// A port may carry flow rules (PortConfig.Rules, a flow.Table): the run
// puts them on the NIC where it takes them, and runs the others in the
// loops that poll the port, in C, on each vector before the handler
// sees it: a rule's drops never reach the handler (DropRule), its marks
// are in the mbufs ((*mbuf.Mbuf).Mark). Snapshot.Rules has each rule's
// placement and hits; the table can be replaced while the run goes.
//
// # Counters
//
// Every loop counts per port (packets and bytes received and sent,
// forwarded, dropped, kept), drops by reason, busy and empty polls (its
// utilisation) and ring traffic. They are published every 64 turns, not
// per packet; Config.OnStats gets a Snapshot every StatsInterval.
package app
