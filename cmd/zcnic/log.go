package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

// lineHandler writes each record's message as a line, as DPDK's log
// reads on a console ("EAL: ..."), with nothing added: the zcnic command
// routes DPDK's log through it (eal.Config.Logger). Which lines there
// are is --log-level's choice, made in DPDK.
type lineHandler struct {
	mu *sync.Mutex
	w  io.Writer
}

func newLineLogger(w io.Writer) *slog.Logger {
	return slog.New(lineHandler{mu: new(sync.Mutex), w: w})
}

func (h lineHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h lineHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, r.Message+"\n")
	return err
}

func (h lineHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h lineHandler) WithGroup(string) slog.Handler      { return h }
