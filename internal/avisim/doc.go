// Package avisim is an Avi Controller simulator: an http.Handler that speaks the subset of
// the Avi REST API that the unmodified alb-sdk Go SDK and AKO use (contract:
// spec/avi-api.md in the team's shared folder), so tests, CI and first-time users need no
// appliance. cmd/avi-sim serves it over HTTPS; avisimtest starts it in tests.
//
// # API
//
// /login and /logout (cookie sessions, CSRF, idle expiry answering 401), the bootstrap
// endpoints (/api/initial-data, /api/cluster/status, /api/cluster/runtime, /api/cluster,
// /api/systemconfiguration, /api/ipamdnsproviderprofiledomainlist, /api/user-token), and
// a generic object store for every type AKO uses: uuids "<type>-<uuid4>", canonical refs
// ("#name" with include_name and in every POST/PUT answer), name-ref resolution on write,
// schema validation against the SDK models (400 naming the field), 409 duplicate names,
// 403 while referenced, 404 unknown uuids, 412 stale _last_modified, collection filters and
// pagination, VsVip IPAM and DNS, certificate parsing with key redaction, tenants.
//
// # Control
//
// Every control is a method of *Server and a route under /_sim/ (never under /api/; not
// logged, not authenticated):
//
//	AddFault/RemoveFault/ClearFaults/FaultRules   POST|DELETE|GET /_sim/faults[/<id>]
//	Requests/ResetRequests                        GET|DELETE /_sim/requests
//	Counts/Writes                                 GET /_sim/counts
//	ExpireSessions                                POST /_sim/sessions/expire
//	SetIdleTimeout                                PUT /_sim/sessions/idle-timeout {"timeout":"30s"}
//	RestartController                             POST /_sim/cluster/restart
//	SetClusterState                               PUT /_sim/cluster/state {"state":"..."}
//	SetIPAMExhausted                              PUT /_sim/ipam/exhausted {"exhausted":true}
//	SetIPAMDeferred                               PUT /_sim/ipam/deferred {"deferred":true}
//	Objects/Object                                GET /_sim/objects/<kind>[/<name>]
//	SetObject                                     PUT /_sim/objects/<kind>   (out-of-band create/edit)
//	DeleteObject                                  DELETE /_sim/objects/<kind>/<name>
//	Dump                                          GET /_sim/dump
//	Snapshot/Restore                              GET /_sim/snapshot, POST /_sim/restore
//	Reset                                         POST /_sim/reset
//
// A Fault matches on method, kind, object name and path regex, can skip the first After
// matches and retire after Count uses, and adds latency, answers a status and body instead
// of handling the call, or drops the connection. docs/simulator.md maps the whole fault
// catalogue of the spec onto these controls.
//
// # State
//
// Options.Seed (or the built-in DefaultSeed) fills a fresh controller. With
// Options.StateFile the state is written atomically (temp file + rename) within 100 ms of
// each change and on Close, and restored by New.
package avisim
