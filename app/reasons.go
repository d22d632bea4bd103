package app

// #include "turn.h"
import "C"

import "fmt"

// DropReason says why a packet was dropped.
type DropReason int

// Drop reasons, the values the loop's C turn counts under (turn.h).
// Handlers use DropFiltered, DropMalformed and DropTTL, or their own from
// DropUser on.
const (
	DropUnhandled  DropReason = C.ZC_DROP_UNHANDLED // the handler gave the packet no verdict
	DropTxFull     DropReason = C.ZC_DROP_TXFULL    // the output queue stayed full
	DropFiltered   DropReason = C.ZC_DROP_FILTERED  // the handler dropped it on purpose
	DropMalformed  DropReason = C.ZC_DROP_MALFORMED // the packet did not parse
	DropTTL        DropReason = C.ZC_DROP_TTL       // TTL or hop limit ran out
	DropNoRoute    DropReason = C.ZC_DROP_NOROUTE   // no output for it
	DropRule       DropReason = C.ZC_DROP_RULE      // a flow rule's drop action (PortConfig.Rules, in software)
	DropUser       DropReason = C.ZC_DROP_USER      // first reason free for the handler's own use
	NumDropReasons DropReason = C.ZC_NREASONS
)

var dropNames = [NumDropReasons]string{"unhandled", "tx_full", "filtered", "malformed", "ttl", "no_route", "rule", "user0", "user1", "user2", "user3"}

func (r DropReason) String() string {
	if r >= 0 && r < NumDropReasons {
		return dropNames[r]
	}
	return fmt.Sprintf("drop(%d)", int(r))
}
