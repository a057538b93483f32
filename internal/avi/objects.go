package avi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/akoproject/ako/internal/model"
)

// Object is an Avi object as the Controller returns it: the raw JSON map, numbers as
// json.Number, references in their read form ("https://<host>/api/<kind>/<uuid>#<name>").
type Object = map[string]any

// pageSize is asked for on every collection read.
const pageSize = "100"

// maxPages bounds a listing so that a Controller answering the same next link forever
// cannot hang us.
const maxPages = 100000

// List returns every object of kind matching filter (query parameters such as created_by,
// cloud_ref.name, name.contains, label_key/label_value), in every tenant, with names in
// references. It follows `next` through all pages; a page that fails fails the whole list
// (never a short list).
func (c *Client) List(ctx context.Context, kind model.Kind, filter url.Values) ([]Object, error) {
	return c.ListResource(ctx, string(kind), filter, "*")
}

// ListResource is List for any resource path under /api and one tenant ("*" for all).
func (c *Client) ListResource(ctx context.Context, resource string, filter url.Values, tenant string) ([]Object, error) {
	q := url.Values{}
	for k, v := range filter {
		q[k] = v
	}
	q.Set("include_name", "true")
	if q.Get("page_size") == "" {
		q.Set("page_size", pageSize)
	}
	path := "api/" + resource + "?" + q.Encode()
	var all []Object
	seen := map[string]bool{}
	for page := 1; path != ""; page++ {
		if page > maxPages || seen[path] {
			return nil, &Error{Class: ClassRetryable, Verb: http.MethodGet, Path: path,
				Message: "the Controller's next links do not end"}
		}
		seen[path] = true
		var coll struct {
			Count   int               `json:"count"`
			Results []json.RawMessage `json:"results"`
			Next    string            `json:"next"`
		}
		var raw json.RawMessage
		if err := c.do(ctx, http.MethodGet, resource, path, tenant, nil, &raw); err != nil {
			return nil, fmt.Errorf("listing %s, page %d: %w", resource, page, err)
		}
		if err := json.Unmarshal(raw, &coll); err != nil || coll.Results == nil {
			return nil, fmt.Errorf("listing %s, page %d: %w", resource, page, &Error{Class: ClassRetryable,
				Verb: http.MethodGet, Path: path, Message: "answer is not a collection with results"})
		}
		for _, r := range coll.Results {
			var o Object
			if err := decodeJSON(r, &o); err != nil {
				return nil, fmt.Errorf("listing %s, page %d: %w", resource, page, classify(http.MethodGet, path, err))
			}
			all = append(all, o)
		}
		path = ""
		if coll.Next != "" {
			next, err := nextPath(coll.Next)
			if err != nil {
				return nil, fmt.Errorf("listing %s, page %d: %w", resource, page, &Error{Class: ClassRetryable,
					Verb: http.MethodGet, Path: coll.Next, Message: err.Error()})
			}
			path = next
		}
	}
	return all, nil
}

// nextPath turns a `next` link ("https://<host>/api/pool/?...&page=2") into the path the
// session wants ("api/pool/?...&page=2").
func nextPath(next string) (string, error) {
	u, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("next link %q: %w", next, err)
	}
	i := strings.Index(u.Path, "/api/")
	if i < 0 {
		return "", fmt.Errorf("next link %q has no /api/ path", next)
	}
	p := u.Path[i+1:]
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p, nil
}

// Get reads one object by uuid, in any tenant, with names in references.
func (c *Client) Get(ctx context.Context, kind model.Kind, uuid string) (Object, error) {
	return c.GetResource(ctx, string(kind), uuid, "*")
}

// GetResource is Get for any resource under /api in one tenant.
func (c *Client) GetResource(ctx context.Context, resource, uuid, tenant string) (Object, error) {
	var o Object
	err := c.do(ctx, http.MethodGet, resource, "api/"+resource+"/"+url.PathEscape(uuid)+"?include_name=true", tenant, nil, &o)
	return o, err
}

// Post creates an object in tenant and returns the stored object.
func (c *Client) Post(ctx context.Context, kind model.Kind, tenant string, body any) (Object, error) {
	var o Object
	err := c.do(ctx, http.MethodPost, string(kind), "api/"+string(kind), tenant, body, &o)
	return o, err
}

// Put replaces the object uuid in tenant and returns the stored object.
func (c *Client) Put(ctx context.Context, kind model.Kind, tenant, uuid string, body any) (Object, error) {
	return c.PutResource(ctx, string(kind), tenant, uuid, body)
}

// PutResource is Put for any resource under /api.
func (c *Client) PutResource(ctx context.Context, resource, tenant, uuid string, body any) (Object, error) {
	var o Object
	err := c.do(ctx, http.MethodPut, resource, "api/"+resource+"/"+url.PathEscape(uuid), tenant, body, &o)
	return o, err
}

// Delete removes the object uuid in tenant. A missing object is an error of ClassNotFound;
// callers that only want it gone treat that as success.
func (c *Client) Delete(ctx context.Context, kind model.Kind, tenant, uuid string) error {
	return c.do(ctx, http.MethodDelete, string(kind), "api/"+string(kind)+"/"+url.PathEscape(uuid), tenant, nil, nil)
}

// RefName returns the object name a reference designates, in any form we meet:
// read form ".../api/<kind>/<uuid>#<name>" and write form "/api/<kind>?name=<name>".
// It returns "" for a bare uuid reference.
func RefName(ref string) string {
	if i := strings.LastIndex(ref, "#"); i >= 0 {
		return ref[i+1:]
	}
	if i := strings.Index(ref, "?"); i >= 0 {
		if q, err := url.ParseQuery(ref[i+1:]); err == nil {
			return q.Get("name")
		}
	}
	return ""
}

// RefUUID returns the uuid of a read-form or uuid-form reference, "" for a name reference.
func RefUUID(ref string) string {
	if i := strings.LastIndex(ref, "#"); i >= 0 {
		ref = ref[:i]
	}
	if strings.Contains(ref, "?") {
		return ""
	}
	ref = strings.TrimSuffix(ref, "/")
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		return ref[i+1:]
	}
	return ""
}

// String returns o[key] when it is a string.
func String(o Object, key string) string {
	s, _ := o[key].(string)
	return s
}

// TenantOf returns the tenant name of an object read with include_name: the name after
// '#' in tenant_ref, else the uuid at the end of it ("admin" is both).
func TenantOf(o Object) string {
	ref := String(o, "tenant_ref")
	if n := RefName(ref); n != "" {
		return n
	}
	return RefUUID(ref)
}
