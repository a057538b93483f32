package vstree

import (
	"context"
	gosync "sync"
)

// Gate holds reconcilers back until the sync layer has loaded the Controller's view (so
// a restart compares instead of re-creating), and stops them while deleteConfig pauses
// syncing. Pausing waits for reconciles in flight, so nothing is re-created behind a
// deletion.
type Gate struct {
	once   gosync.Once
	open   chan struct{}
	rw     gosync.RWMutex // read: a reconcile in flight; write: changing paused
	paused bool
}

// NewGate returns a closed gate.
func NewGate() *Gate { return &Gate{open: make(chan struct{})} }

// Open lets reconcilers through (the boot view is loaded). Safe to call more than once.
func (g *Gate) Open() { g.once.Do(func() { close(g.open) }) }

// IsOpen reports whether Open was called.
func (g *Gate) IsOpen() bool {
	select {
	case <-g.open:
		return true
	default:
		return false
	}
}

// SetPaused pauses or resumes syncing. Pausing returns once no reconcile is in flight.
func (g *Gate) SetPaused(p bool) {
	g.rw.Lock()
	g.paused = p
	g.rw.Unlock()
}

// Paused reports whether syncing is paused.
func (g *Gate) Paused() bool {
	g.rw.RLock()
	defer g.rw.RUnlock()
	return g.paused
}

// Enter waits until the gate is open and admits one reconcile, which calls leave when
// done. It returns ErrPaused while paused, and ctx's error when ctx ends first.
func (g *Gate) Enter(ctx context.Context) (leave func(), err error) {
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	g.rw.RLock()
	if g.paused {
		g.rw.RUnlock()
		return nil, ErrPaused
	}
	return g.rw.RUnlock, nil
}

// Wait is Enter without holding the reconcile in flight: a deleteConfig pause does not
// wait for the caller. Prefer Enter for reconcilers that write.
func (g *Gate) Wait(ctx context.Context) error {
	leave, err := g.Enter(ctx)
	if err != nil {
		return err
	}
	leave()
	return nil
}
