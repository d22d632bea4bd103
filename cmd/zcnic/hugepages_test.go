package main

import (
	"fmt"
	"os"
	"os/exec"
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

// A size-limited hugetlbfs over /dev/hugepages (in a mount namespace of
// the test's own): `zcnic hugepages` says what the mount allows, and a
// run with shared files that runs out names the mount's limit, where it
// used to say "ready: 512 of 512 free" and blame the pool's memory.
func TestHugepagesMountSizeLimit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	if r := zcnic(t, 10*time.Second, "hugepages"); !strings.Contains(r.stdout, "ready: 2MB") || os.Getenv("ZCNIC_NO_HUGE") == "1" {
		t.Skipf("no 2 MB hugepages ready: %s", r.stdout)
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare(1)")
	}
	p := prefix("hugelimit")
	script := `mount -t hugetlbfs -o pagesize=2M,size=8M nodev /dev/hugepages || exit 99
"$0" hugepages
"$0" fwd --file-prefix "$1" --vdev net_null0 --vdev net_null1 --duration 500ms --stats-interval 0 2>&1 >/dev/null
echo "exit $?"
mount -t hugetlbfs -o pagesize=2M,size=2M nodev /dev/hugepages || exit 99
"$0" fwd --file-prefix "$1" --vdev net_null0 --vdev net_null1 --duration 500ms --stats-interval 0 2>&1 >/dev/null
echo "exit $?"`
	out, err := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, zcnicBin, p).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 99 {
		t.Skipf("cannot mount a hugetlbfs here: %s", out)
	}
	require.NoError(t, err, "%s", out)
	assert.Regexp(t, `(?m)^2MB +total \d+, free \d+, .*mounted at /dev/hugepages \(size=8MB: 4 more pages can be mapped through it\)$`, string(out))
	assert.Regexp(t, `(?m)^ready: 2MB: \d+ of \d+ free at /dev/hugepages \(its size=8MB lets 4 more be mapped through it, by runs with shared files: --file-prefix\)`, string(out))
	assert.Contains(t, string(out), "the hugetlbfs mount at /dev/hugepages lets 0 more 2MB pages be mapped through it (its size= limit)")
	assert.Contains(t, string(out), "exit 1")
	// With one page, the capture server's statistics are the first to
	// run out (this used to say only "rte_pdump_init: Cannot allocate
	// memory").
	assert.Regexp(t, `(?m)^zcnic fwd: rte_memzone_reserve: Cannot allocate memory; the hugetlbfs mount at /dev/hugepages lets 0 more 2MB pages be mapped through it \(its size= limit\)`, string(out))
	assert.NotContains(t, string(out), "exit 0")
	assert.Empty(t, prefixFiles(p))
}
