package port

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The stride ethdev_private.h computes for rte_eth_devices (from the
// headers this was compiled with) is the one of the library that runs:
// on x86-64 and on arm64, whose cache lines differ.
func TestEthDevLayout(t *testing.T) {
	require.Equal(t, 1, ethDevLayout(), "sizeof(struct rte_eth_dev) in port/ethdev_private.h does not match the loaded librte_ethdev's rte_eth_devices")
}
