package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nr2M = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

func readNr(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(nr2M)
	require.NoError(t, err)
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return n
}

// `zcnic hugepages reserve` really reserves and mounts: two more 2 MB
// pages, a hugetlbfs at a new directory, then back to the count the
// machine had (the pages of other test processes are never taken).
func TestHugepagesReserve(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("reserving hugepages needs root")
	}
	if _, err := os.Stat(nr2M); err != nil {
		t.Skip("no 2 MB hugepages in this kernel")
	}
	before := readNr(t)
	t.Cleanup(func() {
		// Whatever happened, leave the machine's count as it was.
		_ = os.WriteFile(nr2M, []byte(strconv.Itoa(before)), 0o644)
	})
	dir := t.TempDir()
	t.Cleanup(func() { _ = syscall.Unmount(dir, 0) }) // before TempDir's removal

	r := zcnic(t, 10*time.Second, "hugepages", "reserve", "--size", "2M", "--count", strconv.Itoa(before+2), "--dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, fmt.Sprintf("reserved %d pages of 2MB\n", before+2))
	assert.Contains(t, r.stdout, "mounted at "+dir)
	assert.Equal(t, before+2, readNr(t))
	mounts, err := os.ReadFile("/proc/mounts")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^\S+ `+dir+` hugetlbfs \S*pagesize=2M`, string(mounts))

	// And back, without mounting again.
	r = zcnic(t, 10*time.Second, "hugepages", "reserve", "--size", "2M", "--count", strconv.Itoa(before), "--no-mount")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "mounted")
	assert.Equal(t, before, readNr(t))
}
