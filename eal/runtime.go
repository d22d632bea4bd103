package eal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zcnic/zcnic/hugepages"
)

// DefaultFilePrefix is EAL's file prefix when Config.FilePrefix is empty.
const DefaultFilePrefix = "rte"

// RuntimeDir returns the directory EAL keeps a file prefix's runtime
// files in (its config, memory maps, sockets): /var/run/dpdk/PREFIX for
// root, else under $XDG_RUNTIME_DIR or /tmp, as eal_create_runtime_dir.
func RuntimeDir(prefix string) string {
	if prefix == "" {
		prefix = DefaultFilePrefix
	}
	base := "/var/run"
	if os.Geteuid() != 0 {
		base = "/tmp"
		if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" {
			base = x
		}
	}
	return filepath.Join(base, "dpdk", prefix)
}

// PrimaryPID returns the pid of the running primary process of prefix,
// or 0 if none runs. A primary holds a write lock on its runtime
// directory's config file for as long as it lives.
func PrimaryPID(prefix string) (int, error) {
	f, err := os.Open(filepath.Join(RuntimeDir(prefix), "config"))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("eal: %w", err)
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := unix.FcntlFlock(f.Fd(), unix.F_GETLK, &lk); err != nil {
		return 0, fmt.Errorf("eal: fcntl(F_GETLK) %s: %w", f.Name(), err)
	}
	if lk.Type == unix.F_UNLCK {
		return 0, nil
	}
	return int(lk.Pid), nil
}

// hugeSysFiles is where the hugetlbfs mounts are listed; tests change it.
var hugeSysFiles = hugepages.Default

// hugepageFiles lists the hugepage files of prefix in every hugetlbfs
// mount: EAL names them PREFIXmap_N (or PREFIXmap_N_M).
func hugepageFiles(prefix string) []string {
	if prefix == "" {
		prefix = DefaultFilePrefix
	}
	mounts, err := hugeSysFiles.Mounts()
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range mounts {
		ents, err := os.ReadDir(m.Dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			rest, ok := strings.CutPrefix(e.Name(), prefix+"map_")
			if ok && rest != "" && strings.Trim(rest, "0123456789_") == "" {
				out = append(out, filepath.Join(m.Dir, e.Name()))
			}
		}
	}
	return out
}

// removeHugepageFiles removes prefix's hugepage files, returning the
// first failure.
func removeHugepageFiles(prefix string) error {
	var first error
	for _, f := range hugepageFiles(prefix) {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
			first = fmt.Errorf("eal: removing hugepage file: %w", err)
		}
	}
	return first
}

// removeRuntimeDir removes a runtime directory and what is in it.
func removeRuntimeDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("eal: removing runtime directory: %w", err)
	}
	return nil
}

// claimPrefix runs before a primary's rte_eal_init with shared files: it
// fails if a live primary holds prefix, and removes what a dead one (one
// killed with SIGKILL) left behind: hugepage files and runtime files.
//
// Two primaries starting at once with one prefix would both find it
// free, and the second would remove the first's new files, then meet
// EAL's own lock ("Cannot create lock on ... config"). So the check, the
// removal and rte_eal_init happen under an exclusive lock (flock) on the
// directory that holds the runtime directories, which the caller holds
// until rte_eal_init has locked the prefix's config file, or failed:
// the second primary then finds the first's pid. release drops it.
func claimPrefix(prefix string) (func(), error) {
	release, err := lockRuntimeParent(prefix, claimWait)
	if err != nil {
		return nil, err
	}
	pid, err := PrimaryPID(prefix)
	if err == nil && pid != 0 {
		err = fmt.Errorf("eal: file prefix %q is in use by a running primary process (pid %d): choose another --file-prefix, or attach to it as a secondary", orDefaultPrefix(prefix), pid)
	}
	if err == nil {
		err = errors.Join(removeHugepageFiles(prefix), removeRuntimeDir(RuntimeDir(prefix)))
	}
	if err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// claimWait is how long a primary waits for another that is starting
// (holding the claim lock): EAL's start takes well under a second.
var claimWait = 30 * time.Second

// lockRuntimeParent takes the claim lock of claimPrefix, waiting at most
// wait for a primary that holds it.
func lockRuntimeParent(prefix string, wait time.Duration) (func(), error) {
	parent := filepath.Dir(RuntimeDir(prefix))
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, fmt.Errorf("eal: runtime directory: %w", err)
	}
	f, err := os.Open(parent)
	if err != nil {
		return nil, fmt.Errorf("eal: runtime directory: %w", err)
	}
	for deadline := time.Now().Add(wait); ; time.Sleep(10 * time.Millisecond) {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, fmt.Errorf("eal: another primary process has been starting for %v (it holds flock(%s)): file prefix %q not claimed", wait, parent, orDefaultPrefix(prefix))
			}
			return nil, fmt.Errorf("eal: flock(%s): %w", parent, err)
		}
	}
}

func orDefaultPrefix(p string) string {
	if p == "" {
		return DefaultFilePrefix
	}
	return p
}
