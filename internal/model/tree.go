// Package model computes the desired Avi objects of one virtual-service tree from a
// snapshot of Kubernetes objects and the settings. It is pure: input structs in, Avi
// objects out, no I/O, no clock, no randomness. internal/sync applies what it returns.
package model

// Kind is an Avi object type as it appears in the REST path (/api/<kind>).
type Kind string

// The Avi object kinds AKO manages.
const (
	KindVsVip          Kind = "vsvip"
	KindPKIProfile     Kind = "pkiprofile"
	KindSSLKeyCert     Kind = "sslkeyandcertificate"
	KindPool           Kind = "pool"
	KindPoolGroup      Kind = "poolgroup"
	KindStringGroup    Kind = "stringgroup"
	KindHTTPPolicySet  Kind = "httppolicyset"
	KindL4PolicySet    Kind = "l4policyset"
	KindDataScript     Kind = "vsdatascriptset"
	KindVirtualService Kind = "virtualservice"
)

// Key identifies one VS tree: the unit of work, of locking and of retry. Its text says
// what the tree is, e.g. "l4/<tenant>/<vs-name>", "l7/<tenant>/<shard-vs-name>",
// "passthrough/<tenant>/<vs-name>".
type Key string

// Object is one desired Avi object.
//
// Body is the alb-sdk model for Kind (*models.Pool for KindPool, ...), with references
// written by name in the form AKO uses ("/api/pool?name=<n>", "/api/cloud?name=<c>"),
// name, tenant_ref, created_by (where the type has it) and markers set. The sync layer
// fills cloud_config_cksum / vsvip_cloud_config_cksum itself.
type Object struct {
	Kind   Kind
	Name   string
	Tenant string
	Body   any
}

// Tree is the desired state of one VS tree. Objects are listed in creation order: every
// object comes after each object it references (VsVip, certificates, pools, pool groups,
// policy sets, then the parent VS, then SNI children). An empty Objects means the tree
// must not exist on the Controller.
type Tree struct {
	Key     Key
	Objects []Object
}
