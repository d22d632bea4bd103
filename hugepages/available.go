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
		if dir := a.mountOf(ps.Size); dir != "" && ps.Free-ps.Reserved > 0 {
			a.Usable = append(a.Usable, Usable{Size: ps.Size, Free: ps.Free - ps.Reserved, Dir: dir})
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
	for _, m := range a.Mounts {
		if m.PageSize == size {
			return m.Dir
		}
	}
	return ""
}

// OK reports whether some page size is ready for use.
func (a Availability) OK() bool { return len(a.Usable) > 0 }

// String summarises every page size on one line, e.g.
// "2MB: 512 of 512 free at /dev/hugepages; 1GB: 0 of 0 free, not mounted".
func (a Availability) String() string {
	var parts []string
	for _, ps := range a.Sizes {
		p := fmt.Sprintf("%s: %d of %d free", FormatSize(ps.Size), ps.Free-ps.Reserved, ps.Total)
		if dir := a.mountOf(ps.Size); dir != "" {
			p += " at " + dir
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
