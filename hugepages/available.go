package hugepages

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrNotAvailable is wrapped by the errors of Availability.Err and Check
// when no hugepages are ready for use.
var ErrNotAvailable = errors.New("hugepages: not available")

// Usable is a page size with pages free to use and a hugetlbfs to map
// them through.
type Usable struct {
	Size uint64 // page size in bytes
	Free int    // free pages not reserved for existing mappings
	Dir  string // a hugetlbfs mount of this page size
	// MountFree is, when the mount at Dir has a size limit (Mount.Limit),
	// how many pages it still allows: a process mapping its pages
	// through files there (EAL with shared files) gets at most that
	// many. -1 for no limit. See Mapped.
	MountFree int
}

// Mapped is how many pages a process can map through the mount: Free,
// or fewer under the mount's size limit.
func (u Usable) Mapped() int {
	if u.MountFree >= 0 && u.MountFree < u.Free {
		return u.MountFree
	}
	return u.Free
}

// Availability is what Available found.
type Availability struct {
	Sizes  []PageSize // every page size, as from Sizes
	Mounts []Mount    // every hugetlbfs mount, as from Mounts
	Usable []Usable   // the page sizes ready for use, sorted by size
	def    uint64     // the default page size, 0 if unknown
	root   string
}

// Available reports which page sizes have free pages (free_hugepages
// minus resv_hugepages) and a hugetlbfs mount of the same size. Its error
// is for unreadable state, including ErrUnsupported; use the result's Err
// for whether hugepages are ready.
func (s System) Available() (Availability, error) {
	a := Availability{root: s.Root}
	var err error
	if a.Sizes, err = s.Sizes(); err != nil {
		return a, err
	}
	if a.Mounts, err = s.Mounts(); err != nil {
		return a, err
	}
	a.def, _ = s.DefaultSize()
	for _, ps := range a.Sizes {
		if m, ok := a.mount(ps.Size); ok && ps.Free-ps.Reserved > 0 {
			a.Usable = append(a.Usable, Usable{Size: ps.Size, Free: ps.Free - ps.Reserved, Dir: m.Dir, MountFree: m.LimitFree})
		}
	}
	return a, nil
}

// Check returns nil if some hugepages are ready for use, and otherwise a
// one-line error saying what to run to fix it.
func (s System) Check() error {
	a, err := s.Available()
	if err != nil {
		return err
	}
	return a.Err()
}

func (a Availability) mountOf(size uint64) string {
	m, _ := a.mount(size)
	return m.Dir
}

// mount is the first hugetlbfs mount of a page size, the one EAL uses.
func (a Availability) mount(size uint64) (Mount, bool) {
	for _, m := range a.Mounts {
		if m.PageSize == size {
			return m, true
		}
	}
	return Mount{}, false
}

// OK reports whether some page size is ready for use.
func (a Availability) OK() bool { return len(a.Usable) > 0 }

// String summarises every page size on one line, e.g.
// "2MB: 512 of 512 free at /dev/hugepages; 1GB: 0 of 0 free, not mounted".
func (a Availability) String() string {
	var parts []string
	for _, ps := range a.Sizes {
		p := fmt.Sprintf("%s: %d of %d free", FormatSize(ps.Size), ps.Free-ps.Reserved, ps.Total)
		if m, ok := a.mount(ps.Size); ok {
			p += " at " + m.Dir
			if m.Limit > 0 {
				p += fmt.Sprintf(" (its size=%s lets %d more be mapped through it, by runs with shared files: --file-prefix)", FormatSize(m.Limit), m.LimitFree)
			}
		} else {
			p += ", not mounted"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "no hugepage sizes"
	}
	return strings.Join(parts, "; ")
}

// Err returns nil if OK, and otherwise a one-line error wrapping
// ErrNotAvailable that says what is missing and the commands to run.
func (a Availability) Err() error {
	if a.OK() {
		return nil
	}
	sysfs := System{Root: a.root}.path(sysHugepages)
	if len(a.Sizes) == 0 {
		return fmt.Errorf("%w: the kernel lists no page sizes in %s", ErrNotAvailable, sysfs)
	}
	for _, ps := range a.Sizes { // free pages, but no mount
		if ps.Free-ps.Reserved > 0 {
			return fmt.Errorf("%w: %d free %s pages but no hugetlbfs mounted with pagesize=%s%s: run `sudo sh -c '%s'`",
				ErrNotAvailable, ps.Free-ps.Reserved, FormatSize(ps.Size), optSize(ps.Size), a.others(), mountCmd(a.mountDir(ps.Size), ps.Size))
		}
	}
	// No free pages: suggest a size that is mounted, else the default.
	size := a.Sizes[0].Size
	for _, ps := range a.Sizes {
		if ps.Size == a.def {
			size = ps.Size
		}
	}
	for _, ps := range a.Sizes {
		if a.mountOf(ps.Size) != "" {
			size = ps.Size
			break
		}
	}
	count := max(1, int((1<<30)/size))
	cmd := fmt.Sprintf("echo %d > %s", count, filepath.Join(sysfs, sizeDir(size), "nr_hugepages"))
	if a.mountOf(size) == "" {
		cmd += " && " + mountCmd(a.mountDir(size), size)
	}
	return fmt.Errorf("%w: no free hugepages (%s): run `sudo sh -c '%s'`", ErrNotAvailable, a, cmd)
}

// others describes the hugetlbfs mounts there are, if any.
func (a Availability) others() string {
	var l []string
	for _, m := range a.Mounts {
		l = append(l, fmt.Sprintf("%s with %s pages", m.Dir, FormatSize(m.PageSize)))
	}
	if len(l) == 0 {
		return ""
	}
	return " (hugetlbfs is mounted only at " + strings.Join(l, ", ") + ")"
}

// mountDir suggests a mount point for a page size: /dev/hugepages if free.
func (a Availability) mountDir(size uint64) string {
	dir := "/dev/hugepages"
	for _, m := range a.Mounts {
		if m.Dir == dir {
			return dir + "-" + optSize(size)
		}
	}
	return dir
}

// MountLimits is, for an error about hugepage memory running out, a
// sentence (starting "; ") for every mount of the running machine whose
// size= option lets fewer pages be mapped through it than the pool has
// free, or "". EAL with shared files (a file prefix) maps its pages
// through the mount, so those runs get no more.
func MountLimits() string {
	a, err := Available()
	if err != nil {
		return ""
	}
	var out string
	for _, u := range a.Usable {
		if u.Mapped() < u.Free {
			out += fmt.Sprintf("; the hugetlbfs mount at %s lets %d more %s pages be mapped through it (its size= limit), of the %d free, to runs with shared files (a file prefix)", u.Dir, u.MountFree, FormatSize(u.Size), u.Free)
		}
	}
	return out
}
