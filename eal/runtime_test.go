package eal

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Only PREFIXmap_N and PREFIXmap_N_M are a prefix's hugepage files.
func TestHugepageFilesOfPrefix(t *testing.T) {
	mount := t.TempDir()
	old := hugeSysFiles
	hugeSysFiles = fakeHuge(t, 8, 8, mount)
	t.Cleanup(func() { hugeSysFiles = old })
	mine := []string{"zc1map_0", "zc1map_12", "zc1map_1_2"}
	others := []string{"zc1map_", "zc1mapx_0", "zc10map_0", "zc1map_0a", "rtemap_0"}
	for _, f := range append(mine, others...) {
		require.NoError(t, os.WriteFile(filepath.Join(mount, f), nil, 0o600))
	}
	var want []string
	for _, f := range mine {
		want = append(want, filepath.Join(mount, f))
	}
	assert.ElementsMatch(t, want, hugepageFiles("zc1"))
	require.NoError(t, removeHugepageFiles("zc1"))
	left, err := os.ReadDir(mount)
	require.NoError(t, err)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, others, names, "other prefixes' files stay")
}

// What a killed primary left (a config nobody locks) is removed by the
// next primary's claim; with no config at all there is nothing to do.
func TestClaimPrefixRemovesStaleFiles(t *testing.T) {
	p := "zcnic-eal-test-stale"
	dir := RuntimeDir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Skipf("cannot make %s: %v", dir, err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config"), []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mp_socket"), nil, 0o600))
	pid, err := PrimaryPID(p)
	require.NoError(t, err)
	assert.Zero(t, pid, "no process holds the config's lock")
	release, err := claimPrefix(p)
	require.NoError(t, err)
	release()
	assert.NoDirExists(t, dir)
	release, err = claimPrefix(p)
	require.NoError(t, err, "nothing left: nothing to do")
	release()
}

// A claim waits for another being made (a primary starting), and says
// so when it waits too long.
func TestClaimPrefixWaitsForAnother(t *testing.T) {
	p := "zcnic-eal-test-claim"
	release, err := claimPrefix(p)
	require.NoError(t, err)
	old := claimWait
	claimWait = 50 * time.Millisecond
	defer func() { claimWait = old }()
	_, err = claimPrefix(p)
	assert.ErrorContains(t, err, "another primary process has been starting for 50ms")
	release()
	release, err = claimPrefix(p)
	require.NoError(t, err, "free once the first has started")
	release()
}

func TestRuntimeDir(t *testing.T) {
	if os.Geteuid() == 0 {
		assert.Equal(t, "/var/run/dpdk/fwd1", RuntimeDir("fwd1"))
		assert.Equal(t, "/var/run/dpdk/rte", RuntimeDir(""))
	} else {
		t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
		assert.Equal(t, "/run/user/1000/dpdk/fwd1", RuntimeDir("fwd1"))
	}
}
