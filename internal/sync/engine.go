// Package sync makes the Avi Controller hold the desired objects of VS trees: it keeps a
// cache of the objects this cluster owns, applies a tree in order (children before
// parents), writes only what changed, deletes what no tree wants (parents first) and
// garbage-collects from a complete view only. It knows nothing of Kubernetes.
package sync

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"

	"github.com/go-logr/logr"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/model"
)

// ErrIncompleteView is returned by GC when the Controller view (the last Populate) or the
// caller's view is incomplete: deleting from a partial view would delete live objects.
var ErrIncompleteView = errors.New("refusing to garbage-collect from an incomplete view")

// Options configure an Engine.
type Options struct {
	Client *avi.Client
	// ClusterName is AKO's clusterName: objects named "<ClusterName>--…" are ours.
	ClusterName string
	// CreatedBy is the created_by value of our objects, "ako-<ClusterName>".
	CreatedBy string
	// Cloud is the Avi cloud we manage objects in.
	Cloud string
	Log   logr.Logger
}

// Engine applies trees. It is safe for concurrent use by several workers, provided one
// tree (Key) is applied by one worker at a time.
type Engine struct {
	opts     Options
	follower atomic.Bool

	mu        gosync.Mutex
	cache     map[ID]*entry
	populated bool                      // the cache holds a complete view of the Controller
	trees     map[model.Key]map[ID]bool // objects each tree last asked for
	wanters   map[ID]int                // number of trees wanting each object
	stale     map[model.Key]map[ID]bool // objects a tree dropped, not yet deleted
	locks     map[ID]*gosync.Mutex      // serialise writes to one object across trees
	seq       uint64                    // increases on every cache write
	deleted   map[ID]uint64             // seq of our own deletes, so Populate cannot resurrect them
}

// entry is what we know of one object on the Controller.
type entry struct {
	uuid         string
	body         avi.Object
	checksum     string // the object's cloud_config_cksum / vsvip_cloud_config_cksum
	lastModified string
	// verified is the checksum of a desired body known to match the object as of
	// lastModified (we wrote it, or compared it): equal desired checksum ⇒ no write.
	verified string
	seq      uint64
}

// New returns an engine with an empty cache; call Populate before GC.
func New(opts Options) *Engine {
	return &Engine{
		opts:    opts,
		cache:   map[ID]*entry{},
		trees:   map[model.Key]map[ID]bool{},
		wanters: map[ID]int{},
		stale:   map[model.Key]map[ID]bool{},
		locks:   map[ID]*gosync.Mutex{},
		deleted: map[ID]uint64{},
	}
}

// SetFollower switches read-only mode on or off. A follower computes what it would do
// and reports it in Result.Changes (Dry), but sends no POST, PUT or DELETE.
func (e *Engine) SetFollower(f bool) { e.follower.Store(f) }

// Follower reports whether the engine is read-only.
func (e *Engine) Follower() bool { return e.follower.Load() }

// Change is one write the engine made (or, as a follower, would have made).
type Change struct {
	Verb string // POST, PUT, DELETE
	ID   ID
	Dry  bool
}

// VIP is the addresses the Controller allocated to one VsVip.
type VIP struct {
	IPv4 []string
	IPv6 []string
}

// Result says what Apply, GC or DeleteAll did and what status writers need.
type Result struct {
	Changes []Change
	// VIPs maps each VsVip name in the tree to its addresses.
	VIPs map[string]VIP
	// VirtualServices maps each virtual service name in the tree to its uuid.
	VirtualServices map[string]string
}

// Writes counts the changes actually sent to the Controller.
func (r Result) Writes() int {
	n := 0
	for _, c := range r.Changes {
		if !c.Dry {
			n++
		}
	}
	return n
}

// objectError names the object and keeps the Controller's error (and its class).
func objectError(verb string, id ID, err error) error {
	return fmt.Errorf("%s %s %q in tenant %s: %w", verb, id.Kind, id.Name, id.Tenant, err)
}

func (e *Engine) lockFor(id ID) *gosync.Mutex {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.locks[id]
	if l == nil {
		l = &gosync.Mutex{}
		e.locks[id] = l
	}
	return l
}

// Apply makes the Controller hold tree: each object is created or, when its content
// changed, updated, in the tree's order; objects the tree held before and no tree wants
// any more are then deleted, parents first. An unchanged object is never written. Any
// error stops the tree and is returned naming the object; avi.ClassOf tells the caller
// how to requeue.
func (e *Engine) Apply(ctx context.Context, tree model.Tree) (Result, error) {
	res := Result{VIPs: map[string]VIP{}, VirtualServices: map[string]string{}}
	ids := make([]ID, len(tree.Objects))
	want := make(map[ID]bool, len(tree.Objects))
	for i, o := range tree.Objects {
		id, err := idOf(o)
		if err != nil {
			return res, avi.Permanent(fmt.Errorf("tree %s: %w", tree.Key, err))
		}
		if want[id] {
			return res, avi.Permanent(fmt.Errorf("tree %s: %s is listed twice", tree.Key, id))
		}
		ids[i], want[id] = id, true
	}
	e.register(tree.Key, want)

	for i, o := range tree.Objects {
		change, err := e.ensure(ctx, ids[i], o)
		if change != nil {
			res.Changes = append(res.Changes, *change)
		}
		if err == nil && ids[i].Kind == model.KindVsVip {
			err = e.refreshUnallocatedVIP(ctx, ids[i])
		}
		if err != nil {
			return res, err
		}
	}
	changes, err := e.deleteStale(ctx, tree.Key)
	res.Changes = append(res.Changes, changes...)
	if err != nil {
		return res, err
	}
	e.fillResult(&res, ids)
	return res, nil
}

// register records that tree now wants exactly want, moving what it dropped to its
// stale set.
func (e *Engine) register(key model.Key, want map[ID]bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	stale := e.stale[key]
	if stale == nil {
		stale = map[ID]bool{}
	}
	for id := range e.trees[key] {
		if !want[id] {
			e.wanters[id]--
			if e.wanters[id] <= 0 {
				delete(e.wanters, id)
			}
			stale[id] = true
		}
	}
	for id := range want {
		if !e.trees[key][id] {
			e.wanters[id]++
		}
		delete(stale, id)
	}
	if len(want) == 0 {
		delete(e.trees, key)
	} else {
		e.trees[key] = want
	}
	if len(stale) == 0 {
		delete(e.stale, key)
	} else {
		e.stale[key] = stale
	}
}

// ensureAttempts bounds the cache repairs within one ensure: a PUT answered 404 (deleted
// behind our back), then a POST answered 409 (re-created meanwhile), then the PUT.
const ensureAttempts = 4

// ensure makes one object match o. It returns the write it made, if any.
func (e *Engine) ensure(ctx context.Context, id ID, o model.Object) (*Change, error) {
	desired, sum, err := desiredBody(o)
	if err != nil {
		return nil, avi.Permanent(err)
	}
	l := e.lockFor(id)
	l.Lock()
	defer l.Unlock()

	var lastErr error
	for range ensureAttempts {
		ent := e.lookup(id)
		if ent == nil {
			if e.Follower() {
				return &Change{Verb: "POST", ID: id, Dry: true}, nil
			}
			created, err := e.opts.Client.Post(ctx, id.Kind, id.Tenant, desired)
			if err == nil {
				e.store(id, created, sum)
				e.logWrite("created", id, avi.String(created, "uuid"))
				return &Change{Verb: "POST", ID: id}, nil
			}
			if avi.ClassOf(err) != avi.ClassConflict {
				return nil, objectError("creating", id, err)
			}
			// It exists although our cache did not know it (another process, a cache
			// refresh in between): read it, then compare and update like any other.
			ent, err := e.refetch(ctx, id)
			if err != nil {
				return nil, objectError("reading after a conflict", id, err)
			}
			if ent == nil {
				return nil, objectError("creating", id, &avi.Error{Class: avi.ClassRetryable, Verb: "POST",
					Path: "api/" + string(id.Kind), Status: 409, Message: "conflict, but no object of that name is visible"})
			}
			continue
		}
		if e.unchanged(id, ent, desired, sum) {
			return nil, nil
		}
		if e.Follower() {
			return &Change{Verb: "PUT", ID: id, Dry: true}, nil
		}
		body := desired
		if id.Kind == model.KindVsVip {
			body = keepAllocatedAddresses(desired, ent.body)
		}
		updated, err := e.opts.Client.Put(ctx, id.Kind, id.Tenant, ent.uuid, body)
		if avi.IsNotFound(err) {
			// Deleted behind our back: forget it and create it again.
			e.forget(id)
			lastErr = err
			continue
		}
		if err != nil {
			return nil, objectError("updating", id, err)
		}
		e.store(id, updated, sum)
		e.logWrite("updated", id, ent.uuid)
		return &Change{Verb: "PUT", ID: id}, nil
	}
	if lastErr == nil {
		lastErr = &avi.Error{Class: avi.ClassRetryable, Verb: "PUT", Path: "api/" + string(id.Kind), Message: "the object kept changing under us"}
	}
	return nil, objectError("writing", id, lastErr)
}

// logWrite logs one write: they are rare (unchanged objects are never written) and are
// what an operator looks for when the Controller changed.
func (e *Engine) logWrite(what string, id ID, uuid string) {
	e.opts.Log.Info("Avi object "+what, "kind", id.Kind, "tenant", id.Tenant, "name", id.Name, "uuid", uuid)
}

// unchanged decides whether the Controller's object already is what we want, and if so
// remembers that for this desired checksum.
func (e *Engine) unchanged(id ID, ent *entry, desired map[string]any, sum string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ent.verified == sum {
		return true
	}
	if ent.verified != "" {
		// The object still holds a body we wrote or compared, and ours changed since.
		// (The comparison below only sees fields we set, so it would miss a removed one.)
		return false
	}
	field := checksumField(id.Kind)
	if field != "" && ent.checksum != sum {
		return false
	}
	if !semanticEqual(desired, ent.body, "") {
		return false
	}
	ent.verified = sum
	return true
}

func (e *Engine) lookup(id ID) *entry {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cache[id]
}

func (e *Engine) forget(id ID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.cache, id)
}

// store caches the object the Controller returned for a write of the desired checksum.
func (e *Engine) store(id ID, o avi.Object, sum string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	ent := entryOf(id.Kind, o, e.seq)
	ent.verified = sum
	e.cache[id] = ent
	delete(e.deleted, id)
}

func entryOf(kind model.Kind, o avi.Object, seq uint64) *entry {
	ent := &entry{uuid: avi.String(o, "uuid"), body: o, lastModified: avi.String(o, "_last_modified"), seq: seq}
	if f := checksumField(kind); f != "" {
		ent.checksum = avi.String(o, f)
	}
	return ent
}

// refetch reads one object by name into the cache; nil when it does not exist.
func (e *Engine) refetch(ctx context.Context, id ID) (*entry, error) {
	objs, err := e.opts.Client.List(ctx, id.Kind, url.Values{"name": {id.Name}})
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if avi.TenantOf(o) != id.Tenant || avi.String(o, "name") != id.Name {
			continue
		}
		if cloudScoped(id.Kind) && e.opts.Cloud != "" && avi.RefName(avi.String(o, "cloud_ref")) != e.opts.Cloud {
			continue
		}
		e.mu.Lock()
		e.seq++
		ent := entryOf(id.Kind, o, e.seq)
		e.cache[id] = ent
		e.mu.Unlock()
		return ent, nil
	}
	return nil, nil
}

func cloudScoped(k model.Kind) bool {
	switch k {
	case model.KindVirtualService, model.KindVsVip, model.KindPool, model.KindPoolGroup:
		return true
	}
	return false
}

// deleteStale deletes the objects tree dropped that no tree wants, parents first.
func (e *Engine) deleteStale(ctx context.Context, key model.Key) ([]Change, error) {
	e.mu.Lock()
	var ids []ID
	for id := range e.stale[key] {
		if e.wanters[id] == 0 {
			ids = append(ids, id)
		}
	}
	e.mu.Unlock()
	changes, errs := e.deleteInOrder(ctx, ids, true)
	e.mu.Lock()
	for _, c := range changes {
		if !c.Dry {
			delete(e.stale[key], c.ID)
		}
	}
	for id := range e.stale[key] {
		if e.cache[id] == nil && !slices.ContainsFunc(errs, func(de deleteError) bool { return de.id == id }) {
			delete(e.stale[key], id) // already gone
		}
	}
	if len(e.stale[key]) == 0 {
		delete(e.stale, key)
	}
	e.mu.Unlock()
	if len(errs) > 0 {
		return changes, errs[0].err
	}
	return changes, nil
}

type deleteError struct {
	id  ID
	err error
}

// deleteInOrder deletes ids parents first. With stopOnRetryable a retryable failure stops
// the rest (they would fail the same way); a permanent one is collected and the others
// continue. Objects a tree wants (again) are skipped.
func (e *Engine) deleteInOrder(ctx context.Context, ids []ID, skipWanted bool) ([]Change, []deleteError) {
	e.mu.Lock()
	type item struct {
		id   ID
		rank int
	}
	var items []item
	for _, id := range ids {
		if ent := e.cache[id]; ent != nil {
			items = append(items, item{id, deleteRank(id.Kind, ent.body)})
		}
	}
	e.mu.Unlock()
	slices.SortFunc(items, func(a, b item) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return strings.Compare(a.id.String(), b.id.String())
	})
	var changes []Change
	var errs []deleteError
	for _, it := range items {
		c, err := e.deleteOne(ctx, it.id, skipWanted)
		if c != nil {
			changes = append(changes, *c)
		}
		if err != nil {
			errs = append(errs, deleteError{it.id, err})
			if cls := avi.ClassOf(err); cls != avi.ClassPermanent || ctx.Err() != nil {
				break
			}
		}
	}
	return changes, errs
}

func (e *Engine) deleteOne(ctx context.Context, id ID, skipWanted bool) (*Change, error) {
	l := e.lockFor(id)
	l.Lock()
	defer l.Unlock()
	e.mu.Lock()
	ent := e.cache[id]
	wanted := e.wanters[id] > 0
	e.mu.Unlock()
	if ent == nil || (skipWanted && wanted) {
		return nil, nil
	}
	if e.Follower() {
		return &Change{Verb: "DELETE", ID: id, Dry: true}, nil
	}
	err := e.opts.Client.Delete(ctx, id.Kind, id.Tenant, ent.uuid)
	if err != nil && !avi.IsNotFound(err) {
		return nil, objectError("deleting", id, err)
	}
	e.mu.Lock()
	e.seq++
	delete(e.cache, id)
	e.deleted[id] = e.seq
	e.mu.Unlock()
	if err != nil { // 404: it was already gone, nothing was written
		return nil, nil
	}
	e.logWrite("deleted", id, ent.uuid)
	return &Change{Verb: "DELETE", ID: id}, nil
}

// fillResult copies VIP addresses and virtual service uuids of the tree from the cache.
func (e *Engine) fillResult(res *Result, ids []ID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range ids {
		ent := e.cache[id]
		if ent == nil {
			continue
		}
		switch id.Kind {
		case model.KindVirtualService:
			res.VirtualServices[id.Name] = ent.uuid
		case model.KindVsVip:
			res.VIPs[id.Name] = vipsOf(ent.body)
		}
	}
}

// refreshUnallocatedVIP reads a VsVip back when the cached copy holds no address yet: a
// Controller whose IPAM allocates asynchronously answers the POST without addresses, and
// status writers need them. It stays empty until the Controller has allocated; callers
// requeue a tree whose Result has a VsVip without addresses.
func (e *Engine) refreshUnallocatedVIP(ctx context.Context, id ID) error {
	e.mu.Lock()
	ent := e.cache[id]
	e.mu.Unlock()
	if ent == nil || ent.uuid == "" {
		return nil
	}
	if v := vipsOf(ent.body); len(v.IPv4)+len(v.IPv6) > 0 {
		return nil
	}
	o, err := e.opts.Client.Get(ctx, id.Kind, ent.uuid)
	if avi.IsNotFound(err) {
		e.forget(id)
		return objectError("reading the VIP of", id, err)
	}
	if err != nil {
		return objectError("reading the VIP of", id, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if cur := e.cache[id]; cur == ent {
		e.seq++
		fresh := entryOf(id.Kind, o, e.seq)
		if fresh.lastModified == ent.lastModified {
			fresh.verified = ent.verified
		}
		e.cache[id] = fresh
	}
	return nil
}

// keepAllocatedAddresses returns the VsVip body to PUT: desired, where each vip that asks
// for no particular address keeps the addresses the Controller allocated to the vip with
// the same vip_id, so an update never moves a VIP.
func keepAllocatedAddresses(desired, current map[string]any) map[string]any {
	dv, _ := desired["vip"].([]any)
	cv, _ := current["vip"].([]any)
	if len(dv) == 0 || len(cv) == 0 {
		return desired
	}
	allocated := map[string]map[string]any{}
	for _, raw := range cv {
		if m, ok := raw.(map[string]any); ok {
			allocated[avi.String(m, "vip_id")] = m
		}
	}
	out := make(map[string]any, len(desired))
	for k, v := range desired {
		out[k] = v
	}
	vips := make([]any, len(dv))
	for i, raw := range dv {
		vips[i] = raw
		want, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		have := allocated[avi.String(want, "vip_id")]
		if have == nil {
			continue
		}
		merged := make(map[string]any, len(want)+2)
		for k, v := range want {
			merged[k] = v
		}
		for _, field := range []string{"ip_address", "ip6_address"} {
			if merged[field] == nil && have[field] != nil {
				merged[field] = have[field]
			}
		}
		vips[i] = merged
	}
	out["vip"] = vips
	return out
}

// vipsOf reads the allocated addresses of a VsVip.
func vipsOf(o avi.Object) VIP {
	var v VIP
	vips, _ := o["vip"].([]any)
	for _, raw := range vips {
		m, _ := raw.(map[string]any)
		if a, _ := m["ip_address"].(map[string]any); avi.String(a, "addr") != "" {
			v.IPv4 = append(v.IPv4, avi.String(a, "addr"))
		}
		if a, _ := m["ip6_address"].(map[string]any); avi.String(a, "addr") != "" {
			v.IPv6 = append(v.IPv6, avi.String(a, "addr"))
		}
	}
	return v
}
