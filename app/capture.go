package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/zcnic/zcnic/internal/pcapfile"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// FlushInterval is how often a capture writes what it has buffered to
// its file, at the latest.
const FlushInterval = time.Second

// CaptureConfig configures a capture to a pcap file.
type CaptureConfig struct {
	// Path is the pcap file to create (truncated if it exists), once the
	// ports have started. Either Path or Writer must be set.
	Path string
	// Writer receives the pcap file instead of Path.
	Writer io.Writer
	// Snaplen cuts each packet to this many bytes; 0 means
	// DefaultSnaplen.
	Snaplen int
	// Count stops the capture after this many packets; 0 means no limit.
	Count uint64
	// Duration stops the capture this long after the loops start; 0
	// means until Count is reached or the context is done.
	Duration time.Duration
	// Ports are the indexes in Config.Ports to capture from, polled on
	// queue 0 by one loop, when Config.Lcores is empty; nil means every
	// port.
	Ports []int
}

// CaptureResult is what a capture did.
type CaptureResult struct {
	Result
	// Captured is the number of packets written to the file. Packets
	// received after Count was reached are counted in Result, not here.
	Captured uint64
}

// capturer is the handler of a Capture run.
type capturer struct {
	mu      sync.Mutex // loops on several lcores share the writer
	w       *PcapWriter
	count   uint64
	stopped bool
	err     error
	cancel  context.CancelFunc
	done    *mbuf.Burst // the packets of a burst written, freed at once
}

func newCapturer(count uint64, cancel context.CancelFunc) (*capturer, error) {
	b, err := mbuf.NewBurst(mbuf.MaxBurst)
	if err != nil {
		return nil, fmt.Errorf("app: capture: %w", err)
	}
	return &capturer{count: count, cancel: cancel, done: b}, nil
}

func (cp *capturer) close() { cp.done.Close() }

// handle writes every packet of the burst to the file. A packet written
// is the capture's: counted as kept (not as a drop) and freed, with the
// burst's others, in one call. A packet whose mbuf chain is broken is
// not written and counted as DropMalformed; one received once the
// capture has stopped, as DropFiltered (Count reached) or
// DropWriteFailed (a write failed: it is not in the file).
func (cp *capturer) handle(c *Ctx, pkts []*mbuf.Mbuf) {
	cp.mu.Lock()
	ts := time.Now() // one timestamp for the burst: it arrived at once
	if cp.err != nil {
		c.DropAll(DropWriteFailed)
	} else {
		c.DropAll(DropFiltered)
	}
	for i, m := range pkts {
		if cp.stopped {
			if cp.err != nil {
				for j := i; j < len(pkts); j++ {
					c.Drop(j, DropWriteFailed)
				}
			}
			break
		}
		err := cp.w.WriteMbuf(ts, m)
		if err == ErrShortChain {
			c.Drop(i, DropMalformed)
			continue
		}
		if err != nil {
			cp.err, cp.stopped = err, true
			cp.cancel()
			c.Drop(i, DropWriteFailed)
			continue
		}
		c.Keep(i)
		cp.done.Push(m)
		if cp.count > 0 && cp.w.Packets() >= cp.count {
			cp.stopped = true
			cp.cancel()
		}
	}
	cp.done.Free()
	cp.mu.Unlock()
}

// Capture receives packets and writes them to a pcap file (see
// PcapWriter) until cc.Count packets are written, cc.Duration has passed
// or ctx is done. The file is created, with its header, once the ports
// have started (a failed start leaves an existing file alone), is
// flushed at least every FlushInterval while capturing, and is complete
// when Capture returns, also when it returns an error after capturing. Every received packet is dropped
// once written, so the Result's counters add up as for any run.
func Capture(ctx context.Context, cfg Config, cc CaptureConfig) (CaptureResult, error) {
	if (cc.Path == "") == (cc.Writer == nil) {
		return CaptureResult{}, cfgErr("CaptureConfig needs exactly one of Path and Writer")
	}
	for _, p := range cc.Ports {
		if p < 0 || p >= len(cfg.Ports) {
			return CaptureResult{}, cfgErr("capture port %d: there are %d ports (0 to %d)", p, len(cfg.Ports), max(len(cfg.Ports)-1, 0))
		}
	}
	if cc.Snaplen < 0 || cc.Snaplen > DefaultSnaplen {
		return CaptureResult{}, cfgErr("snaplen %d: must be 1 to %d (0 for the default)", cc.Snaplen, DefaultSnaplen)
	}
	if err := cfg.prologue(cc.Ports); err != nil {
		return CaptureResult{}, err
	}

	// The file is created once the ports have started: a run that fails
	// to start leaves an existing file as it was. Its header is written
	// at once, and what is captured is flushed at least every
	// FlushInterval, so the file is readable while the capture runs and
	// after the process is killed.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cp, err := newCapturer(cc.Count, cancel)
	if err != nil {
		return CaptureResult{}, err
	}
	defer cp.close()
	var file *os.File
	open := func() error {
		out := cc.Writer
		if cc.Path != "" {
			f, err := os.Create(cc.Path)
			if err != nil {
				return fmt.Errorf("capture: %w", err)
			}
			file, out = f, f
		}
		w, err := NewPcapWriter(out, cc.Snaplen)
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			if file != nil {
				file.Close()
				os.Remove(cc.Path)
				file = nil
			}
			return err
		}
		cp.w = w
		return nil
	}
	prev := cfg.OnReady
	cfg.OnReady = func(ports []*port.Port) error {
		if err := open(); err != nil {
			return err
		}
		if prev != nil {
			return prev(ports)
		}
		return nil
	}

	if cc.Duration > 0 {
		cfg.OnReady = startTimer(cfg.OnReady, cc.Duration, cancel)
	}
	flushDone := make(chan struct{})
	flushStop := make(chan struct{})
	go func() {
		defer close(flushDone)
		t := time.NewTicker(FlushInterval)
		defer t.Stop()
		for {
			select {
			case <-flushStop:
				return
			case <-t.C:
				cp.mu.Lock()
				if cp.w != nil && !cp.stopped && cp.w.Buffered() > 0 {
					if err := cp.w.Flush(); err != nil {
						cp.err, cp.stopped = err, true
						cp.cancel()
					}
				}
				cp.mu.Unlock()
			}
		}
	}()
	res, runErr := Run(ctx, cfg, cp.handle)
	close(flushStop)
	<-flushDone
	var cr CaptureResult
	cr.Result = res
	errs := []error{runErr}
	if cp.w == nil {
		return cr, errors.Join(errs...) // never started: no file was made
	}
	cr.Captured = cp.w.Packets()
	if cp.err != nil {
		errs = append(errs, fmt.Errorf("app: capture: writing %s: %w", cc.Path, cp.err))
	}
	if err := cp.w.Flush(); err != nil && cp.err == nil {
		errs = append(errs, fmt.Errorf("app: capture: writing %s: %w", cc.Path, err))
	}
	if file != nil {
		if cp.err != nil {
			// A failed write (a full disk) leaves the file cut inside a
			// record, and what the buffer held lost: cut it back to its
			// last whole record, and count what it holds.
			if in, err := pcapfile.Scan(cc.Path); err == nil {
				if in.Truncated {
					_ = file.Truncate(in.TruncatedAt)
				}
				if lost := cr.Captured - uint64(in.Records); cr.Captured > uint64(in.Records) {
					errs = append(errs, fmt.Errorf("app: capture: %s holds %d whole packets: %d written before the failure were lost with it", cc.Path, in.Records, lost))
				}
				cr.Captured = uint64(in.Records)
			}
		}
		if err := file.Close(); err != nil {
			errs = append(errs, fmt.Errorf("app: capture: %w", err))
		}
	}
	return cr, errors.Join(errs...)
}
