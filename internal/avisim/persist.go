package avisim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// flushInterval bounds how long a change waits before it reaches the state file.
const flushInterval = 100 * time.Millisecond

// persister writes the state file in the background, at most every flushInterval, always
// as a whole new file renamed over the old one so a crash never leaves a torn file.
type persister struct {
	path  string
	mu    sync.Mutex
	dirty bool
	err   error
	stopc chan struct{}
	done  chan struct{}
}

func newPersister(path string) *persister {
	return &persister{path: path, stopc: make(chan struct{}), done: make(chan struct{})}
}

func (p *persister) markDirty() {
	p.mu.Lock()
	p.dirty = true
	p.mu.Unlock()
}

func (p *persister) start(s *Server) {
	go func() {
		defer close(p.done)
		t := time.NewTicker(flushInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.flush(s)
			case <-p.stopc:
				return
			}
		}
	}()
}

func (p *persister) flush(s *Server) error {
	p.mu.Lock()
	if !p.dirty {
		p.mu.Unlock()
		return p.err
	}
	p.dirty = false
	p.mu.Unlock()
	err := writeFileAtomic(p.path, s.Snapshot())
	p.mu.Lock()
	report := err != nil && (p.err == nil || p.err.Error() != err.Error())
	p.err = err
	if err != nil {
		p.dirty = true
	}
	p.mu.Unlock()
	if report { // once per distinct failure, not every 100 ms
		s.opts.Log.Error(err, "cannot save simulator state; will retry", "stateFile", p.path)
	}
	return err
}

func (p *persister) stop(s *Server) error {
	select {
	case <-p.stopc:
	default:
		close(p.stopc)
	}
	<-p.done
	return p.flush(s)
}

// writeFileAtomic writes data to a temporary file in the same directory, syncs it and
// renames it over path.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("state file: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("state file: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("state file: close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("state file: rename to %s: %w", path, err)
	}
	return nil
}

// loadState restores the state file if it exists.
func (s *Server) loadState() (bool, error) {
	data, err := os.ReadFile(s.disk.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("state file: %w", err)
	}
	s.mu.Lock()
	s.initControllerLocked() // defaults for anything the file does not hold
	s.mu.Unlock()
	if err := s.Restore(data); err != nil {
		return false, fmt.Errorf("state file %s: %w", s.disk.path, err)
	}
	return true, nil
}

// dirty schedules a state-file write after a change.
func (s *Server) dirty() {
	if s.disk != nil {
		s.disk.markDirty()
	}
}
