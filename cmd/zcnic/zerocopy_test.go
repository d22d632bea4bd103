package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMemifZeroCopyNeedsNoEALFlag: a zero-copy memif device
// (zero-copy=yes) is probed without the user passing any EAL option:
// zcnic turns on --single-file-segments for it, without which net_memif
// refuses to probe ("Zero-copy doesn't support multi-file segments").
// Copy mode needs nothing. Traffic between two processes over both modes
// is tested in port (TestMemifZeroCopyTwoProcesses).
func TestMemifZeroCopyNeedsNoEALFlag(t *testing.T) {
	for _, m := range []struct{ name, zc string }{{"ZeroCopy", "yes"}, {"Copy", "no"}} {
		t.Run(m.name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "m.sock")
			r := zcnic(t, 20*time.Second, "ports", "--json",
				"--vdev", "net_memif0,role=client,zero-copy="+m.zc+",socket="+sock+",socket-abstract=no")
			require.Equal(t, 0, r.code, r.stderr)
			var ps []portInfo
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &ps))
			require.Len(t, ps, 1)
			assert.Equal(t, "net_memif", ps[0].Driver)
		})
	}
}
