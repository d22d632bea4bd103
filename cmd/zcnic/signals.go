package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// outputGone is closed the first time a write to stdout or stderr fails
// with EPIPE: whoever read them went away (`zcnic fwd ... | head -1`, a
// stats stream whose reader quit). A run then ends as on SIGTERM: the
// loops stop, the ports close, EAL's files are removed.
var (
	outputGone     = make(chan struct{})
	outputGoneOnce sync.Once
)

// pipeWatch is an output that closes outputGone when a write to it
// fails with EPIPE.
type pipeWatch struct{ w io.Writer }

func (p pipeWatch) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if errors.Is(err, syscall.EPIPE) {
		outputGoneOnce.Do(func() { close(outputGone) })
	}
	return n, err
}

// catchSIGPIPE keeps the process alive on a closed stdout or stderr.
// Without it, the Go runtime kills a process whose write to fd 1 or 2
// hits a broken pipe, with SIGPIPE (exit 141), before any teardown:
// hugepage files and the runtime directory stay behind. With SIGPIPE
// notified, the write fails with EPIPE instead, which pipeWatch sees;
// the signals themselves (also those for other descriptors) are dropped.
func catchSIGPIPE() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGPIPE)
	go func() {
		for range ch {
		}
	}()
}

// stopSignals end a run cleanly: Ctrl-C, kill's default, and SIGHUP (the
// terminal or ssh session that started it closed).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// signalContext is done on the first of stopSignals, or when the output
// is gone; after that, a second signal has its default effect.
func signalContext() (context.Context, context.CancelFunc) {
	sctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	ctx, cancel := context.WithCancel(sctx)
	go func() {
		select {
		case <-ctx.Done():
		case <-outputGone:
		}
		cancel()
		stop()
	}()
	return ctx, func() { cancel(); stop() }
}
