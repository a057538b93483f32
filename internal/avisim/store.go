package avisim

import (
	"sort"
	"strings"
)

// object is one stored Avi object. data holds the raw JSON map as written, with every
// *_ref / *_refs value replaced by the target's uuid; the canonical URL form is produced
// on output so renames of the target show up everywhere.
type object struct {
	kind, uuid, name string
	tenant, cloud    string // tenant uuid; cloud uuid ("" for types that are not cloud-scoped)
	createdBy        string
	seq              uint64
	data             map[string]any
	refs             []string // distinct uuids this object references
}

// kindIndex holds the per-type indexes so lookups by name or created_by never scan.
type kindIndex struct {
	ordered     []*object // creation order (ascending seq)
	byName      map[string][]*object
	byCreatedBy map[string]map[string]*object
}

// store is the object database. It is not safe for concurrent use; Server.mu guards it.
type store struct {
	seq       uint64
	byUUID    map[string]*object
	byKind    map[string]*kindIndex
	referrers map[string]map[string]*object // target uuid -> referrer uuid -> referrer
	// vips maps "<network uuid>|<ip>" to the vsvip uuid holding that address.
	vips map[string]string
}

func newStore() *store {
	st := &store{
		byUUID:    map[string]*object{},
		byKind:    map[string]*kindIndex{},
		referrers: map[string]map[string]*object{},
		vips:      map[string]string{},
	}
	// Create every known kind's index now: index() runs under the read lock on list
	// requests, and creating an index there raced with concurrent lists.
	for kind := range kinds {
		st.index(kind)
	}
	return st
}

// index returns the indexes of kind. Every registered kind has one from newStore on, so
// readers under the read lock never write here; an unregistered kind gets an empty,
// unstored index (nothing can be stored under it anyway).
func (st *store) index(kind string) *kindIndex {
	ki := st.byKind[kind]
	if ki == nil {
		ki = &kindIndex{byName: map[string][]*object{}, byCreatedBy: map[string]map[string]*object{}}
		if _, registered := kinds[kind]; registered {
			st.byKind[kind] = ki
		}
	}
	return ki
}

// put inserts o, or replaces the stored object with the same uuid (keeping its position).
func (st *store) put(o *object) {
	if old := st.byUUID[o.uuid]; old != nil {
		o.seq = old.seq
		st.unindex(old, false)
	} else {
		st.seq++
		o.seq = st.seq
		ki := st.index(o.kind)
		ki.ordered = append(ki.ordered, o)
	}
	st.byUUID[o.uuid] = o
	ki := st.index(o.kind)
	if o.seq != 0 {
		// replace the pointer in ordered (same seq)
		if i := ki.position(o.seq); i >= 0 {
			ki.ordered[i] = o
		}
	}
	ki.byName[o.name] = append(ki.byName[o.name], o)
	if o.createdBy != "" {
		m := ki.byCreatedBy[o.createdBy]
		if m == nil {
			m = map[string]*object{}
			ki.byCreatedBy[o.createdBy] = m
		}
		m[o.uuid] = o
	}
	o.refs = collectRefs(o.data)
	for _, target := range o.refs {
		m := st.referrers[target]
		if m == nil {
			m = map[string]*object{}
			st.referrers[target] = m
		}
		m[o.uuid] = o
	}
}

// position returns the index of the object with sequence seq in ordered, or -1.
func (ki *kindIndex) position(seq uint64) int {
	i := sort.Search(len(ki.ordered), func(i int) bool { return ki.ordered[i].seq >= seq })
	if i < len(ki.ordered) && ki.ordered[i].seq == seq {
		return i
	}
	return -1
}

// unindex removes o from the name, created_by and reference indexes; with drop it also
// leaves the uuid index and the creation order.
func (st *store) unindex(o *object, drop bool) {
	ki := st.index(o.kind)
	list := ki.byName[o.name]
	for i, x := range list {
		if x.uuid == o.uuid {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(ki.byName, o.name)
	} else {
		ki.byName[o.name] = list
	}
	if o.createdBy != "" {
		if m := ki.byCreatedBy[o.createdBy]; m != nil {
			delete(m, o.uuid)
			if len(m) == 0 {
				delete(ki.byCreatedBy, o.createdBy)
			}
		}
	}
	for _, target := range o.refs {
		if m := st.referrers[target]; m != nil {
			delete(m, o.uuid)
			if len(m) == 0 {
				delete(st.referrers, target)
			}
		}
	}
	if drop {
		delete(st.byUUID, o.uuid)
		if i := ki.position(o.seq); i >= 0 {
			ki.ordered = append(ki.ordered[:i], ki.ordered[i+1:]...)
		}
	}
}

func (st *store) remove(o *object) { st.unindex(o, true) }

// referrersOf lists the objects referencing uuid, in creation order.
func (st *store) referrersOf(uuid string) []*object {
	m := st.referrers[uuid]
	out := make([]*object, 0, len(m))
	for _, o := range m {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// byNameIn returns the objects of kind named name owned by tenant.
func (st *store) byNameIn(kind, name, tenant string) []*object {
	var out []*object
	for _, o := range st.index(kind).byName[name] {
		if o.tenant == tenant {
			out = append(out, o)
		}
	}
	return out
}

func isRefKey(k string) bool { return strings.HasSuffix(k, "_ref") || strings.HasSuffix(k, "_refs") }

// collectRefs returns the distinct string values found under *_ref / *_refs keys, at any depth.
func collectRefs(data map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var walk func(v any, refKey bool)
	walk = func(v any, refKey bool) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				walk(x, isRefKey(k))
			}
		case []any:
			for _, x := range t {
				walk(x, refKey)
			}
		case string:
			if refKey {
				add(t)
			}
		}
	}
	walk(data, false)
	return out
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	default:
		return v
	}
}
