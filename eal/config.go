package eal

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// NoHugeDefaultMB is the memory given to EAL when NoHuge is set and
// MemoryMB is not: enough for a few mempools on virtual devices.
const NoHugeDefaultMB = 512

// Config describes how to initialise the EAL. The zero value is usable
// and is what the zcnic command does: every allowed CPU becomes an
// lcore, the lowest one is the main lcore, hugepages are required, PCI
// is off, no virtual device is created, and runtime state stays in
// memory (--in-memory), so two copies of a program run side by side.
//
// Config only describes; Args renders it to the argv that rte_eal_init
// takes, validating every field on the way.
type Config struct {
	// Lcores lists the lcore ids to enable (EAL's -l). Lcore n runs on
	// CPU n unless LcoreCPUs says otherwise. Empty means every CPU this
	// process may run on.
	Lcores []uint

	// LcoreCPUs maps lcores of Lcores to the CPU each runs on (EAL's
	// --lcores ID@CPU), so that several lcores can share a CPU: for
	// correctness tests of many loops on a small machine, not for
	// speed, since lcores that share a CPU take turns on it. An lcore
	// it does not name runs on the CPU of its own number. Every CPU
	// must be one this process may run on.
	LcoreCPUs map[uint]int

	// MainLcore is the lcore that runs the calling side (EAL's
	// --main-lcore). Zero means the lowest lcore in Lcores, which is what
	// EAL picks too; any other value must be in Lcores.
	MainLcore uint

	// MemoryMB is the memory to preallocate, in MiB (EAL's -m). Zero
	// lets EAL grow memory on demand, or NoHugeDefaultMB with NoHuge.
	MemoryMB int

	// HugeDir is the hugetlbfs mount to use (EAL's --huge-dir). Empty
	// lets EAL find one.
	HugeDir string

	// NoHuge runs on ordinary anonymous memory instead of hugepages
	// (EAL's --no-huge). Slower, but works anywhere; virtual devices only.
	NoHuge bool

	// NoConfine leaves the Go runtime's threads where the OS puts them.
	// By default Init confines every thread of the process that is not
	// an lcore's to the control CPUs (see ControlCPUs), as DPDK does
	// with its own control threads, so that a worker lcore's CPU runs
	// its loop and nothing else; threads started later inherit that.
	NoConfine bool

	// FilePrefix names this process's runtime files (EAL's
	// --file-prefix). Two processes with SharedFiles running at once
	// need different prefixes.
	FilePrefix string

	// SharedFiles keeps runtime state in shared files (hugepage files,
	// /var/run/dpdk/FilePrefix/config), which secondary processes and
	// DPDK's tools attach through. Off (the default), state stays in
	// memory: EAL's --in-memory, or --no-shconf with NoHuge (EAL refuses
	// --in-memory with --no-huge). Attachable and a ProcType other than
	// ProcPrimary imply it.
	SharedFiles bool

	// SingleFileSegments keeps each memory segment list in one file
	// (EAL's --single-file-segments) instead of a file per page, so a
	// peer can map all of this process's memory from one descriptor per
	// list. net_memif's zero-copy mode (zero-copy=yes) needs it: it
	// shares these files with the peer, which then reads and writes
	// this process's mbufs in place. EAL refuses it together with
	// --huge-unlink with shared files, and Args does the same, with the
	// reason.
	SingleFileSegments bool

	// VDevs are virtual devices to create, as EAL --vdev strings such as
	// "net_null0" or "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap".
	VDevs []string

	// PCIAllow lists PCI devices EAL may probe, as "0000:03:00.0" with
	// optional ",key=value" device arguments. Empty means PCI is off
	// (--no-pci): zcnic never probes the machine's NICs unless asked.
	PCIAllow []string

	// LogLevel is EAL's --log-level: a level name ("error", "notice",
	// "debug", ...), a number 1-8, or "pattern:level". Empty keeps EAL's
	// default.
	LogLevel string

	// Telemetry keeps DPDK's telemetry socket (dpdk_telemetry.v2 in the
	// runtime directory, /var/run/dpdk/FilePrefix for root), which
	// dpdk-telemetry.py -f FilePrefix talks to. Off by default
	// (--no-telemetry). Two processes with telemetry need different
	// FilePrefixes, even in memory. Cleanup removes the socket.
	Telemetry bool

	// ProcType is the process type (EAL's --proc-type): ProcPrimary
	// (the zero value) owns the devices and memory; ProcSecondary
	// attaches to the running primary of the same FilePrefix; ProcAuto
	// is a secondary if such a primary runs, else a primary.
	ProcType ProcType

	// Attachable makes a primary that DPDK's multi-process tools
	// (dpdk-dumpcap, dpdk-pdump, dpdk-proc-info) and secondary processes
	// can attach to: it needs FilePrefix and hugepages, and implies
	// SharedFiles. Init starts zcnic's server of DPDK 22.11's capture
	// protocol (package pdump, in place of rte_pdump_init, whose
	// server lets a detaching dpdk-dumpcap free its ring under a
	// polling lcore), so that dpdk-dumpcap and dpdk-pdump can capture
	// live traffic; Cleanup stops it and removes its callbacks.
	Attachable bool

	// ExtraArgs are appended to argv unchanged, for EAL options Config
	// does not model.
	ExtraArgs []string

	// ProgramName is argv[0]; empty means "zcnic".
	ProgramName string

	// Logger receives DPDK's log, a record a line at slog levels from
	// DPDK's (error and worse: Error; warning: Warn; notice and info:
	// Info; debug: Debug). Nil means slog.Default(). Which messages DPDK
	// writes at all is LogLevel's choice. The lines a driver logs while
	// refusing a device or a call also come back in the error.
	Logger *slog.Logger
}

// ProcType is a DPDK process type (EAL's --proc-type).
type ProcType int

// Process types.
const (
	ProcPrimary   ProcType = iota // owns devices and memory (EAL's default)
	ProcSecondary                 // attaches to a running primary
	ProcAuto                      // secondary if a primary runs, else primary
)

func (p ProcType) String() string {
	switch p {
	case ProcPrimary:
		return "primary"
	case ProcSecondary:
		return "secondary"
	case ProcAuto:
		return "auto"
	}
	return fmt.Sprintf("ProcType(%d)", int(p))
}

// ConfigError reports a Config field with a bad value.
type ConfigError struct {
	Field  string // the Config field, e.g. "Lcores"
	Reason string
}

func (e *ConfigError) Error() string { return "eal: Config." + e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// startCPUs and startErr are the CPUs this process could run on when the
// package was initialised. They must be read then: EAL pins its threads
// to single CPUs, and OS threads the Go runtime creates later may inherit
// that pinning, so the calling thread's affinity says little afterwards.
var startCPUs, startErr = threadCPUs()

func threadCPUs() ([]uint, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("eal: sched_getaffinity: %w", err)
	}
	var cpus []uint
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, uint(i))
		}
	}
	return cpus, nil
}

// allowedCPUs returns the CPUs this process may run on. It is a variable
// so tests can pretend to be on a larger or smaller machine.
var allowedCPUs = func() ([]uint, error) { return startCPUs, startErr }

var (
	// A vdev or PCI device argument list: key=value pairs split by commas.
	// Values may hold brackets with commas inside, as in "queues=[0,1]".
	devArgRe   = regexp.MustCompile(`^[A-Za-z0-9_.-]+=([^,\[\]]|\[[^\[\]]*\])+$`)
	vdevNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*[0-9]+$`)
	pciAddrRe  = regexp.MustCompile(`^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7]$`)
	logLevels  = []string{"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"}
)

// Args validates c and returns the EAL argv it describes, program name
// first. Every problem is a *ConfigError naming the field.
func (c *Config) Args() ([]string, error) {
	prog := c.ProgramName
	if prog == "" {
		prog = "zcnic"
	}
	args := []string{prog}

	lcores, err := c.lcores()
	if err != nil {
		return nil, err
	}
	if len(c.LcoreCPUs) == 0 {
		args = append(args, "-l", joinUints(lcores))
	} else {
		args = append(args, "--lcores", c.lcoreMap(lcores))
	}
	main := lcores[0]
	if c.MainLcore != 0 {
		if !slices.Contains(lcores, c.MainLcore) {
			return nil, fieldErr("MainLcore", "lcore %d is not in Lcores %s", c.MainLcore, joinUints(lcores))
		}
		main = c.MainLcore
	}
	args = append(args, "--main-lcore", strconv.FormatUint(uint64(main), 10))

	mem := c.MemoryMB
	switch {
	case mem < 0:
		return nil, fieldErr("MemoryMB", "%d is negative", mem)
	case mem == 0 && c.NoHuge:
		mem = NoHugeDefaultMB
	}
	if mem > 0 {
		args = append(args, "-m", strconv.Itoa(mem))
	}

	if c.NoHuge {
		if c.HugeDir != "" {
			return nil, fieldErr("HugeDir", "set together with NoHuge; choose one")
		}
		args = append(args, "--no-huge")
	} else if c.HugeDir != "" {
		args = append(args, "--huge-dir", c.HugeDir)
	}

	if c.FilePrefix != "" {
		if err := CheckFilePrefix(c.FilePrefix); err != nil {
			return nil, err
		}
		args = append(args, "--file-prefix", c.FilePrefix)
	}
	if err := c.checkProcess(); err != nil {
		return nil, err
	}
	if c.ProcType != ProcPrimary {
		args = append(args, "--proc-type", c.ProcType.String())
	}
	switch {
	case c.InMemory() && c.NoHuge:
		// EAL refuses --in-memory with --no-huge (which implies legacy
		// memory); --no-shconf gives the same "no shared files".
		args = append(args, "--no-shconf")
	case c.InMemory():
		args = append(args, "--in-memory")
	}

	if c.SingleFileSegments {
		if !c.InMemory() && slices.ContainsFunc(c.ExtraArgs, isHugeUnlink) {
			return nil, fieldErr("SingleFileSegments", "set together with --huge-unlink in ExtraArgs and shared files, which EAL refuses: a single segment file cannot be unlinked once mapped; drop --huge-unlink, or run in memory (its memory files have no name to unlink)")
		}
		args = append(args, "--single-file-segments")
	}

	seen := map[string]bool{}
	for _, v := range c.VDevs {
		name, err := checkVDev(v)
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fieldErr("VDevs", "device name %q appears twice", name)
		}
		seen[name] = true
		if !c.SingleFileSegments && MemifZeroCopy(v) {
			return nil, fieldErr("VDevs", "%q: net_memif zero-copy shares this process's memory files with the peer, which needs SingleFileSegments (--single-file-segments)", v)
		}
		args = append(args, "--vdev", v)
	}

	if len(c.PCIAllow) == 0 {
		args = append(args, "--no-pci")
	}
	for _, p := range c.PCIAllow {
		if err := checkPCI(p); err != nil {
			return nil, err
		}
		args = append(args, "-a", p)
	}

	if c.LogLevel != "" {
		if err := checkLogLevel(c.LogLevel); err != nil {
			return nil, err
		}
		args = append(args, "--log-level", c.LogLevel)
	}

	if !c.Telemetry {
		args = append(args, "--no-telemetry")
	}

	for _, a := range c.ExtraArgs {
		if a == "" {
			return nil, fieldErr("ExtraArgs", "empty argument")
		}
		if len(c.PCIAllow) > 0 && a == "--no-pci" {
			return nil, fieldErr("ExtraArgs", "--no-pci contradicts PCIAllow")
		}
	}
	args = append(args, c.ExtraArgs...)
	return args, nil
}

// filePrefixRe is what FilePrefix may be: DPDK uses it in file names
// (runtime directory, hugepage files "PREFIXmap_N"), so keep it plain.
var filePrefixRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// CheckFilePrefix checks a FilePrefix: 1 to 64 letters, digits, '_',
// '.' or '-', starting with a letter or digit.
func CheckFilePrefix(p string) error {
	if !filePrefixRe.MatchString(p) {
		return fieldErr("FilePrefix", "%q: use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit (no '/' or spaces)", p)
	}
	return nil
}

// InMemory reports whether the EAL keeps its runtime state in memory:
// unless SharedFiles, Attachable or a ProcType other than ProcPrimary
// asks for shared files.
func (c *Config) InMemory() bool {
	return !c.SharedFiles && !c.Attachable && c.ProcType == ProcPrimary
}

// checkProcess checks ProcType and Attachable against the memory model.
func (c *Config) checkProcess() error {
	switch c.ProcType {
	case ProcPrimary, ProcAuto:
	case ProcSecondary:
		if c.Attachable {
			return fieldErr("Attachable", "only a primary can be attached to; this is a secondary")
		}
	default:
		return fieldErr("ProcType", "%d is not ProcPrimary, ProcSecondary or ProcAuto", int(c.ProcType))
	}
	if !c.Attachable {
		return nil
	}
	switch {
	case c.FilePrefix == "":
		return fieldErr("Attachable", "needs a FilePrefix (--file-prefix NAME), the name tools attach to")
	case c.NoHuge:
		return fieldErr("Attachable", "other processes attach through shared hugepages: it cannot run with NoHuge (--no-huge); reserve hugepages (zcnic hugepages reserve --size 2M --count 512)")
	case c.ProcType != ProcPrimary:
		return fieldErr("Attachable", "only a primary can be attached to; ProcType is %s", c.ProcType)
	}
	return nil
}

// MemifZeroCopy reports whether a --vdev string is a net_memif device in
// zero-copy mode (zero-copy=yes), which needs SingleFileSegments.
func MemifZeroCopy(vdev string) bool {
	name, rest, _ := strings.Cut(vdev, ",")
	if !strings.HasPrefix(name, "net_memif") {
		return false
	}
	for _, kv := range splitArgs(rest) {
		// The driver takes any value containing "yes", as strstr does.
		if k, v, _ := strings.Cut(kv, "="); k == "zero-copy" && strings.Contains(v, "yes") {
			return true
		}
	}
	return false
}

// isHugeUnlink reports whether an EAL argument is --huge-unlink, with or
// without a value (22.11 takes --huge-unlink=existing|always|never).
// =never keeps the files and does not conflict.
func isHugeUnlink(a string) bool {
	return a == "--huge-unlink" || (strings.HasPrefix(a, "--huge-unlink=") && a != "--huge-unlink=never")
}

// lcores returns the sorted, validated lcore list.
func (c *Config) lcores() ([]uint, error) {
	cpus, err := allowedCPUs()
	if err != nil {
		return nil, err
	}
	if len(c.Lcores) == 0 {
		if len(cpus) == 0 {
			return nil, fieldErr("Lcores", "empty, and this process may run on no CPU")
		}
		return cpus, nil
	}
	l := slices.Clone(c.Lcores)
	slices.Sort(l)
	for i, id := range l {
		if i > 0 && l[i-1] == id {
			return nil, fieldErr("Lcores", "lcore %d listed twice", id)
		}
		if id >= MaxLcore {
			return nil, fieldErr("Lcores", "lcore %d is out of range (DPDK was built for at most %d)", id, MaxLcore)
		}
		if cpu, ok := c.LcoreCPUs[id]; ok {
			if cpu < 0 || !slices.Contains(cpus, uint(cpu)) {
				return nil, fieldErr("LcoreCPUs", "lcore %d on CPU %d: this process may use CPUs %s", id, cpu, joinUints(cpus))
			}
			continue
		}
		if !slices.Contains(cpus, id) {
			return nil, fieldErr("Lcores", "lcore %d has no CPU %d to run on (this process may use CPUs %s; LcoreCPUs can put it on one)", id, id, joinUints(cpus))
		}
	}
	for id := range c.LcoreCPUs {
		if !slices.Contains(l, id) {
			return nil, fieldErr("LcoreCPUs", "lcore %d is not in Lcores %s", id, joinUints(l))
		}
	}
	return l, nil
}

// lcoreMap renders the lcores, with their CPUs, as EAL's --lcores
// argument: "0@0,1@1,2@0".
func (c *Config) lcoreMap(lcores []uint) string {
	s := make([]string, len(lcores))
	for i, id := range lcores {
		cpu, ok := c.LcoreCPUs[id]
		if !ok {
			cpu = int(id)
		}
		s[i] = fmt.Sprintf("%d@%d", id, cpu)
	}
	return strings.Join(s, ",")
}

// checkVDev checks the syntax of a --vdev string and returns its device
// name. Whether a driver of that name exists is only known once EAL has
// loaded its plugins, so Init reports that.
func checkVDev(v string) (string, error) {
	if v == "" {
		return "", fieldErr("VDevs", "empty device string")
	}
	name, rest, hasArgs := strings.Cut(v, ",")
	if !vdevNameRe.MatchString(name) {
		return "", fieldErr("VDevs", "%q: device name %q must be a driver name and an index, like net_null0 or net_pcap1", v, name)
	}
	if err := checkDevArgs(rest, hasArgs); err != nil {
		return "", fieldErr("VDevs", "%q: %v", v, err)
	}
	return name, nil
}

func checkPCI(p string) error {
	addr, rest, hasArgs := strings.Cut(p, ",")
	if !pciAddrRe.MatchString(addr) {
		return fieldErr("PCIAllow", "%q is not a PCI address like 0000:03:00.0", addr)
	}
	if err := checkDevArgs(rest, hasArgs); err != nil {
		return fieldErr("PCIAllow", "%q: %v", p, err)
	}
	return nil
}

// checkDevArgs checks the "k=v,k=v" after a device name; present says
// whether a comma introduced it, in which case it may not be empty.
func checkDevArgs(s string, present bool) error {
	if !present {
		return nil
	}
	for _, kv := range splitArgs(s) {
		if !devArgRe.MatchString(kv) {
			return fmt.Errorf("argument %q is not key=value", kv)
		}
	}
	return nil
}

// splitArgs splits on commas outside brackets.
func splitArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func checkLogLevel(s string) error {
	level := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if i == 0 {
			return fieldErr("LogLevel", "%q has an empty log type before ':'", s)
		}
		level = s[i+1:]
	}
	if n, err := strconv.Atoi(level); err == nil {
		if n < 1 || n > 8 {
			return fieldErr("LogLevel", "%q: numeric level must be 1-8", s)
		}
		return nil
	}
	if !slices.Contains(logLevels, level) {
		return fieldErr("LogLevel", "%q: level must be one of %s or 1-8", s, strings.Join(logLevels, ", "))
	}
	return nil
}

func joinUints(v []uint) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatUint(uint64(x), 10)
	}
	return strings.Join(s, ",")
}

// ErrInitialized is returned by Init after the first call: DPDK allows one
// EAL per process, whether the first call succeeded or not.
var ErrInitialized = errors.New("eal: Init was already called in this process (DPDK allows one EAL per process)")

// ErrNotInitialized is returned by calls that need a running EAL.
var ErrNotInitialized = errors.New("eal: EAL is not initialised (call eal.Init first)")

// ValidateVDev checks the syntax of a virtual device string, as given to
// Config.VDevs or hot-plugged later: a driver name with an index, then
// optional comma-separated key=value arguments.
func ValidateVDev(v string) error {
	_, err := checkVDev(v)
	return err
}
