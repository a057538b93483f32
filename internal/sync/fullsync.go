package sync

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	gosync "sync"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/model"
)

// ownedQueries returns, per kind, the filter that lists the objects this cluster owns
// (ako-spec.md §4.1): created_by (+ cloud for cloud-scoped kinds); VsVips, which have no
// created_by, by name prefix; string groups by their created_by marker.
func (e *Engine) ownedQueries() map[model.Kind]url.Values {
	by := e.opts.CreatedBy
	withCloud := func(v url.Values) url.Values {
		if e.opts.Cloud != "" {
			v.Set("cloud_ref.name", e.opts.Cloud)
		}
		return v
	}
	return map[model.Kind]url.Values{
		model.KindVirtualService: withCloud(url.Values{"created_by": {by}}),
		model.KindPool:           withCloud(url.Values{"created_by": {by}}),
		model.KindPoolGroup:      withCloud(url.Values{"created_by": {by}}),
		model.KindVsVip:          withCloud(url.Values{"name.contains": {e.opts.ClusterName + "--"}}),
		model.KindStringGroup:    {"label_key": {"created_by"}, "label_value": {by}},
		model.KindHTTPPolicySet:  {"created_by": {by}},
		model.KindL4PolicySet:    {"created_by": {by}},
		model.KindDataScript:     {"created_by": {by}},
		model.KindSSLKeyCert:     {"created_by": {by}},
		model.KindPKIProfile:     {"created_by": {by}},
	}
}

// Populate rebuilds the cache from the Controller: every object this cluster owns, all
// pages, all tenants. If any listing fails the view is marked incomplete (GC refuses to
// run) and the error says so; the previous cache is kept.
func (e *Engine) Populate(ctx context.Context) error {
	e.mu.Lock()
	start := e.seq
	e.mu.Unlock()

	queries := e.ownedQueries()
	type listed struct {
		kind model.Kind
		objs []avi.Object
		err  error
	}
	ch := make(chan listed, len(queries))
	var wg gosync.WaitGroup
	for kind, q := range queries {
		wg.Go(func() {
			objs, err := e.opts.Client.List(ctx, kind, q)
			ch <- listed{kind, objs, err}
		})
	}
	wg.Wait()
	close(ch)

	fresh := map[ID]*entry{}
	var errs []error
	for l := range ch {
		if l.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", l.kind, l.err))
			continue
		}
		for _, o := range l.objs {
			name := avi.String(o, "name")
			if l.kind == model.KindVsVip && !strings.HasPrefix(name, e.opts.ClusterName+"--") {
				continue // name.contains also matches other clusters' names that embed ours
			}
			fresh[ID{Kind: l.kind, Tenant: avi.TenantOf(o), Name: name}] = entryOf(l.kind, o, 0)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(errs) > 0 {
		e.populated = false
		return fmt.Errorf("incomplete view of the Avi Controller, nothing will be garbage-collected: %w", errors.Join(errs...))
	}
	for id, old := range e.cache {
		if old.seq > start {
			fresh[id] = old // written while we were listing: newer than the listing
			continue
		}
		if n := fresh[id]; n != nil && n.uuid == old.uuid && n.lastModified != "" && n.lastModified == old.lastModified {
			n.verified = old.verified // unchanged since we last wrote or compared it
		}
	}
	for id, seq := range e.deleted {
		if seq > start {
			delete(fresh, id) // deleted while we were listing
		}
	}
	e.deleted = map[ID]uint64{}
	e.cache = fresh
	e.populated = true
	e.opts.Log.V(1).Info("Avi cache populated", "objects", len(fresh))
	return nil
}

// Desired is every tree the caller wants, computed from one listing of its inputs.
type Desired struct {
	Trees []model.Tree
	// Complete is false when any listing used to compute Trees failed: GC then refuses.
	Complete bool
}

// GC deletes, parents first, every cached object (ours by created_by) that neither a tree
// in d nor any tree applied since wants. It refuses, deleting nothing, when d or the last
// Populate is incomplete. Permanent failures on single objects are collected and the rest
// continue; a retryable failure stops.
func (e *Engine) GC(ctx context.Context, d Desired) (Result, error) {
	res := Result{VIPs: map[string]VIP{}, VirtualServices: map[string]string{}}
	if !d.Complete {
		return res, fmt.Errorf("%w: the caller's view of the cluster is incomplete", ErrIncompleteView)
	}
	want := map[ID]bool{}
	for _, t := range d.Trees {
		for _, o := range t.Objects {
			id, err := idOf(o)
			if err != nil {
				return res, fmt.Errorf("tree %s: %w", t.Key, err)
			}
			want[id] = true
		}
	}
	e.mu.Lock()
	if !e.populated {
		e.mu.Unlock()
		return res, fmt.Errorf("%w: the Avi cache is not populated from a complete listing", ErrIncompleteView)
	}
	var ids []ID
	for id := range e.cache {
		if !want[id] && e.wanters[id] == 0 {
			ids = append(ids, id)
		}
	}
	e.mu.Unlock()
	changes, errs := e.deleteInOrder(ctx, ids, true)
	res.Changes = changes
	return res, joinDeleteErrors(errs)
}

// DeleteAll removes every object this cluster owns, parents first (deleteConfig). It
// rebuilds the cache first so that it sees everything; a follower deletes nothing.
func (e *Engine) DeleteAll(ctx context.Context) (Result, error) {
	res := Result{VIPs: map[string]VIP{}, VirtualServices: map[string]string{}}
	if err := e.Populate(ctx); err != nil {
		return res, err
	}
	e.mu.Lock()
	ids := make([]ID, 0, len(e.cache))
	for id := range e.cache {
		ids = append(ids, id)
	}
	e.trees = map[model.Key]map[ID]bool{}
	e.wanters = map[ID]int{}
	e.stale = map[model.Key]map[ID]bool{}
	e.mu.Unlock()
	changes, errs := e.deleteInOrder(ctx, ids, false)
	res.Changes = changes
	return res, joinDeleteErrors(errs)
}

func joinDeleteErrors(errs []deleteError) error {
	if len(errs) == 0 {
		return nil
	}
	// Keep the first error first: its class decides how the caller retries.
	all := make([]error, len(errs))
	for i, de := range errs {
		all[i] = de.err
	}
	if len(all) == 1 {
		return all[0]
	}
	return fmt.Errorf("%w (and %d more)", all[0], len(all)-1)
}

// Owned lists the objects in the cache, for diagnostics and tests.
func (e *Engine) Owned() []ID {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]ID, 0, len(e.cache))
	for id := range e.cache {
		ids = append(ids, id)
	}
	return ids
}
