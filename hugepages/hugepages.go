// Package hugepages detects, reserves and mounts Linux hugepages.
//
// It reads the page pools the kernel exposes under
// /sys/kernel/mm/hugepages and /sys/devices/system/node, the default page
// size from /proc/meminfo and the hugetlbfs mounts from /proc/mounts.
// A System value can be pointed at a copy of those trees, so all of this
// can be tested without root or hugepage support.
package hugepages

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Paths of the kernel interfaces, relative to System.Root.
const (
	sysHugepages = "sys/kernel/mm/hugepages"
	sysNodes     = "sys/devices/system/node"
	procMeminfo  = "proc/meminfo"
	procMounts   = "proc/mounts"
)

// ErrUnsupported is wrapped by the errors returned when the kernel has no
// hugepage support, that is when /sys/kernel/mm/hugepages does not exist.
var ErrUnsupported = errors.New("hugepages: not supported by this kernel")

// geteuid is replaced by tests to pretend to be root or not.
var geteuid = os.Geteuid

// System reads and changes hugepage state under Root ("" means "/"), so
// tests can point it at a fake sysfs/proc tree.
type System struct {
	Root string
}

// Default is the System of the running machine.
var Default = System{}

// PageSize describes the pool of one hugepage size.
type PageSize struct {
	Size     uint64 // page size in bytes, e.g. 2<<20
	Total    int    // nr_hugepages: pages in the pool
	Free     int    // free_hugepages: pages not mapped by anyone
	Reserved int    // resv_hugepages: free pages promised to existing mappings
	Surplus  int    // surplus_hugepages: pages above Total from overcommit
	Nodes    []NodeCount
}

// NodeCount is the share of one NUMA node in a PageSize pool.
type NodeCount struct {
	Node, Total, Free, Surplus int
}

// Mount is one hugetlbfs mount.
type Mount struct {
	Dir      string
	PageSize uint64 // bytes
	// Limit is the most the mount lets be mapped through it, in bytes
	// (its size= option), or 0 for no limit. A process that maps
	// hugepages through files in the mount (EAL with shared files, a
	// --file-prefix) can have no more than that, whatever the pool has
	// free; EAL in memory maps them without the mount.
	Limit uint64
	// LimitFree is, with a Limit, how many pages the mount still allows
	// (statfs of the mount on the running machine; the whole Limit in
	// a tree under System.Root); -1 without a Limit.
	LimitFree int
}

// statfsFree is how many pages a size-limited hugetlbfs at dir still
// allows (its statfs free blocks), and whether it could tell; tests
// replace it.
var statfsFree = func(dir string) (int, bool) {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil || st.Blocks == 0 {
		return 0, false // hugetlbfs reports no blocks without size=
	}
	return int(st.Bfree), true
}

func (s System) path(rel string) string {
	root := s.Root
	if root == "" {
		root = "/"
	}
	return filepath.Join(root, rel)
}

// sizeDir is the sysfs directory name of a page size, e.g. "hugepages-2048kB".
func sizeDir(size uint64) string {
	return "hugepages-" + strconv.FormatUint(size>>10, 10) + "kB"
}

func unsupported(dir string) error {
	return fmt.Errorf("%w: %s does not exist: enable CONFIG_HUGETLBFS in the kernel, or mount sysfs on /sys", ErrUnsupported, dir)
}

// readInt reads a file holding one non-negative decimal number.
func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("hugepages: %w", err)
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("hugepages: %s: want a count, got %q", path, bytes.TrimSpace(b))
	}
	return n, nil
}

// Sizes returns the hugepage pools of every size the kernel supports,
// sorted by Size. It wraps ErrUnsupported when there are none.
func (s System) Sizes() ([]PageSize, error) {
	dir := s.path(sysHugepages)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, unsupported(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("hugepages: %w", err)
	}
	var out []PageSize
	for _, e := range ents {
		kb, ok := strings.CutPrefix(e.Name(), "hugepages-")
		if !ok {
			continue
		}
		kb, ok = strings.CutSuffix(kb, "kB")
		n, err := strconv.ParseUint(kb, 10, 64)
		if !ok || err != nil || n == 0 || n > 1<<53 {
			return nil, fmt.Errorf("hugepages: %s: unexpected directory name %q", dir, e.Name())
		}
		ps, err := s.pageSize(n << 10)
		if err != nil {
			return nil, err
		}
		out = append(out, ps)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Size < out[j].Size })
	return out, nil
}

func (s System) pageSize(size uint64) (PageSize, error) {
	ps := PageSize{Size: size}
	dir := filepath.Join(s.path(sysHugepages), sizeDir(size))
	for _, f := range []struct {
		name string
		dst  *int
	}{
		{"nr_hugepages", &ps.Total},
		{"free_hugepages", &ps.Free},
		{"resv_hugepages", &ps.Reserved},
		{"surplus_hugepages", &ps.Surplus},
	} {
		n, err := readInt(filepath.Join(dir, f.name))
		if err != nil {
			return ps, err
		}
		*f.dst = n
	}
	nodes, err := s.nodes(size)
	ps.Nodes = nodes
	return ps, err
}

// nodes returns the per-NUMA-node counts of one page size, sorted by node.
func (s System) nodes(size uint64) ([]NodeCount, error) {
	ents, err := os.ReadDir(s.path(sysNodes))
	if err != nil {
		return nil, nil // no NUMA information: not an error
	}
	var out []NodeCount
	for _, e := range ents {
		id, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "node"))
		if !strings.HasPrefix(e.Name(), "node") || err != nil || id < 0 {
			continue
		}
		dir := filepath.Join(s.path(sysNodes), e.Name(), "hugepages", sizeDir(size))
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		nc := NodeCount{Node: id}
		for _, f := range []struct {
			name string
			dst  *int
		}{
			{"nr_hugepages", &nc.Total},
			{"free_hugepages", &nc.Free},
			{"surplus_hugepages", &nc.Surplus},
		} {
			if *f.dst, err = readInt(filepath.Join(dir, f.name)); err != nil {
				return nil, err
			}
		}
		out = append(out, nc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out, nil
}

// DefaultSize returns the default hugepage size, the "Hugepagesize:" line
// of /proc/meminfo. hugetlbfs mounts without a pagesize= option use it.
func (s System) DefaultSize() (uint64, error) {
	path := s.path(procMeminfo)
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("hugepages: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "Hugepagesize:")
		if !ok {
			continue
		}
		size, err := ParseSize(strings.Join(strings.Fields(v), ""))
		if err != nil {
			return 0, fmt.Errorf("hugepages: %s: bad Hugepagesize line %q", path, sc.Text())
		}
		return size, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("hugepages: %s: %w", path, err)
	}
	return 0, fmt.Errorf("%w: %s has no Hugepagesize line: enable CONFIG_HUGETLBFS in the kernel", ErrUnsupported, path)
}

// Mounts returns the hugetlbfs mounts listed in /proc/mounts, in order.
func (s System) Mounts() ([]Mount, error) {
	path := s.path(procMounts)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hugepages: %w", err)
	}
	var out []Mount
	var def uint64
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 4 {
			return nil, fmt.Errorf("hugepages: %s:%d: malformed line %q", path, i+1, line)
		}
		if f[2] != "hugetlbfs" {
			continue
		}
		m := Mount{Dir: unescape(f[1]), LimitFree: -1}
		for _, opt := range strings.Split(f[3], ",") {
			if v, ok := strings.CutPrefix(opt, "pagesize="); ok {
				if m.PageSize, err = ParseSize(v); err != nil {
					return nil, fmt.Errorf("hugepages: %s:%d: bad pagesize option %q", path, i+1, opt)
				}
			}
			if v, ok := strings.CutPrefix(opt, "size="); ok {
				if m.Limit, err = ParseSize(v); err != nil {
					return nil, fmt.Errorf("hugepages: %s:%d: bad size option %q", path, i+1, opt)
				}
			}
		}
		if m.PageSize == 0 {
			if def == 0 {
				if def, err = s.DefaultSize(); err != nil {
					return nil, err
				}
			}
			m.PageSize = def
		}
		if m.Limit > 0 {
			m.LimitFree = int(m.Limit / m.PageSize)
			if s.Root == "" {
				if free, ok := statfsFree(m.Dir); ok {
					m.LimitFree = free
				}
			}
		}
		// A mount over another at the same place hides it: the later
		// line is the one a path there reaches.
		if j := slices.IndexFunc(out, func(o Mount) bool { return o.Dir == m.Dir }); j >= 0 {
			out = slices.Delete(out, j, j+1)
		}
		out = append(out, m)
	}
	return out, nil
}

// unescape undoes the octal escapes (\040 for space, ...) of /proc/mounts.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// find returns the pool of one page size, or an error naming the sizes
// that exist.
func (s System) find(size uint64) (PageSize, error) {
	sizes, err := s.Sizes()
	if err != nil {
		return PageSize{}, err
	}
	for _, ps := range sizes {
		if ps.Size == size {
			return ps, nil
		}
	}
	return PageSize{}, fmt.Errorf("hugepages: no %s page size on this machine: it has %s", FormatSize(size), list(sizes))
}

func list(sizes []PageSize) string {
	if len(sizes) == 0 {
		return "none"
	}
	var names []string
	for _, ps := range sizes {
		names = append(names, FormatSize(ps.Size))
	}
	return strings.Join(names, ", ")
}

// Sizes calls Default.Sizes.
func Sizes() ([]PageSize, error) { return Default.Sizes() }

// DefaultSize calls Default.DefaultSize.
func DefaultSize() (uint64, error) { return Default.DefaultSize() }

// Mounts calls Default.Mounts.
func Mounts() ([]Mount, error) { return Default.Mounts() }

// Reserve calls Default.Reserve.
func Reserve(size uint64, count int) error { return Default.Reserve(size, count) }

// MountAt calls Default.Mount. (It is not called Mount, the name of the type.)
func MountAt(dir string, size uint64) error { return Default.Mount(dir, size) }

// Available calls Default.Available.
func Available() (Availability, error) { return Default.Available() }

// Check calls Default.Check.
func Check() error { return Default.Check() }
