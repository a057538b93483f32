// Package avisim is an Avi Controller simulator: an http.Handler that speaks the subset of
// the Avi REST API that the unmodified alb-sdk Go SDK and AKO use (contract:
// shared/spec/avi-api.md), so tests, CI and first-time users need no appliance.
//
// It serves /login and /logout (cookie sessions with CSRF and idle expiry), the bootstrap
// endpoints (/api/initial-data, /api/cluster/status, /api/cluster/runtime, /api/cluster,
// /api/systemconfiguration, /api/ipamdnsproviderprofiledomainlist, /api/user-token) and a
// generic object store for every type AKO uses, with canonical references, name-ref
// resolution, integrity checks, collection filters and pagination, VsVip IPAM and DNS.
// See docs/simulator.md for the control API under /_sim/ and the command cmd/avi-sim.
package avisim
