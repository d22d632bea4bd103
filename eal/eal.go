package eal

/*
#cgo pkg-config: libdpdk
#include <stdlib.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_version.h>

static int zc_eal_init(int argc, char **argv, int *err) {
	int r = rte_eal_init(argc, argv);
	*err = rte_errno;
	return r;
}

static int zc_eal_cleanup(int *err) {
	int r = rte_eal_cleanup();
	*err = rte_errno;
	return r;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/zcnic/zcnic/hugepages"
	"github.com/zcnic/zcnic/internal/aslimit"
	"github.com/zcnic/zcnic/internal/dpdklog"
	"github.com/zcnic/zcnic/internal/fdlimit"
	"github.com/zcnic/zcnic/internal/intrpark"
	"github.com/zcnic/zcnic/internal/rte"
	"github.com/zcnic/zcnic/pdump"
	"golang.org/x/sys/unix"
)

// Error is the error a failing DPDK call returns, in every zcnic package:
// it names the call and carries the errno (see errors.As and errors.Is).
type Error = rte.Error

type state int

const (
	stateNew state = iota
	stateRunning
	stateDone // Init failed, or Cleanup ran: EAL cannot be used again
)

var eal struct {
	mu      sync.Mutex
	state   state
	calls   chan func() // run on the main lcore's thread
	lcores  []Lcore
	main    uint
	mainTid int // the main lcore's thread
	noHuge  bool
	running int // launched jobs not yet waited for

	procType   ProcType // as EAL resolved it
	prefix     string   // Config.FilePrefix
	runtimeDir string   // rte_eal_get_runtime_dir()
	pdump      bool     // pdump.Init worked: uninit at Cleanup
	ownFiles   bool     // a primary with shared files: remove them at Cleanup
	ownDir     bool     // remove the runtime directory at Cleanup
}

// hugeSys is where the preflight looks for hugepages; tests point it at
// a fake tree.
var hugeSys = hugepages.Default

// Init initialises the EAL with cfg. It may be called once per process:
// later calls return ErrInitialized, whether the first one worked or not
// (DPDK cannot initialise twice). A Config that does not validate, or a
// failed hugepage preflight, does not use up that one call.
//
// The main lcore is a dedicated OS thread owned by this package: EAL pins
// it to the main lcore's CPU, and only functions passed to RunOnMain run
// there. The goroutine calling Init is left as it was.
func Init(cfg Config) error {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	if eal.state != stateNew {
		return ErrInitialized
	}
	args, err := cfg.Args()
	if err != nil {
		return err
	}
	if err := Preflight(&cfg, hugeSys); err != nil {
		return err
	}
	if err := fdlimit.Check(); err != nil {
		return fmt.Errorf("eal: %w", err)
	}
	if err := aslimit.Check(); err != nil {
		return fmt.Errorf("eal: %w", err)
	}
	release, err := checkPeers(&cfg)
	if err != nil {
		return err
	}
	defer release() // once EAL holds the prefix, or has failed to
	if err := dpdklog.Start(cfg.Logger); err != nil {
		return err
	}
	orig, err := processCPUs()
	if err != nil {
		return err
	}
	eal.state = stateDone // until it has worked
	res := make(chan error)
	eal.calls = make(chan func())
	go mainThread(args, res)
	if err := <-res; err != nil {
		return err
	}
	eal.state = stateRunning
	eal.noHuge = cfg.NoHuge
	eal.prefix = cfg.FilePrefix
	eal.runtimeDir = C.GoString(C.rte_eal_get_runtime_dir())
	eal.procType = ProcPrimary
	if C.rte_eal_process_type() == C.RTE_PROC_SECONDARY {
		eal.procType = ProcSecondary
	}
	if eal.procType == ProcPrimary {
		// A primary owns its runtime directory: its shared files if it
		// has them, else (in memory) at most a telemetry socket, whose
		// directory is its own when it named its prefix.
		eal.ownFiles = !cfg.InMemory()
		eal.ownDir = !cfg.InMemory() || cfg.FilePrefix != ""
	}
	eal.main = uint(C.rte_get_main_lcore())
	for id := C.rte_get_next_lcore(^C.uint(0), 0, 0); id < C.RTE_MAX_LCORE; id = C.rte_get_next_lcore(id, 0, 0) {
		eal.lcores = append(eal.lcores, Lcore{
			ID:     uint(id),
			Socket: int(C.rte_lcore_to_socket_id(id)),
			CPU:    int(C.rte_lcore_to_cpu_id(C.int(id))),
			Main:   uint(id) == eal.main,
		})
	}
	err = learnThreads(eal.mainTid)
	if err == nil && !cfg.NoConfine {
		err = setupConfine(orig)
	}
	if err != nil {
		eal.mu.Unlock()
		cerr := Cleanup()
		eal.mu.Lock()
		return errors.Join(err, cerr)
	}
	if cfg.Attachable {
		var err error
		runOnMain(func() { err = pdump.Init() })
		if errors.Is(err, syscall.ENOMEM) {
			// Its statistics memzone is the first memory an attachable
			// primary takes: a mount's size= limit shows here first.
			if hint := hugepages.MountLimits(); hint != "" {
				err = fmt.Errorf("%w%s", err, hint)
			}
		}
		if err != nil {
			eal.mu.Unlock()
			cerr := Cleanup()
			eal.mu.Lock()
			return errors.Join(err, cerr)
		}
		eal.pdump = true
	}
	return nil
}

// checkPeers checks, before rte_eal_init, the other processes of cfg's
// file prefix: a primary with shared files claims the prefix (failing if
// a live primary holds it, cleaning what a killed one left); a
// secondary needs a running primary. release ends the primary's claim
// (see claimPrefix) once rte_eal_init has returned.
func checkPeers(cfg *Config) (release func(), err error) {
	switch {
	case cfg.ProcType == ProcPrimary && !cfg.InMemory():
		return claimPrefix(cfg.FilePrefix)
	case cfg.ProcType == ProcSecondary:
		pid, err := PrimaryPID(cfg.FilePrefix)
		if err != nil {
			return nil, err
		}
		if pid == 0 {
			return nil, fmt.Errorf("eal: no primary process runs with file prefix %q (nothing holds %s): start it with that --file-prefix first", orDefaultPrefix(cfg.FilePrefix), filepath.Join(RuntimeDir(cfg.FilePrefix), "config"))
		}
	}
	return func() {}, nil
}

// mainThread becomes the main lcore: it stays locked to its OS thread
// for the life of the process, so the lcore id EAL stores in the thread's
// TLS and the CPU pinning it applies stay with it.
func mainThread(args []string, res chan<- error) {
	runtime.LockOSThread()
	eal.mainTid = unix.Gettid()
	// argv stays allocated: EAL may keep pointers into it.
	argv := (**C.char)(C.malloc(C.size_t(len(args)+1) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	av := unsafe.Slice(argv, len(args)+1)
	for i, a := range args {
		av[i] = C.CString(a)
	}
	av[len(args)] = nil
	var errno C.int
	mark := dpdklog.Mark()
	if C.zc_eal_init(C.int(len(args)), argv, &errno) < 0 {
		detail := "args: " + strings.Join(args, " ")
		if said := dpdklog.Said(mark, unix.Gettid()); said != "" {
			detail = "EAL: " + said + "; " + detail
			if strings.Contains(said, "virtual area") {
				if hint := aslimit.Hint(); hint != "" {
					detail = hint + "; " + detail
				}
			}
		}
		res <- rte.Errf("rte_eal_init", int(errno), "%s", detail)
		return
	}
	res <- nil
	for f := range eal.calls {
		f()
	}
}

// Cleanup releases the EAL's resources. No lcore job may still be running
// (wait for them first) and no DPDK object may be used afterwards. The
// EAL cannot be initialised again in this process.
func Cleanup() error {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	if eal.state != stateRunning {
		return ErrNotInitialized
	}
	if eal.running > 0 {
		return &ConfigError{Field: "Cleanup", Reason: "lcore jobs are still running; stop them and Wait first"}
	}
	var err error
	runOnMain(func() {
		if eal.pdump {
			// Before EAL's bus cleanup closes the ports: the captures'
			// callbacks go first. Its failures (a memzone already gone)
			// leave nothing to keep.
			pdump.Uninit()
			eal.pdump = false
		}
		// The interrupt thread goes on after rte_eal_cleanup (DPDK has
		// no way to stop it) and reads its interrupt sources at its
		// next event: a source left registered by a driver (net_memif's
		// listener) has its handle in the hugepage memory cleanup
		// unmaps, and the thread died of it with SIGSEGV, no trace. It
		// stays held, between two callbacks, until the process ends.
		// Not held (busy 2 s in a callback): cleanup goes on as before.
		_, _ = intrpark.Hold(2 * time.Second)
		var errno C.int
		if C.zc_eal_cleanup(&errno) < 0 {
			err = rte.Err("rte_eal_cleanup", int(errno))
		}
	})
	eal.state = stateDone
	close(eal.calls)
	// EAL leaves its runtime files (and, with shared files, the hugepage
	// files) behind; a primary removes its own.
	var rerr error
	switch {
	case eal.ownFiles:
		rerr = errors.Join(removeHugepageFiles(eal.prefix), removeRuntimeDir(eal.runtimeDir))
	case eal.ownDir:
		rerr = removeRuntimeDir(eal.runtimeDir) // in memory: no hugepage files
	case eal.procType == ProcPrimary:
		os.Remove(eal.runtimeDir) // the shared default directory, if empty
	}
	return errors.Join(err, rerr)
}

// Version is the version of the DPDK library linked, as rte_version
// gives it: "DPDK 22.11.4". It needs no running EAL.
func Version() string { return C.GoString(C.rte_version()) }

// ProcessType returns the running EAL's process type: ProcPrimary or
// ProcSecondary (what ProcAuto became).
func ProcessType() ProcType {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	return eal.procType
}

// RuntimeDirectory returns the running EAL's runtime directory
// (rte_eal_get_runtime_dir), or "" before Init.
func RuntimeDirectory() string {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	return eal.runtimeDir
}

// PrimaryAlive reports, in a secondary process, whether its primary
// still runs (rte_eal_primary_proc_alive: the primary holds a lock on
// its config file while it lives). In a primary it is always true.
func PrimaryAlive() bool {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	if eal.state != stateRunning || eal.procType != ProcSecondary {
		return eal.state == stateRunning
	}
	return C.rte_eal_primary_proc_alive(nil) == 1
}

// Initialized reports whether the EAL is up and usable.
func Initialized() bool {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	return eal.state == stateRunning
}

// NoHuge reports whether the running EAL was started without hugepages.
func NoHuge() bool {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	return eal.noHuge
}

// Lcore is one enabled lcore.
type Lcore struct {
	ID     uint // lcore id, as rte_lcore_id() returns on its thread
	Socket int  // NUMA socket of its CPU
	CPU    int  // the CPU it is pinned to
	Main   bool // whether it is the main lcore
}

// Lcores returns every enabled lcore, main included, in id order.
func Lcores() []Lcore {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	return append([]Lcore(nil), eal.lcores...)
}

// MainLcore returns the main lcore's id.
func MainLcore() uint {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	return eal.main
}

// Workers returns the ids of the worker lcores (all but the main one).
func Workers() []uint {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	return workerIDs()
}

// SocketCount returns the number of NUMA sockets EAL detected.
func SocketCount() int {
	return int(C.rte_socket_count())
}

// CurrentLcore returns the lcore id of the calling OS thread, and false
// when the thread is not an lcore. A goroutine may change threads, so the
// answer is only stable inside a function run by Launch or RunOnMain,
// which keep their goroutine on the lcore's thread.
func CurrentLcore() (uint, bool) {
	id := C.rte_lcore_id()
	if id == C.LCORE_ID_ANY {
		return 0, false
	}
	return uint(id), true
}

// The constants above (and MaxLcore, in maxlcore_*.go) are DPDK's (the C
// macros named beside them): each line fails to compile if this DPDK
// build's value differs.
var (
	_ = [1]struct{}{}[MaxLcore-C.RTE_MAX_LCORE]
)
