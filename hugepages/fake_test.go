package hugepages

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeTree builds a fake sysfs/proc tree in a temporary directory.
type fakeTree struct {
	t    *testing.T
	root string
}

func newFakeTree(t *testing.T) *fakeTree {
	t.Helper()
	return &fakeTree{t: t, root: t.TempDir()}
}

func (f *fakeTree) sys() System { return System{Root: f.root} }

// path returns the absolute path of rel inside the tree.
func (f *fakeTree) path(rel string) string { return filepath.Join(f.root, rel) }

func (f *fakeTree) write(rel, content string) {
	f.t.Helper()
	p := f.path(rel)
	require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(f.t, os.WriteFile(p, []byte(content), 0o644))
}

func (f *fakeTree) read(rel string) string {
	f.t.Helper()
	b, err := os.ReadFile(f.path(rel))
	require.NoError(f.t, err)
	return string(b)
}

func (f *fakeTree) remove(rel string) {
	f.t.Helper()
	require.NoError(f.t, os.RemoveAll(f.path(rel)))
}

// sizeRel is the relative sysfs directory of a page size in kB.
func sizeRel(kb int) string { return fmt.Sprintf("sys/kernel/mm/hugepages/hugepages-%dkB", kb) }

func nodeRel(node, kb int) string {
	return fmt.Sprintf("sys/devices/system/node/node%d/hugepages/hugepages-%dkB", node, kb)
}

// size adds a page size pool, with the files the kernel has.
func (f *fakeTree) size(kb, total, free, resv, surplus int) {
	f.t.Helper()
	d := sizeRel(kb)
	f.write(d+"/nr_hugepages", fmt.Sprintf("%d\n", total))
	f.write(d+"/free_hugepages", fmt.Sprintf("%d\n", free))
	f.write(d+"/resv_hugepages", fmt.Sprintf("%d\n", resv))
	f.write(d+"/surplus_hugepages", fmt.Sprintf("%d\n", surplus))
	f.write(d+"/nr_overcommit_hugepages", "0\n")
	f.write(d+"/nr_hugepages_mempolicy", fmt.Sprintf("%d\n", total))
}

// node adds one NUMA node's share of a page size pool.
func (f *fakeTree) node(node, kb, total, free, surplus int) {
	f.t.Helper()
	d := nodeRel(node, kb)
	f.write(d+"/nr_hugepages", fmt.Sprintf("%d\n", total))
	f.write(d+"/free_hugepages", fmt.Sprintf("%d\n", free))
	f.write(d+"/surplus_hugepages", fmt.Sprintf("%d\n", surplus))
}

func (f *fakeTree) meminfo(hugepagesizeKB int) {
	f.t.Helper()
	f.write("proc/meminfo", fmt.Sprintf(`MemTotal:       24683876 kB
MemFree:        23909548 kB
AnonHugePages:         0 kB
HugePages_Total:       0
HugePages_Free:        0
HugePages_Rsvd:        0
HugePages_Surp:        0
Hugepagesize:       %d kB
Hugetlb:               0 kB
`, hugepagesizeKB))
}

// mounts writes proc/mounts: a few ordinary lines plus the given ones.
func (f *fakeTree) mounts(lines ...string) {
	f.t.Helper()
	base := []string{
		"proc /proc proc rw,relatime 0 0",
		"sysfs /sys sysfs rw,relatime 0 0",
		"/dev/vda / ext4 rw,relatime 0 0",
		"tmpfs /dev/shm tmpfs rw,relatime,size=24684092k 0 0",
	}
	f.write("proc/mounts", strings.Join(append(base, lines...), "\n")+"\n")
}

// standardTree is a two-node machine with 2MB and 1GB pages and a 2MB
// hugetlbfs on /dev/hugepages.
func standardTree(t *testing.T) *fakeTree {
	f := newFakeTree(t)
	f.size(2048, 512, 500, 10, 2)
	f.node(0, 2048, 256, 250, 1)
	f.node(1, 2048, 256, 250, 1)
	f.size(1048576, 4, 3, 0, 0)
	f.node(0, 1048576, 4, 3, 0)
	f.write("sys/devices/system/node/online", "0-1\n")
	f.write("sys/devices/system/node/possible", "0-1\n")
	f.meminfo(2048)
	f.mounts("hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0")
	return f
}

// asUser makes the package see euid as its effective user id.
func asUser(t *testing.T, euid int) {
	old := geteuid
	geteuid = func() int { return euid }
	t.Cleanup(func() { geteuid = old })
}

// kernelWrites replaces writeFile with fn, which is given the count written.
func kernelWrites(t *testing.T, fn func(path string, count string) string) {
	old := writeFile
	writeFile = func(path string, data []byte) error {
		return os.WriteFile(path, []byte(fn(path, string(data))), 0o644)
	}
	t.Cleanup(func() { writeFile = old })
}
