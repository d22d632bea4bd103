package eal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/hugepages"
)

// fakeHuge writes a sysfs/proc tree with one 2MB page size.
func fakeHuge(t *testing.T, total, free int, mount string) hugepages.System {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "sys/kernel/mm/hugepages/hugepages-2048kB")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, v := range map[string]int{"nr_hugepages": total, "free_hugepages": free, "resv_hugepages": 0, "surplus_hugepages": 0} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprintln(v)), 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "proc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "proc/meminfo"), []byte("MemTotal: 1000 kB\nHugepagesize:       2048 kB\n"), 0o644))
	mounts := "proc /proc proc rw 0 0\n"
	if mount != "" {
		mounts += "nodev " + mount + " hugetlbfs rw,relatime,pagesize=2M 0 0\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "proc/mounts"), []byte(mounts), 0o644))
	return hugepages.System{Root: root}
}

func TestPreflightNoPages(t *testing.T) {
	err := Preflight(&Config{}, fakeHuge(t, 0, 0, ""))
	require.Error(t, err)
	msg := err.Error()
	assert.True(t, errors.Is(err, hugepages.ErrNotAvailable))
	assert.NotContains(t, msg, "\n", "the message is one line")
	assert.Contains(t, msg, "nr_hugepages", "it names the command that reserves pages")
	assert.Contains(t, msg, "mount -t hugetlbfs", "and the one that mounts them")
	assert.Contains(t, msg, "NoHuge")
}

func TestPreflightPagesButNoMount(t *testing.T) {
	err := Preflight(&Config{}, fakeHuge(t, 512, 512, ""))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mount -t hugetlbfs")
	assert.NotContains(t, err.Error(), "\n")
}

func TestPreflightOK(t *testing.T) {
	sys := fakeHuge(t, 512, 512, "/dev/hugepages")
	assert.NoError(t, Preflight(&Config{}, sys))
	assert.NoError(t, Preflight(&Config{MemoryMB: 1024}, sys), "512 x 2MB is exactly 1024 MiB")
	assert.NoError(t, Preflight(&Config{HugeDir: "/dev/hugepages"}, sys))
}

func TestPreflightMemoryAndDir(t *testing.T) {
	sys := fakeHuge(t, 512, 100, "/dev/hugepages")
	err := Preflight(&Config{MemoryMB: 512}, sys)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "200 MiB of free hugepages")

	err = Preflight(&Config{HugeDir: "/mnt/huge"}, sys)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "eal: HugeDir /mnt/huge is not a hugetlbfs mount"), err.Error())
}

func TestPreflightSkippedWithNoHuge(t *testing.T) {
	assert.NoError(t, Preflight(&Config{NoHuge: true}, fakeHuge(t, 0, 0, "")))
	// Even a tree with no hugepage support at all.
	assert.NoError(t, Preflight(&Config{NoHuge: true}, hugepages.System{Root: t.TempDir()}))
}

// A primary with shared files (a file prefix) maps its pages through the
// hugetlbfs mount, so the mount's size= limit is what it can have; one
// in memory does not use the mount.
func TestPreflightMountSizeLimit(t *testing.T) {
	sys := fakeHuge(t, 512, 512, "/dev/hugepages")
	mounts := filepath.Join(sys.Root, "proc/mounts")
	require.NoError(t, os.WriteFile(mounts, []byte("nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M,size=8M 0 0\n"), 0o644))
	shared := Config{FilePrefix: "fwd1", SharedFiles: true}
	assert.NoError(t, Preflight(&shared, sys), "4 pages may do")
	err := Preflight(&Config{FilePrefix: "fwd1", SharedFiles: true, MemoryMB: 64}, sys)
	assert.ErrorContains(t, err, "MemoryMB 64 is more than the 8 MiB of free hugepages (2MB: 512 of 512 free at /dev/hugepages (its size=8MB lets 4 more be mapped through it")
	assert.NoError(t, Preflight(&Config{MemoryMB: 64}, sys), "in memory, the mount's limit does not apply")

	// A limit below one page lets nothing be mapped.
	require.NoError(t, os.WriteFile(mounts, []byte("nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M,size=1048576 0 0\n"), 0o644))
	assert.ErrorContains(t, Preflight(&shared, sys), "every mount's size limit is used up, and a primary with shared files (a file prefix) maps its pages through the mount")
	assert.NoError(t, Preflight(&Config{}, sys))
}
