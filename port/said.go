package port

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/zcnic/zcnic/internal/dpdklog"
	"github.com/zcnic/zcnic/internal/rte"
	"golang.org/x/sys/unix"
)

// said runs a DPDK call and returns its result with what the driver
// logged on this thread meanwhile (see internal/dpdklog).
func said(call func() int) (int, string) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if !dpdklog.Started() {
		return call(), ""
	}
	mark := dpdklog.Mark()
	r := call()
	if r == 0 {
		return r, ""
	}
	return r, dpdklog.Said(mark, unix.Gettid())
}

// saidErr is rte.Errf with what the driver said.
func saidErr(call string, r int, words string, format string, args ...any) error {
	err := rte.Errf(call, r, format, args...)
	err.(*rte.Error).Said = words
	return err
}

// ErrProbe is matched (errors.Is) by every ProbeError.
var ErrProbe = errors.New("port: the driver did not create the device")

// ProbeError is a device its driver would not create (rte_dev_probe).
// Its text is the driver's own words, such as "net_pcap0: Couldn't open
// in.pcap: No such file or directory", or, when the driver said nothing
// (an unknown devargs key), the arguments its driver takes.
//
// It matches ErrProbe. It unwraps to the probe's *rte.Error only when
// that carries a real errno: DPDK's drivers mostly fail a probe with a
// bare -1, which is not EPERM, so errors.Is(err, syscall.EPERM) is
// false for them.
type ProbeError struct {
	Device  string     // the device name, "net_pcap0"
	DevArgs string     // the whole devargs string
	Said    string     // what the driver and EAL logged while refusing it
	Err     *rte.Error // the failed rte_dev_probe
}

func (e *ProbeError) Error() string {
	if e.Said != "" {
		msg := e.Device + ": " + e.Said
		if strings.Contains(e.Said, "failed to parse device") {
			msg += " (no driver of that name is loaded)"
		}
		return msg
	}
	msg := fmt.Sprintf("%s: the driver refused %q and logged nothing: an unknown key or a bad value", e.Device, e.DevArgs)
	if u := UnknownKeys(e.DevArgs); len(u) > 0 {
		msg = fmt.Sprintf("%s: the driver refused %q: it has no key %s", e.Device, e.DevArgs, quoteAll(u))
	}
	if p := driverParams(e.Device); p != "" {
		msg += " (it takes " + p + ")"
	}
	return msg
}

// Is matches ErrProbe.
func (e *ProbeError) Is(target error) bool { return target == ErrProbe }

// Unwrap is the probe's *rte.Error when its errno means something
// (not the bare -1 of a failed driver probe).
func (e *ProbeError) Unwrap() error {
	if e.Err == nil || e.Err.Errno == syscall.EPERM {
		return nil
	}
	return e.Err
}

// driverParams is the devargs a virtual device's driver takes, as its
// plugin lists them (the PMD_INFO_STRING that dpdk-pmdinfo.py reads), or
// "" if they cannot be found.
func driverParams(device string) string {
	drv := strings.TrimRight(device, "0123456789")
	if drv == "" {
		return ""
	}
	files, _ := filepath.Glob(filepath.Join(pmdPath, "librte_net_*.so"))
	key := []byte(`"name": "` + drv + `", "params": "`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if i := bytes.Index(b, key); i >= 0 {
			rest := b[i+len(key):]
			if j := bytes.IndexByte(rest, '"'); j >= 0 {
				return string(rest[:j])
			}
		}
	}
	return ""
}

// DriverParams is what the driver of a virtual device ("net_pcap0,..."
// or "net_pcap0") says it takes, as its plugin declares it
// (RTE_PMD_REGISTER_PARAM_STRING: "rx_pcap=<string> tx_pcap=<string> ..."),
// or "" when it cannot be found: a driver built in, or no driver of that
// name.
func DriverParams(device string) string {
	name, _, _ := strings.Cut(device, ",")
	return driverParams(name)
}

// UnknownKeys returns the keys of a virtual device's devargs
// ("net_pcap0,rx_pacp=in.pcap") that its driver's DriverParams do not
// name, in order; nil when every key is named or the driver's params
// cannot be found. (Some drivers' strings run keys together, so a key
// counts as named wherever "key=" appears in them.)
func UnknownKeys(devargs string) []string {
	name, args, _ := strings.Cut(devargs, ",")
	p := driverParams(name)
	if p == "" || args == "" {
		return nil
	}
	var unknown []string
	for _, kv := range strings.Split(args, ",") {
		k, _, _ := strings.Cut(kv, "=")
		if k != "" && !strings.Contains(p, k+"=") {
			unknown = append(unknown, k)
		}
	}
	return unknown
}

// quoteAll is "a", "b" and "c" for the keys a, b and c.
func quoteAll(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
