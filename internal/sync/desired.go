package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/model"
)

// ID identifies one Avi object we own. Names are unique per kind and tenant within the
// one cloud a cluster uses.
type ID struct {
	Kind   model.Kind
	Tenant string
	Name   string
}

func (id ID) String() string { return fmt.Sprintf("%s %s/%s", id.Kind, id.Tenant, id.Name) }

// knownKinds are the kinds the sync layer manages, with the field (if any) that carries
// the checksum of the desired body.
var knownKinds = map[model.Kind]string{
	model.KindVirtualService: "cloud_config_cksum",
	model.KindPool:           "cloud_config_cksum",
	model.KindPoolGroup:      "cloud_config_cksum",
	model.KindHTTPPolicySet:  "cloud_config_cksum",
	model.KindVsVip:          "vsvip_cloud_config_cksum",
	model.KindL4PolicySet:    "",
	model.KindSSLKeyCert:     "",
	model.KindPKIProfile:     "",
	model.KindStringGroup:    "",
	model.KindDataScript:     "",
}

// checksumField returns the field that stores our checksum on kind, "" if it has none.
func checksumField(k model.Kind) string { return knownKinds[k] }

// idOf validates a desired object and returns its identity. An object without a tenant
// lives in admin.
func idOf(o model.Object) (ID, error) {
	if _, ok := knownKinds[o.Kind]; !ok {
		return ID{}, fmt.Errorf("object %q has kind %q, which the sync layer does not manage", o.Name, o.Kind)
	}
	if o.Name == "" {
		return ID{}, fmt.Errorf("a %s object has no name", o.Kind)
	}
	if len(o.Name) > 255 {
		return ID{}, fmt.Errorf("%s name %q is longer than 255 characters", o.Kind, o.Name)
	}
	t := o.Tenant
	if t == "" {
		t = "admin"
	}
	return ID{Kind: o.Kind, Tenant: t, Name: o.Name}, nil
}

// desiredBody turns the model's body (an alb-sdk struct or a map) into a JSON map, and
// returns it with its checksum set in the kind's checksum field, plus that checksum. The
// checksum is computed over the canonical JSON (sorted keys) without the checksum field,
// so a restarted process computes the same value.
func desiredBody(o model.Object) (map[string]any, string, error) {
	b, err := json.Marshal(o.Body)
	if err != nil {
		return nil, "", fmt.Errorf("%s %q: body does not encode as JSON: %w", o.Kind, o.Name, err)
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, "", fmt.Errorf("%s %q: body is not a JSON object", o.Kind, o.Name)
	}
	field := checksumField(o.Kind)
	if field != "" {
		delete(m, field)
	}
	sum := checksum(m)
	if field != "" {
		m[field] = sum
	}
	return m, sum, nil
}

// checksum is FNV-1a 64 of the canonical JSON of m (encoding/json sorts map keys).
func checksum(m map[string]any) string {
	b, _ := json.Marshal(m)
	h := fnv.New64a()
	h.Write(b)
	return strconv.FormatUint(h.Sum64(), 16)
}

// sensitiveKeys are never returned by the Controller as written (redacted or omitted), so
// they cannot be compared.
var sensitiveKeys = map[string]bool{"key": true, "key_passphrase": true, "password": true}

// semanticEqual reports whether every field we want (desired) has that value on the
// Controller's object (actual). Fields the Controller adds (defaults, uuid, url, runtime
// data) are ignored; references compare by name (or uuid when we wrote a uuid); a zero
// desired value equals an absent one; numbers compare by value.
func semanticEqual(desired, actual any, key string) bool {
	if desired == nil {
		return true
	}
	if actual == nil {
		return isZero(desired)
	}
	switch d := desired.(type) {
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok {
			return false
		}
		for k, dv := range d {
			if sensitiveKeys[k] {
				continue
			}
			if !semanticEqual(dv, a[k], k) {
				return false
			}
		}
		return true
	case []any:
		a, ok := actual.([]any)
		if !ok || len(a) != len(d) {
			return false
		}
		for i := range d {
			if !semanticEqual(d[i], a[i], strings.TrimSuffix(key, "s")) {
				return false
			}
		}
		return true
	case string:
		a, ok := actual.(string)
		if !ok {
			return false
		}
		if strings.HasSuffix(key, "_ref") {
			return refEqual(d, a)
		}
		return d == a
	case json.Number:
		return numberEqual(d, actual)
	default:
		return fmt.Sprint(desired) == fmt.Sprint(actual)
	}
}

func numberEqual(d json.Number, actual any) bool {
	a, ok := actual.(json.Number)
	if !ok {
		return false
	}
	if d == a {
		return true
	}
	df, err1 := d.Float64()
	af, err2 := a.Float64()
	return err1 == nil && err2 == nil && df == af
}

// refEqual compares a reference we wrote (by name, or by uuid) with the Controller's read
// form ("…/api/<kind>/<uuid>#<name>").
func refEqual(desired, actual string) bool {
	if desired == actual {
		return true
	}
	if desired == "" || actual == "" {
		return false
	}
	if n := avi.RefName(desired); n != "" {
		return n == avi.RefName(actual)
	}
	if u := avi.RefUUID(desired); u != "" {
		return u == avi.RefUUID(actual)
	}
	return false
}

// isZero reports whether a desired value means "nothing": false, 0, "", empty list/object.
func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if !isZero(e) {
				return false
			}
		}
		return true
	}
	return false
}

// deleteRank orders deletions parents first, so the Controller never refuses a delete
// because something we own still refers to the object: SNI/EVH children, virtual
// services, VsVips, datascripts, policy sets, string groups, pool groups, pools, leaf
// certificates, CA certificates, PKI profiles.
func deleteRank(kind model.Kind, body map[string]any) int {
	switch kind {
	case model.KindVirtualService:
		if avi.String(body, "type") == "VS_TYPE_VH_CHILD" || avi.String(body, "vh_parent_vs_ref") != "" {
			return 0
		}
		return 1
	case model.KindVsVip:
		return 2
	case model.KindDataScript:
		return 3
	case model.KindHTTPPolicySet, model.KindL4PolicySet:
		return 4
	case model.KindStringGroup:
		return 5
	case model.KindPoolGroup:
		return 6
	case model.KindPool:
		return 7
	case model.KindSSLKeyCert:
		if avi.String(body, "type") == "SSL_CERTIFICATE_TYPE_CA" {
			return 9
		}
		return 8
	case model.KindPKIProfile:
		return 10
	}
	return 11
}
