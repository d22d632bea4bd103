package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// proc is a child process whose stdout and stderr are read line by
// line as it runs: kept, copied to a log file, and handed to a callback.
type proc struct {
	cmd            *exec.Cmd
	mu             sync.Mutex
	stdout, stderr strings.Builder
	log            *os.File
	done           chan struct{} // closed when the process has exited and its output is read
	err            error
}

// startProc starts name with args under ctx (whose end sends SIGINT,
// then SIGKILL 10 s later). onLine, if set, sees every output line,
// one at a time.
func startProc(ctx context.Context, logPath string, onLine func(stderr bool, line string), name string, args ...string) (*proc, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	p := &proc{cmd: cmd, done: make(chan struct{})}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if logPath != "" {
		if p.log, err = os.Create(logPath); err != nil {
			return nil, err
		}
		fmt.Fprintf(p.log, "$ %s %s\n", name, strings.Join(args, " "))
	}
	if err := cmd.Start(); err != nil {
		if p.log != nil {
			p.log.Close()
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var readers sync.WaitGroup
	read := func(r io.Reader, isErr bool) {
		defer readers.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			if isErr {
				p.stderr.WriteString(line + "\n")
			} else {
				p.stdout.WriteString(line + "\n")
			}
			if p.log != nil {
				p.log.WriteString(line + "\n")
			}
			if onLine != nil {
				onLine(isErr, line)
			}
			p.mu.Unlock()
		}
		io.Copy(io.Discard, r) // a line too long: drain the rest
	}
	readers.Add(2)
	go read(outPipe, false)
	go read(errPipe, true)
	go func() {
		readers.Wait()
		p.err = cmd.Wait()
		if p.log != nil {
			fmt.Fprintf(p.log, "# exit: %v\n", p.err)
			p.log.Close()
		}
		close(p.done)
	}()
	return p, nil
}

// interrupt sends SIGINT, which both programs take as "stop cleanly".
func (p *proc) interrupt() {
	if p.cmd.Process != nil {
		p.cmd.Process.Signal(os.Interrupt)
	}
}

// stop interrupts the process and waits for it, returning its status:
// again the same status if it had ended already.
func (p *proc) stop() error {
	p.interrupt()
	return p.wait()
}

// wait waits for the process to exit and returns its status.
func (p *proc) wait() error {
	<-p.done
	return p.err
}

// output is what the process wrote to stdout and stderr so far.
func (p *proc) output() (stdout, stderr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String(), p.stderr.String()
}

// tail is the last n lines of s, joined by " | ", for error messages.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	var keep []string
	for _, l := range lines {
		if l = strings.TrimSpace(strings.ReplaceAll(l, "\x1b[2J\x1b[1;1H", "")); l != "" {
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	return strings.Join(keep, " | ")
}
