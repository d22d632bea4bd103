// Package mbufc is C the mbuf tests compare against, kept out of the
// production package: how the C compiler packs struct rte_mbuf's
// tx_offload bit-fields. Only tests import it.
package mbufc

/*
#cgo pkg-config: libdpdk
#include <string.h>
#include <rte_mbuf.h>

static uint64_t zc_pack_tx_offload(uint64_t l2, uint64_t l3, uint64_t l4) {
	struct rte_mbuf m;
	memset(&m, 0, sizeof(m));
	m.l2_len = l2; m.l3_len = l3; m.l4_len = l4;
	return m.tx_offload;
}
*/
import "C"

// PackTxOffload is the tx_offload word the C compiler makes of l2_len,
// l3_len and l4_len.
func PackTxOffload(l2, l3, l4 uint64) uint64 {
	return uint64(C.zc_pack_tx_offload(C.uint64_t(l2), C.uint64_t(l3), C.uint64_t(l4)))
}
