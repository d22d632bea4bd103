package eal_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/eal/ealtest"
)

// childEnv selects a scenario that needs an EAL of its own: the test
// binary runs itself with it set, and the child runs the scenario instead
// of the tests.
const childEnv = "ZCNIC_EAL_TEST_CHILD"

func TestMain(m *testing.M) {
	if scenario := os.Getenv(childEnv); scenario != "" {
		os.Exit(runChild(scenario))
	}
	if err := ealtest.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := eal.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, "eal.Cleanup:", err)
		code = 1
	}
	os.Exit(code)
}

// worker returns a worker lcore, skipping the test on a one-CPU machine.
func worker(t *testing.T) eal.Lcore {
	t.Helper()
	for _, l := range eal.Lcores() {
		if !l.Main {
			return l
		}
	}
	t.Skip("needs a worker lcore: this machine has one CPU")
	return eal.Lcore{}
}

// threadCPU is the CPU the calling thread last ran on (field 39 of
// /proc/thread-self/stat).
func threadCPU() (int, error) {
	b, err := os.ReadFile("/proc/thread-self/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 on
	return strconv.Atoi(f[39-3])
}

func TestSecondInitFails(t *testing.T) {
	err := eal.Init(ealtest.Config())
	assert.ErrorIs(t, err, eal.ErrInitialized)
	assert.True(t, eal.Initialized())
}

func TestLcoreEnumeration(t *testing.T) {
	ls := eal.Lcores()
	require.NotEmpty(t, ls)
	mains := 0
	for _, l := range ls {
		if l.Main {
			mains++
			assert.Equal(t, eal.MainLcore(), l.ID)
		}
		assert.Equal(t, int(l.ID), l.CPU, "-l maps lcore n to CPU n")
		assert.GreaterOrEqual(t, l.Socket, 0)
	}
	assert.Equal(t, 1, mains)
	assert.Len(t, eal.Workers(), len(ls)-1)
	assert.GreaterOrEqual(t, eal.SocketCount(), 1)
}

func TestRunOnWorkerIsOnTheLcore(t *testing.T) {
	w := worker(t)
	var gotID uint
	var isLcore bool
	var cpu int
	var affinity unix.CPUSet
	err := eal.Run(w.ID, func() error {
		gotID, isLcore = eal.CurrentLcore()
		var err error
		if cpu, err = threadCPU(); err != nil {
			return err
		}
		return unix.SchedGetaffinity(0, &affinity)
	})
	require.NoError(t, err)
	assert.True(t, isLcore)
	assert.Equal(t, w.ID, gotID, "rte_lcore_id() on the job's thread")
	assert.Equal(t, w.CPU, cpu, "the job ran on the lcore's CPU")
	assert.Equal(t, 1, affinity.Count(), "the thread is pinned to one CPU")
	assert.True(t, affinity.IsSet(w.CPU))
}

func TestRunOnMain(t *testing.T) {
	var id uint
	var ok bool
	require.NoError(t, eal.RunOnMain(func() error { id, ok = eal.CurrentLcore(); return nil }))
	assert.True(t, ok)
	assert.Equal(t, eal.MainLcore(), id)
}

func TestErrorComesBack(t *testing.T) {
	w := worker(t)
	want := errors.New("boom")
	assert.Same(t, want, eal.Run(w.ID, func() error { return want }))
}

func TestPanicBecomesError(t *testing.T) {
	w := worker(t)
	err := eal.Run(w.ID, func() error { panic("lcore exploded") })
	var pe *eal.PanicError
	require.True(t, errors.As(err, &pe), "got %v", err)
	assert.Equal(t, "lcore exploded", pe.Value)
	assert.Equal(t, w.ID, pe.Lcore)
	assert.Contains(t, string(pe.Stack), "TestPanicBecomesError")

	// The process and the lcore survive: it takes the next job.
	assert.NoError(t, eal.Run(w.ID, func() error { return nil }))

	err = eal.RunOnMain(func() error { panic(fmt.Errorf("main too")) })
	require.True(t, errors.As(err, &pe))
	assert.NoError(t, eal.RunOnMain(func() error { return nil }))
}

func TestLaunchBusyLcore(t *testing.T) {
	w := worker(t)
	release := make(chan struct{})
	job, err := eal.Launch(w.ID, func() error { <-release; return nil })
	require.NoError(t, err)
	assert.Equal(t, w.ID, job.Lcore())

	_, err = eal.Launch(w.ID, func() error { return nil })
	var re *eal.Error
	require.True(t, errors.As(err, &re), "got %v", err)
	assert.Equal(t, "rte_eal_remote_launch", re.Call)
	assert.ErrorIs(t, err, syscall.EBUSY)

	select {
	case <-job.Done():
		t.Fatal("job finished before it was released")
	default:
	}
	close(release)
	assert.NoError(t, job.Wait())
	assert.NoError(t, job.Wait(), "Wait twice gives the same result")
	assert.NoError(t, eal.Run(w.ID, func() error { return nil }), "free again")
}

func TestLaunchBadLcore(t *testing.T) {
	_, err := eal.Launch(eal.MainLcore(), func() error { return nil })
	assert.ErrorContains(t, err, "use RunOnMain")
	_, err = eal.Launch(eal.MaxLcore-1, func() error { return nil })
	assert.ErrorContains(t, err, "not enabled")
	w := worker(t)
	_, err = eal.Launch(w.ID, nil)
	assert.ErrorContains(t, err, "nil function")
}

// Child scenarios: each needs a process whose one EAL Init is its own.

func runChild(scenario string) int {
	fail := func(format string, args ...any) int {
		fmt.Printf("FAIL: "+format+"\n", args...)
		return 1
	}
	cfg := eal.Config{NoHuge: true, LogLevel: "error"}
	switch scenario {
	case "unknown-driver":
		cfg.VDevs = []string{"net_bogus0"}
		err := eal.Init(cfg)
		var re *eal.Error
		if !errors.As(err, &re) || re.Call != "rte_eal_init" {
			return fail("want an rte_eal_init error, got %v", err)
		}
		// EAL's own words come with the error (it used to point at
		// "EAL's own log above").
		if !strings.Contains(err.Error(), `failed to parse device "net_bogus0"`) {
			return fail("the error does not say what EAL said: %v", err)
		}
		fmt.Println("init error:", err)
		if err := eal.Init(cfg); !errors.Is(err, eal.ErrInitialized) {
			return fail("second Init after a failed one: %v", err)
		}
	case "invalid-config-then-ok":
		bad := cfg
		bad.VDevs = []string{"not a device"}
		if err := eal.Init(bad); err == nil || errors.Is(err, eal.ErrInitialized) {
			return fail("bad config: %v", err)
		}
		if err := eal.Init(cfg); err != nil {
			return fail("a rejected Config must not use up Init: %v", err)
		}
	case "cleanup":
		if err := eal.Init(cfg); err != nil {
			return fail("init: %v", err)
		}
		ws := eal.Workers()
		if len(ws) > 0 {
			release := make(chan struct{})
			job, err := eal.Launch(ws[0], func() error { <-release; return nil })
			if err != nil {
				return fail("launch: %v", err)
			}
			if err := eal.Cleanup(); err == nil {
				return fail("Cleanup with a running job succeeded")
			}
			close(release)
			if err := job.Wait(); err != nil {
				return fail("wait: %v", err)
			}
		}
		if err := eal.Cleanup(); err != nil {
			return fail("cleanup: %v", err)
		}
		if eal.Initialized() {
			return fail("still initialised after Cleanup")
		}
		if err := eal.Init(cfg); !errors.Is(err, eal.ErrInitialized) {
			return fail("Init after Cleanup: %v", err)
		}
		if err := eal.RunOnMain(func() error { return nil }); !errors.Is(err, eal.ErrNotInitialized) {
			return fail("RunOnMain after Cleanup: %v", err)
		}
	default:
		return fail("unknown scenario %q", scenario)
	}
	fmt.Println("OK")
	return 0
}

func runChildScenario(t *testing.T, scenario string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+scenario)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child %s:\n%s", scenario, out)
	require.Contains(t, string(out), "OK\n")
	return string(out)
}

func TestInitUnknownDriver(t *testing.T) {
	out := runChildScenario(t, "unknown-driver")
	assert.Contains(t, out, "init error: rte_eal_init: ")
	assert.Contains(t, out, "net_bogus0", "the error shows the args it was given")
}

func TestRejectedConfigDoesNotUseUpInit(t *testing.T) {
	runChildScenario(t, "invalid-config-then-ok")
}

func TestCleanup(t *testing.T) {
	runChildScenario(t, "cleanup")
}

// Config.Args must see the process's CPUs, not the calling thread's:
// on an lcore thread (pinned to one CPU), the default lcore list is
// still every CPU the process may use.
func TestArgsFromPinnedThread(t *testing.T) {
	w := worker(t)
	var onLcore, onMain []string
	var errL error
	require.NoError(t, eal.Run(w.ID, func() error {
		onLcore, errL = (&eal.Config{}).Args()
		return nil
	}))
	require.NoError(t, errL)
	onMain, err := (&eal.Config{}).Args()
	require.NoError(t, err)
	assert.Equal(t, onMain, onLcore)
	assert.Equal(t, "-l", onLcore[1])
	assert.Contains(t, onLcore[2], ",", "more than the lcore's own CPU (this machine has %d lcores)", len(eal.Lcores()))
}
