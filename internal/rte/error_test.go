package rte

import (
	"errors"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrNamesCallAndText(t *testing.T) {
	err := Err("rte_eth_dev_configure", -int(syscall.EINVAL))
	require.Error(t, err)
	assert.Equal(t, "rte_eth_dev_configure: Invalid argument", err.Error())
	assert.True(t, errors.Is(err, syscall.EINVAL))

	var re *Error
	require.True(t, errors.As(err, &re))
	assert.Equal(t, syscall.EINVAL, re.Errno)
}

func TestErrPositiveAndZeroCodes(t *testing.T) {
	assert.True(t, errors.Is(Err("x", int(syscall.ENODEV)), syscall.ENODEV))
	// A failure without an errno is still a failure.
	assert.True(t, errors.Is(Err("x", 0), syscall.EIO))
}

func TestErrfDetail(t *testing.T) {
	err := Errf("rte_eth_rx_queue_setup", -int(syscall.EINVAL), "port %d queue %d", 1, 7)
	assert.Equal(t, "rte_eth_rx_queue_setup: Invalid argument (port 1 queue 7)", err.Error())
}

func TestStrerrorDPDKCodes(t *testing.T) {
	// E_RTE_NO_CONFIG is DPDK's own code (__ELASTERROR + 2); the C library knows nothing of it.
	assert.Equal(t, "Missing rte_config structure", Strerror(1002))
}
