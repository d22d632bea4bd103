package hugepages

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// These tests use the real kernel. They change nr_hugepages and mount
// hugetlbfs, and always put things back.

const real2MB = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

func requireRealRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: changes the real hugepage pools and mounts")
	}
	if _, err := os.Stat("/sys/kernel/mm/hugepages"); err != nil {
		t.Skipf("kernel without hugepages: %v", err)
	}
}

func readReal(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return n
}

// restoreReal puts nr_hugepages back to its current value when t ends.
func restoreReal(t *testing.T, path string) {
	orig := readReal(t, path)
	t.Cleanup(func() {
		if err := os.WriteFile(path, []byte(strconv.Itoa(orig)), 0); err != nil {
			t.Errorf("restoring %s to %d: %v", path, orig, err)
		}
		if now := readReal(t, path); now != orig {
			t.Errorf("restoring %s: it is %d, was %d", path, now, orig)
		}
	})
}

func TestRealSizes(t *testing.T) {
	requireRealRoot(t)
	sizes, err := Sizes()
	require.NoError(t, err)
	var have []string
	for _, ps := range sizes {
		have = append(have, FormatSize(ps.Size))
		assert.LessOrEqual(t, ps.Free, ps.Total+ps.Surplus, "%s", FormatSize(ps.Size))
		assert.LessOrEqual(t, ps.Reserved, ps.Free, "%s", FormatSize(ps.Size))
	}
	t.Logf("sizes: %s", strings.Join(have, ", "))
	assert.Contains(t, have, "2MB")
	def, err := DefaultSize()
	require.NoError(t, err)
	assert.Contains(t, have, FormatSize(def), "the default size is one of the sizes")
	_, err = Mounts()
	require.NoError(t, err)
	a, err := Available()
	require.NoError(t, err)
	t.Logf("available: %v (err: %v)", a, a.Err())
	assert.Equal(t, a.OK(), a.Err() == nil)
}

func TestRealReserveSame(t *testing.T) {
	requireRealRoot(t)
	restoreReal(t, real2MB)
	cur := readReal(t, real2MB)
	require.NoError(t, Reserve(2<<20, cur))
	assert.Equal(t, cur, readReal(t, real2MB))
}

func TestRealReserveSome(t *testing.T) {
	requireRealRoot(t)
	restoreReal(t, real2MB)
	want := readReal(t, real2MB) + 2 // 4MB more: always available on a test machine
	require.NoError(t, Reserve(2<<20, want))
	assert.Equal(t, want, readReal(t, real2MB))
	sizes, err := Sizes()
	require.NoError(t, err)
	for _, ps := range sizes {
		if ps.Size == 2<<20 {
			assert.Equal(t, want, ps.Total)
		}
	}
}

// TestRealReserveTooMany asks for 20TB of 2MB pages. The kernel grabs all
// the memory it can before giving up, which can make other programs on the
// machine run out of memory for a moment, so it runs only when asked to.
func TestRealReserveTooMany(t *testing.T) {
	requireRealRoot(t)
	if os.Getenv("ZCNIC_HUGEPAGES_EXHAUST") != "1" {
		t.Skip("set ZCNIC_HUGEPAGES_EXHAUST=1 to run: it briefly takes all free memory into hugepages")
	}
	restoreReal(t, real2MB)
	err := Reserve(2<<20, 10_000_000)
	require.Error(t, err)
	t.Log(err)
	assert.Contains(t, err.Error(), "asked for 10000000 x 2MB pages, the kernel reserved only ")
	assert.Contains(t, err.Error(), "not enough free contiguous memory")
}

func TestRealMount(t *testing.T) {
	requireRealRoot(t)
	dir := filepath.Join(t.TempDir(), "huge")
	t.Cleanup(func() {
		for unix.Unmount(dir, 0) == nil { // also undo a mount made twice by mistake
		}
	})
	require.NoError(t, MountAt(dir, 2<<20))
	count := func() int {
		mounts, err := Mounts()
		require.NoError(t, err)
		n := 0
		for _, m := range mounts {
			if m.Dir == dir {
				assert.Equal(t, uint64(2<<20), m.PageSize)
				n++
			}
		}
		return n
	}
	assert.Equal(t, 1, count())
	var st unix.Statfs_t
	require.NoError(t, unix.Statfs(dir, &st))
	assert.Equal(t, int64(unix.HUGETLBFS_MAGIC), int64(st.Type))
	assert.Equal(t, int64(2<<20), int64(st.Bsize))

	require.NoError(t, MountAt(dir, 2<<20), "mounting again is a no-op")
	assert.Equal(t, 1, count())
	if _, err := os.Stat("/sys/kernel/mm/hugepages/hugepages-1048576kB"); err == nil {
		err := MountAt(dir, 1<<30)
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), dir+" already has a hugetlbfs mount with 2MB pages")
		}
		assert.Equal(t, 1, count())
	}
}
