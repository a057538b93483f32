package vstree

import (
	"context"
	gosync "sync"
)

// Gate holds reconcilers back until the sync layer has loaded the Controller's view
// (so a restart compares instead of re-creating), and while deleteConfig pauses syncing.
type Gate struct {
	mu     gosync.Mutex
	open   chan struct{}
	paused bool
}

// NewGate returns a closed gate.
func NewGate() *Gate { return &Gate{open: make(chan struct{})} }

// Open lets reconcilers through (the boot view is loaded). Safe to call more than once.
func (g *Gate) Open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open:
	default:
		close(g.open)
	}
}

// SetPaused pauses or resumes syncing (deleteConfig).
func (g *Gate) SetPaused(p bool) {
	g.mu.Lock()
	g.paused = p
	g.mu.Unlock()
}

// Paused reports whether deleteConfig pauses syncing.
func (g *Gate) Paused() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paused
}

// Wait blocks until the gate is open; it returns ErrPaused while paused and ctx's error
// when ctx ends first.
func (g *Gate) Wait(ctx context.Context) error {
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	if g.Paused() {
		return ErrPaused
	}
	return nil
}
