// Command zcnic forwards, generates and captures packets on DPDK ports
// from Go, with zero-copy packet access. It runs on virtual devices
// (net_null, net_ring, net_pcap, net_tap, ...) with no NIC; PCI devices
// are used only when named with --pci.
//
//	zcnic fwd --vdev net_null0 --vdev net_null1 --mode macswap --duration 5s
//	zcnic gen --vdev net_null0 --rate 1000000 --count 5000000
//	zcnic capture --vdev net_tap0,iface=zc0 -w out.pcap --count 100
//	zcnic demo
//
// Run "zcnic help" for every subcommand, "zcnic CMD --help" for its flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/zcnic/zcnic/eal"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the run failed
	exitUsage = 2 // bad command line; nothing was started
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(env *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"fwd", "forward packets between ports (modes io, macswap, 5tswap, l2fwd)", runFwd},
		{"gen", "transmit generated UDP/IPv4 frames (size, count, duration, rate)", runGen},
		{"capture", "receive packets into a pcap file (snaplen, count, duration)", runCapture},
		{"rxonly", "receive, count and drop packets", runRxOnly},
		{"stats", "attach to a running zcnic --file-prefix NAME and print its live per-port stats", runStats},
		{"ports", "list devices: driver, MAC, link, queues, capabilities", runPorts},
		{"hugepages", "show hugepage status; 'hugepages reserve' reserves and mounts them", runHugepages},
		{"demo", "self-contained demo: replay a pcap through 5tswap on virtual devices", runDemo},
		{"version", "print the zcnic, Go and DPDK versions", runVersion},
	}
}

// env is where a command writes.
type env struct {
	stdout, stderr io.Writer
}

// usageError is a bad command line: reported in one line, exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func main() {
	crashBySignal()
	catchSIGPIPE()
	os.Exit(run(os.Args[1:], pipeWatch{os.Stdout}, pipeWatch{os.Stderr}))
}

// crashBySignal makes a crash (a fault in C, an unrecovered panic) end
// the process with SIGABRT, after the Go trace, instead of the Go
// runtime's exit status 2, which zcnic keeps for a bad command line.
func crashBySignal() { debug.SetTraceback("crash") }

// run runs the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprintf(stderr, "zcnic: no command given (commands: %s; see zcnic --help)\n", commandNames())
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		mainUsage(stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands {
		if c.name == name {
			return report(e, c.name, c.run(e, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "zcnic: unknown command %q (commands: %s; see zcnic --help)\n", name, commandNames())
	return exitUsage
}

// report prints err on one line and maps it to an exit status.
func report(e *env, cmd string, err error) int {
	eal.FlushLog() // DPDK's log first, then the one-line reason
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(*usageError)):
		fmt.Fprintf(e.stderr, "zcnic %s: %s (see zcnic %s --help)\n", cmd, oneLine(err), cmd)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "zcnic %s: %s\n", cmd, oneLine(err))
		return exitFail
	}
}

// oneLine joins a multi-line error (errors.Join) into one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

func commandNames() string {
	n := make([]string, len(commands))
	for i, c := range commands {
		n[i] = c.name
	}
	return strings.Join(n, ", ")
}

func mainUsage(w io.Writer) {
	fmt.Fprint(w, `zcnic: zero-copy packet processing on DPDK, from Go.

Usage: zcnic COMMAND [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Devices are virtual unless named with --pci: --vdev net_null0 (repeatable),
--vdev net_pcap0,rx_pcap=in.pcap, --vdev net_tap0,iface=zc0, ...
Run "zcnic COMMAND --help" for a command's flags.

Examples:
  zcnic demo
  zcnic fwd --vdev net_null0 --vdev net_null1 --mode macswap --duration 5s
  zcnic gen --vdev net_null0 --size 64 --rate 1000000 --count 10000000
  zcnic capture --vdev net_pcap0,rx_pcap=in.pcap -w out.pcap --count 100
  zcnic ports --vdev net_null0
  zcnic fwd --vdev net_null0 --vdev net_null1 --file-prefix fwd1 &
  zcnic stats --attach fwd1 --count 3
  zcnic hugepages reserve --size 2M --count 512
`)
}
