package port_test

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// Environment of a child process (see childEnv): what the parent test
// tells its peer.
const (
	childSocketEnv  = "ZCNIC_PORT_TEST_MEMIF_SOCKET" // memif control socket path
	childPrefixEnv  = "ZCNIC_PORT_TEST_FILE_PREFIX"  // the child's EAL --file-prefix
	childTimeoutEnv = "ZCNIC_PORT_TEST_TIMEOUT"      // how long the child may live, e.g. "30s"
	childInMemEnv   = "ZCNIC_PORT_TEST_IN_MEMORY"    // "1": --in-memory instead of a file prefix
	childZCEnv      = "ZCNIC_PORT_TEST_MEMIF_ZC"     // "1": the memif client in zero-copy mode
)

// probeFrame is the frame the memif client sends first: 60 bytes of
// testEtherType, tagged 'p', its body filled with fill.
func probeFrame(fill byte) []byte {
	f := make([]byte, 60)
	for i := range 6 {
		f[i], f[6+i] = 0xff, 0x02
	}
	f[12], f[13] = byte(uint16(testEtherType)>>8), byte(uint16(testEtherType)&0xff)
	f[14] = 'p'
	for i := 15; i < len(f); i++ {
		f[i] = fill
	}
	return f
}

// runChild runs a peer role for a two-process test and returns the exit
// code. It reports on stdout as "child: ..." lines, errors on stderr.
func runChild(role string) int {
	var err error
	switch role {
	case "memif-client", "virtio-user":
		err = echoClient(role)
	case "memif-server-exit":
		err = memifServerExit()
	default:
		err = fmt.Errorf("unknown child role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "child %s: FAIL: %v\n", role, err)
		return 1
	}
	return 0
}

// echoClient is the far end of TestMemifTwoProcesses (role
// memif-client) and TestVhostVirtioUserTwoProcesses (role virtio-user):
// it starts its own EAL, attaches a memif client or a virtio-user port
// to the parent's memif server or vhost-user port and sends back
// every packet it receives, unchanged and in order, until its stdin
// closes. Then it reports what it echoed (packets, bytes and a CRC-32 of
// all their bytes in order) and checks that every mbuf came back to its
// pool.
func echoClient(role string) (err error) {
	sock, prefix := os.Getenv(childSocketEnv), os.Getenv(childPrefixEnv)
	timeout, err := time.ParseDuration(os.Getenv(childTimeoutEnv))
	if err != nil || sock == "" || prefix == "" {
		return fmt.Errorf("need %s, %s and %s (timeout: %v)", childSocketEnv, childPrefixEnv, childTimeoutEnv, err)
	}
	deadline := time.Now().Add(timeout)

	// The parent closes our stdin to say "done"; so does its death.
	stop := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()

	cfg := ealtest.Config()
	cfg.ProgramName = "zcnic-test-child"
	cfg.Lcores = []uint{firstCPU()}
	memif := role == "memif-client"
	zc := memif && os.Getenv(childZCEnv) == "1"
	devargs := "net_memif0,role=client,id=0,socket=" + sock + ",socket-abstract=no"
	if zc {
		// The peer maps our memory from one file per segment list.
		cfg.SingleFileSegments = true
		devargs += ",zero-copy=yes"
	}
	if !memif {
		// virtio-user hands the vhost-user side a descriptor of each
		// memory segment list, which it maps: all our memory, rings and
		// mbufs, is shared with it.
		cfg.SingleFileSegments, zc = true, true
		devargs = "net_virtio_user0,path=" + sock + ",queues=1,queue_size=256"
	}
	if os.Getenv(childInMemEnv) == "1" || zc {
		// In memory: memfd files, nothing in /dev/hugepages to unlink.
		cfg.SharedFiles = false
	} else {
		cfg.SharedFiles = true
		cfg.FilePrefix = prefix
		if !cfg.NoHuge {
			// Unlink hugepage files once mapped: none is left behind,
			// even if the parent has to kill us.
			cfg.ExtraArgs = append(cfg.ExtraArgs, "--huge-unlink")
		}
		defer os.RemoveAll("/var/run/dpdk/" + prefix)
	}
	if err := eal.Init(cfg); err != nil {
		return err
	}
	defer func() {
		if cerr := eal.Cleanup(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("eal.Cleanup: %w", cerr))
		}
	}()

	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: "child", Count: 2047, Cache: 32})
	if err != nil {
		return err
	}
	defer func() {
		// The check the parent relies on: after the port is closed,
		// every mbuf is back.
		if pool.Available() != pool.Count() {
			err = errors.Join(err, fmt.Errorf("pool %s: %d of %d mbufs leaked", pool.Name(), pool.InUse(), pool.Count()))
			return
		}
		if ferr := pool.Free(); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}()

	p, err := port.Attach(devargs)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := p.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close: %w", cerr))
		}
	}()
	if err := p.Configure(port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 256, TxDesc: 256, Pool: pool}); err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	for {
		l, err := p.Link()
		if err != nil {
			return err
		}
		if l.Up {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("memif link to %s still down after %v", sock, timeout)
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Println("child: link up")
	if memif {
		if err := memifProbe(p, pool, deadline); err != nil {
			return err
		}
	}

	b, err := mbuf.NewBurst(64)
	if err != nil {
		return err
	}
	defer b.Close() // frees what was not sent back, before the pool check
	var pkts, nbytes int
	crc := crc32.NewIEEE()
	for {
		select {
		case <-stop:
			fmt.Printf("child: echoed %d packets, %d bytes, crc32 %08x\n", pkts, nbytes, crc.Sum32())
			if b.Len() > 0 {
				return fmt.Errorf("%d received packets were never sent back", b.Len())
			}
			return nil
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still running after %v (echoed %d packets); the parent never closed stdin", timeout, pkts)
		}
		idle := true
		if b.Len() == 0 {
			n, err := p.Rx(0, b)
			if err != nil {
				return err
			}
			for _, m := range b.Pkts() {
				if m.NumSegs() != 1 {
					return fmt.Errorf("packet %d: %d segments", pkts, m.NumSegs())
				}
				crc.Write(m.Data())
				nbytes += m.PktLen()
			}
			pkts += n
			idle = n == 0
		}
		if b.Len() > 0 {
			// What the ring does not take now stays in b, in order.
			if _, err := p.Tx(0, b); err != nil {
				return err
			}
			idle = false
		}
		if idle {
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// memifProbe reports what a memif client lends its peer and sends the
// probe frame (see TestMemifZeroCopyTwoProcesses).
func memifProbe(p *port.Port, pool *mbuf.Pool, deadline time.Time) error {
	// In zero-copy mode the driver hands the peer a ring of our empty
	// mbufs to write received frames into, at each rx poll.
	first, err := mbuf.NewBurst(64)
	if err != nil {
		return err
	}
	defer first.Close()
	if _, err := p.Rx(0, first); err != nil {
		return err
	}
	if first.Len() != 0 {
		return fmt.Errorf("%d frames before the parent sent any", first.Len())
	}
	fmt.Printf("child: posted %d\n", pool.InUse())

	// The probe: one frame sent, then rewritten in place while it is
	// still ours. A zero-copy tx ring still holds the mbuf (the peer
	// reads it where it is, so it sees the rewrite); a copy-mode tx has
	// copied it into the shared region and freed it at once.
	probe, err := mbuf.NewBurst(1)
	if err != nil {
		return err
	}
	defer probe.Close()
	before := pool.InUse()
	if err := probe.Alloc(pool, 1); err != nil {
		return err
	}
	m := probe.Pkts()[0]
	if err := m.SetData(probeFrame('A')); err != nil {
		return err
	}
	for probe.Len() > 0 {
		if _, err := p.Tx(0, probe); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the probe was never sent")
		}
	}
	held := pool.InUse() - before
	fmt.Printf("child: probe held %d\n", held)
	if held == 1 {
		// Still in the tx ring, so still ours to write (a test probe:
		// an application must not touch an mbuf it has sent).
		copy(m.Data()[15:], bytes.Repeat([]byte{'B'}, 45))
	}
	fmt.Println("child: probe done")
	return nil
}

// firstCPU is the lowest CPU this process may run on: the child's one
// lcore.
func firstCPU() uint {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) == nil {
		for i := 0; i < len(set)*64; i++ {
			if set.IsSet(i) {
				return uint(i)
			}
		}
	}
	return 0
}

// memifServerExit is the child of TestMemifServerExitAfterCleanup: in an
// EAL of its own, it starts and closes a net_memif server on an abstract
// socket (childSocketEnv), cleans the EAL up, and then connects to that
// socket, which the driver leaves listening and registered with the EAL
// interrupt thread after the close. The connection wakes the thread,
// which then reads its interrupt sources: the listener's lies in the
// memory rte_eal_cleanup unmapped. It reports "child: connected" and
// exits 0 after 300 ms, if it lives.
func memifServerExit() error {
	name := os.Getenv(childSocketEnv)
	if name == "" {
		return fmt.Errorf("need %s", childSocketEnv)
	}
	cfg := ealtest.Config()
	cfg.ProgramName = "zcnic-test-child"
	cfg.Lcores = []uint{firstCPU()}
	// Shared files, not in memory: only then does rte_eal_cleanup unmap
	// the memory (rte_eal_memory_detach does nothing in memory).
	cfg.SharedFiles = true
	cfg.FilePrefix = name
	if !cfg.NoHuge {
		cfg.ExtraArgs = append(cfg.ExtraArgs, "--huge-unlink")
	}
	if err := eal.Init(cfg); err != nil {
		return err
	}
	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: "child", Count: 1023, Cache: 32})
	if err != nil {
		return err
	}
	p, err := port.Attach("net_memif0,role=server,id=0,socket=" + name + ",socket-abstract=yes")
	if err != nil {
		return err
	}
	if err := p.Configure(port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 256, TxDesc: 256, Pool: pool}); err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	if err := errors.Join(p.Close(), pool.Free(), eal.Cleanup()); err != nil {
		return err
	}
	c, err := net.Dial("unixpacket", "@"+name) // the driver's SOCK_SEQPACKET
	if err != nil {
		return fmt.Errorf("the closed server's socket no longer listens, so the test cannot wake the interrupt thread: %w", err)
	}
	defer c.Close()
	fmt.Println("child: connected")
	time.Sleep(300 * time.Millisecond)
	return nil
}
