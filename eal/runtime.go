package eal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
func claimPrefix(prefix string) error {
	pid, err := PrimaryPID(prefix)
	if err != nil {
		return err
	}
	if pid != 0 {
		return fmt.Errorf("eal: file prefix %q is in use by a running primary process (pid %d): choose another --file-prefix, or attach to it as a secondary", orDefaultPrefix(prefix), pid)
	}
	return errors.Join(removeHugepageFiles(prefix), removeRuntimeDir(RuntimeDir(prefix)))
}

func orDefaultPrefix(p string) string {
	if p == "" {
		return DefaultFilePrefix
	}
	return p
}
