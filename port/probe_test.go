package port_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/port"
)

// A device its driver refuses comes back in the driver's own words (it
// used to be "rte_dev_probe: Operation not permitted", EPERM, for all of
// these), and a missing file is not EPERM.
func TestAttachErrorSaysWhy(t *testing.T) {
	dir := t.TempDir()
	notPcap := filepath.Join(dir, "notpcap.pcap")
	require.NoError(t, os.WriteFile(notPcap, []byte("this is not a pcap file at all"), 0o644))
	missing := filepath.Join(dir, "in.pcap")
	for _, c := range []struct{ devargs, want string }{
		{"net_pcap20,rx_pcap=" + missing, "net_pcap20: Couldn't open " + missing + ": No such file or directory"},
		{"net_pcap21,tx_pcap=" + filepath.Join(dir, "no", "out.pcap"), "net_pcap21: Couldn't open " + filepath.Join(dir, "no", "out.pcap") + " for writing."},
		{"net_pcap22,rx_pcap=" + notPcap, "net_pcap22: Couldn't open " + notPcap + ": unknown file format"},
		{"net_pcap23,rx_pacp=x.pcap", `net_pcap23: the driver refused "net_pcap23,rx_pacp=x.pcap": it has no key "rx_pacp" (it takes rx_pcap=<string>`},
		{"net_bogus0", `net_bogus0: failed to parse device "net_bogus0" (no driver of that name is loaded)`},
	} {
		_, err := port.Attach(c.devargs)
		require.Error(t, err, c.devargs)
		assert.Contains(t, err.Error(), c.want)
		assert.True(t, errors.Is(err, port.ErrProbe), c.devargs)
		assert.False(t, errors.Is(err, syscall.EPERM), "%s: %v is not EPERM", c.devargs, err)
		var pe *port.ProbeError
		require.ErrorAs(t, err, &pe)
	}
	// Nothing was created, and the names can be used again.
	_, err := port.Open("net_pcap20")
	assert.Error(t, err)
}
