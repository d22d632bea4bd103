package port_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// childEnv makes the test binary act as a peer process (memif client)
// instead of running tests.
const childEnv = "ZCNIC_PORT_TEST_CHILD"

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(runChild(role))
	}
	// memif needs shared files between processes; a unique prefix keeps
	// this binary's apart from any other.
	cfg := ealtest.Config("net_null0", "net_null1")
	cfg.SharedFiles = true
	cfg.FilePrefix = fmt.Sprintf("zcnic-port-test-%d", os.Getpid())
	if !cfg.NoHuge {
		// Hugepage files go as soon as they are mapped: nothing is left
		// in /dev/hugepages if the process dies.
		cfg.ExtraArgs = append(cfg.ExtraArgs, "--huge-unlink")
	}
	noHuge = cfg.NoHuge
	ealtest.Main(m, cfg)
}

// noHuge: this binary's EAL runs without hugepages.
var noHuge bool

// uniq returns a name unique in this process.
var uniq = ealtest.Name

// newPool makes a pool whose cleanup checks every mbuf came back.
func newPool(t testing.TB, count int) *mbuf.Pool {
	return ealtest.Pool(t, count, min(256, count*2/3))
}

// newBurst makes a Burst closed at cleanup (after the ports, before the
// pool check: cleanups run last-registered first).
var newBurst = ealtest.Burst

// attach hot-plugs devargs, configures one queue each way from pool and
// starts it; cleanup closes (and detaches) it.
func attach(t testing.TB, devargs string, pool *mbuf.Pool) *port.Port {
	return attachWith(t, devargs, port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 256, TxDesc: 256, Pool: pool})
}

// attachWith is attach with a config of the caller's.
func attachWith(t testing.TB, devargs string, cfg port.Config) *port.Port {
	t.Helper()
	p, err := port.Attach(devargs)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	require.NoError(t, p.Configure(cfg))
	require.NoError(t, p.Start())
	return p
}

// attachNoCleanup is attach for a port the test closes itself.
func attachNoCleanup(devargs string, pool *mbuf.Pool) (*port.Port, error) {
	p, err := port.Attach(devargs)
	if err != nil {
		return nil, err
	}
	if err := p.Configure(port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 256, TxDesc: 256, Pool: pool}); err != nil {
		p.Close()
		return nil, err
	}
	if err := p.Start(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}
