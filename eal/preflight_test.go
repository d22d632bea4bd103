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
