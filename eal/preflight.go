package eal

import (
	"fmt"

	"github.com/zcnic/zcnic/hugepages"
)

// Preflight checks, before rte_eal_init, that the hugepages cfg needs are
// there: some page size with free pages and a hugetlbfs mount (the one in
// HugeDir if set), and at least MemoryMB of them. It returns a one-line
// error that says which command fixes it, in place of EAL's own log. It
// checks nothing when cfg.NoHuge is set, nor for a secondary process,
// which maps the hugepages its primary took.
func Preflight(cfg *Config, sys hugepages.System) error {
	if cfg.NoHuge || cfg.ProcType == ProcSecondary {
		return nil
	}
	a, err := sys.Available()
	if err != nil {
		return fmt.Errorf("eal: hugepages: %w; or set NoHuge (--no-huge) to run without them", err)
	}
	if err := a.Err(); err != nil {
		return fmt.Errorf("eal: %w; or set NoHuge (--no-huge) to run without them", err)
	}
	usable := a.Usable
	if cfg.HugeDir != "" {
		usable = nil
		for _, u := range a.Usable {
			if u.Dir == cfg.HugeDir {
				usable = append(usable, u)
			}
		}
		if usable == nil {
			return fmt.Errorf("eal: HugeDir %s is not a hugetlbfs mount with free pages (%s)", cfg.HugeDir, a)
		}
	}
	// With shared files EAL maps its pages through files in the mount,
	// which a size= option limits; in memory it does not use the mount.
	shared := !cfg.InMemory()
	if shared {
		var mapped []hugepages.Usable
		for _, u := range usable {
			if u.Mapped() > 0 {
				mapped = append(mapped, u)
			}
		}
		if mapped == nil {
			return fmt.Errorf("eal: hugepages: %s: every mount's size limit is used up, and a primary with shared files (a file prefix) maps its pages through the mount: remount it larger (mount -o remount,size=1G DIR), or run in memory", a)
		}
		usable = mapped
	}
	if cfg.MemoryMB > 0 {
		var free uint64
		for _, u := range usable {
			n := u.Free
			if shared {
				n = u.Mapped()
			}
			free += uint64(n) * u.Size
		}
		if want := uint64(cfg.MemoryMB) << 20; want > free {
			return fmt.Errorf("eal: MemoryMB %d is more than the %d MiB of free hugepages (%s): reserve more pages or ask for less", cfg.MemoryMB, free>>20, a)
		}
	}
	return nil
}
