package pdump

// Test access to the server's internals.
type Request = request

var (
	Handle     = handle
	Installed  = installed
	QueueStats = queueStats
)

// Protocol values of 22.11's lib/pdump.
const (
	V1, V2          = 1, 2
	Disable, Enable = 1, 2
	FlagRx, FlagTx  = 1, 2
	AllQueues       = 0xffff
)
