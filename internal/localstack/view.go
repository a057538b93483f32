package localstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Status keys AKO writes on Routes and Services (spec ako-spec.md §7).
const (
	annotationVSUUIDMap = "ako.vmware.com/host-fqdn-vs-uuid-map"
	annotationVSUUID    = "ako.vmware.com/vs-uuid"
)

var (
	akoConfigListGVK = schema.GroupVersionKind{Group: "ako.vmware.com", Version: "v1beta1", Kind: "AKOConfigList"}
	routeListGVK     = schema.GroupVersionKind{Group: "route.openshift.io", Version: "v1", Kind: "RouteList"}
)

// Snapshot is what the live view shows: the product's state as a user would look it up.
type Snapshot struct {
	AKOConfigs []AKOConfigState
	// RoutesServed is false on a cluster without the route.openshift.io API.
	RoutesServed bool
	Routes       []RouteState
	Services     []ServiceState
	// Problems are failures to read the state itself (the API server went away, ...).
	Problems []string
}

// AKOConfigState is one AKOConfig's status.
type AKOConfigState struct {
	Key   string
	State string
	// Message explains a Degraded or Error state.
	Message string
}

// RouteState is one Route as AKO reported it in its status.
type RouteState struct {
	Key  string
	Host string
	// Kind is insecure, edge, edge+Redirect, reencrypt, passthrough, ...
	Kind string
	// Admitted is "True" or "False" from AKO's status entry, "" while there is none.
	Admitted string
	VIP      string
	// Reason is why the Route was not admitted.
	Reason string
	VSUUID string
	VSName string
}

// ServiceState is one LoadBalancer Service.
type ServiceState struct {
	Key    string
	VIP    string
	FQDN   string
	VSUUID string
	VSName string
	// Warning is the latest Event of the Service when that Event is a Warning.
	Warning string
}

// VSNamer turns a virtual service uuid into its name on the Controller.
type VSNamer interface {
	VSName(ctx context.Context, uuid string) (string, error)
}

// Observer reads Snapshots from a cluster and, when it has a Namer, from the Controller.
type Observer struct {
	Client client.Client
	Namer  VSNamer
	names  map[string]string
	misses map[string]time.Time
}

// Snapshot reads the current state. Failures to read are reported in Problems, so the
// view keeps showing what it could read.
func (o *Observer) Snapshot(ctx context.Context) Snapshot {
	var s Snapshot
	problem := func(what string, err error) { s.Problems = append(s.Problems, fmt.Sprintf("%s: %v", what, err)) }

	configs := &unstructured.UnstructuredList{}
	configs.SetGroupVersionKind(akoConfigListGVK)
	if err := o.Client.List(ctx, configs); err != nil {
		problem("listing AKOConfigs", err)
	}
	for i := range configs.Items {
		s.AKOConfigs = append(s.AKOConfigs, akoConfigState(&configs.Items[i]))
	}

	routes := &unstructured.UnstructuredList{}
	routes.SetGroupVersionKind(routeListGVK)
	switch err := o.Client.List(ctx, routes); {
	case meta.IsNoMatchError(err):
	case err != nil:
		s.RoutesServed = true
		problem("listing Routes", err)
	default:
		s.RoutesServed = true
		for i := range routes.Items {
			s.Routes = append(s.Routes, RouteStateOf(&routes.Items[i]))
		}
	}

	services := &corev1.ServiceList{}
	if err := o.Client.List(ctx, services); err != nil {
		problem("listing Services", err)
	}
	events := &corev1.EventList{}
	if err := o.Client.List(ctx, events, client.MatchingFields{"involvedObject.kind": "Service"}); err != nil {
		problem("listing Service events", err)
	}
	latest := latestEvents(events.Items)
	for i := range services.Items {
		svc := &services.Items[i]
		if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		s.Services = append(s.Services, serviceState(svc, latest[string(svc.UID)]))
	}

	for i := range s.Routes {
		s.Routes[i].VSName = o.vsName(ctx, s.Routes[i].VSUUID)
	}
	for i := range s.Services {
		s.Services[i].VSName = o.vsName(ctx, s.Services[i].VSUUID)
	}
	return s
}

// vsName resolves uuid once and remembers it; a failed lookup is retried after a while
// rather than every second, to keep the Controller's request log readable.
func (o *Observer) vsName(ctx context.Context, uuid string) string {
	if uuid == "" || o.Namer == nil {
		return ""
	}
	if name, ok := o.names[uuid]; ok {
		return name
	}
	if at, ok := o.misses[uuid]; ok && time.Since(at) < 30*time.Second {
		return ""
	}
	if o.names == nil {
		o.names, o.misses = map[string]string{}, map[string]time.Time{}
	}
	name, err := o.Namer.VSName(ctx, uuid)
	if err != nil || name == "" {
		o.misses[uuid] = time.Now()
		return ""
	}
	o.names[uuid] = name
	return name
}

func akoConfigState(u *unstructured.Unstructured) AKOConfigState {
	st := AKOConfigState{Key: objectKey(u)}
	st.State, _, _ = unstructured.NestedString(u.Object, "status", "state")
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		cond, _ := c.(map[string]any)
		if cond["type"] == "Degraded" && cond["status"] == "True" {
			st.Message = fmt.Sprintf("%v: %v", cond["reason"], cond["message"])
		}
	}
	return st
}

// RouteStateOf reads a Route's AKO status entry.
func RouteStateOf(u *unstructured.Unstructured) RouteState {
	st := RouteState{Key: objectKey(u), Kind: "insecure"}
	st.Host, _, _ = unstructured.NestedString(u.Object, "spec", "host")
	if term, _, _ := unstructured.NestedString(u.Object, "spec", "tls", "termination"); term != "" {
		st.Kind = term
		if policy, _, _ := unstructured.NestedString(u.Object, "spec", "tls", "insecureEdgeTerminationPolicy"); policy != "" && policy != "None" {
			st.Kind += "+" + policy
		}
	}
	st.VSUUID = vsUUIDFor(u.GetAnnotations()[annotationVSUUIDMap], st.Host)
	entries, _, _ := unstructured.NestedSlice(u.Object, "status", "ingress")
	for _, e := range entries {
		entry, _ := e.(map[string]any)
		router, _ := entry["routerName"].(string)
		if !strings.HasPrefix(router, "ako-") {
			continue // another router's entry
		}
		if host, _ := entry["host"].(string); host != "" {
			st.Host = host
		}
		conds, _ := entry["conditions"].([]any)
		for _, c := range conds {
			cond, _ := c.(map[string]any)
			if cond["type"] != "Admitted" {
				continue
			}
			st.Admitted, _ = cond["status"].(string)
			reason, _ := cond["reason"].(string)
			message, _ := cond["message"].(string)
			if st.Admitted == "True" {
				st.VIP = message
				if st.VSUUID == "" {
					st.VSUUID = vsUUIDFromReason(reason, st.Host)
				}
			} else {
				st.Reason = strings.TrimSpace(strings.Join(nonEmpty(reason, message), ": "))
			}
		}
		break
	}
	return st
}

func serviceState(svc *corev1.Service, latest *corev1.Event) ServiceState {
	st := ServiceState{Key: objectKey(svc)}
	var vips, fqdns []string
	for _, ing := range svc.Status.LoadBalancer.Ingress {
		vips = appendUnique(vips, ing.IP)
		fqdns = appendUnique(fqdns, ing.Hostname)
	}
	st.VIP, st.FQDN = strings.Join(vips, ","), strings.Join(fqdns, ",")
	st.VSUUID = vsUUIDFor(svc.Annotations[annotationVSUUIDMap], st.FQDN)
	if st.VSUUID == "" {
		st.VSUUID = svc.Annotations[annotationVSUUID]
	}
	if latest != nil && latest.Type == corev1.EventTypeWarning {
		st.Warning = latest.Reason + ": " + latest.Message
	}
	return st
}

// vsUUIDFor picks the uuid of host from a host-fqdn-vs-uuid-map value, or the only one.
func vsUUIDFor(mapJSON, host string) string {
	if mapJSON == "" {
		return ""
	}
	var m map[string]string
	if json.Unmarshal([]byte(mapJSON), &m) != nil {
		return ""
	}
	if uuid, ok := m[host]; ok {
		return uuid
	}
	for _, uuid := range m {
		if len(m) == 1 {
			return uuid
		}
	}
	return ""
}

// vsUUIDFromReason reads the uuid map out of an Admitted condition's JSON reason.
func vsUUIDFromReason(reason, host string) string {
	var keys map[string]string
	if json.Unmarshal([]byte(reason), &keys) != nil {
		return ""
	}
	return vsUUIDFor(keys[annotationVSUUIDMap], host)
}

// latestEvents maps an involved object's uid to its most recent Event.
func latestEvents(events []corev1.Event) map[string]*corev1.Event {
	out := map[string]*corev1.Event{}
	for i := range events {
		e := &events[i]
		uid := string(e.InvolvedObject.UID)
		if cur, ok := out[uid]; !ok || eventTime(e).After(eventTime(cur)) {
			out[uid] = e
		}
	}
	return out
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	default:
		return e.CreationTimestamp.Time
	}
}

// Render is the view as plain text: stable for a given Snapshot, so a caller redraws only
// when it changes, and readable in a log file as well as on a terminal.
func Render(s Snapshot) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if len(s.AKOConfigs) == 0 {
		fmt.Fprintln(w, "AKOConfig\t(none yet)")
	}
	for _, c := range sortedBy(s.AKOConfigs, func(c AKOConfigState) string { return c.Key }) {
		state := orDash(c.State, "(no status yet)")
		if c.Message != "" {
			state += "  degraded: " + c.Message
		}
		fmt.Fprintf(w, "AKOConfig %s\t%s\n", c.Key, state)
	}
	if s.RoutesServed {
		fmt.Fprintf(w, "\nROUTE\tKIND\tHOST\tVIRTUAL SERVICE\tVIP\tSTATUS\n")
		if len(s.Routes) == 0 {
			fmt.Fprintln(w, "(none)\t\t\t\t\t")
		}
		for _, r := range sortedBy(s.Routes, func(r RouteState) string { return r.Key }) {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Key, r.Kind, orDash(r.Host, "-"),
				orDash(firstNonEmpty(r.VSName, r.VSUUID), "-"), orDash(r.VIP, "-"), routeStatus(r))
		}
	}
	fmt.Fprintf(w, "\nLOADBALANCER SERVICE\tVIRTUAL SERVICE\tVIP\tFQDN\tSTATUS\n")
	if len(s.Services) == 0 {
		fmt.Fprintln(w, "(none)\t\t\t\t")
	}
	for _, svc := range sortedBy(s.Services, func(s ServiceState) string { return s.Key }) {
		status := "ready"
		switch {
		case svc.Warning != "":
			status = "warning: " + svc.Warning
		case svc.VIP == "":
			status = "waiting for a VIP"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", svc.Key, orDash(firstNonEmpty(svc.VSName, svc.VSUUID), "-"),
			orDash(svc.VIP, "-"), orDash(svc.FQDN, "-"), status)
	}
	_ = w.Flush()
	for _, p := range s.Problems {
		fmt.Fprintf(&b, "! %s\n", p)
	}
	return b.String()
}

func routeStatus(r RouteState) string {
	switch r.Admitted {
	case "True":
		return "Admitted"
	case "False":
		return "rejected: " + orDash(r.Reason, "(no reason given)")
	default:
		return "waiting for AKO"
	}
}

// WatchOptions configure Watch.
type WatchOptions struct {
	Interval time.Duration
	// Header is printed above every redraw (how to use the stack).
	Header string
	// Terminal clears the screen before a redraw; otherwise redraws are appended with a
	// time stamp, which reads fine in a log.
	Terminal bool
}

// Watch polls o every Interval and writes the view to out whenever it changed, until ctx ends.
func Watch(ctx context.Context, o *Observer, out io.Writer, opts WatchOptions) {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	last := ""
	tick := time.NewTicker(opts.Interval)
	defer tick.Stop()
	for {
		readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		view := Render(o.Snapshot(readCtx))
		cancel()
		if ctx.Err() != nil {
			return
		}
		if view != last {
			last = view
			stamp := time.Now().Format("15:04:05")
			if opts.Terminal {
				fmt.Fprintf(out, "\x1b[H\x1b[2J%s\n%s\n(updated %s; Ctrl-C stops everything)\n", opts.Header, view, stamp)
			} else {
				fmt.Fprintf(out, "--- %s ---\n%s", stamp, view)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func sortedBy[T any](items []T, key func(T) string) []T {
	out := append([]T(nil), items...)
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func orDash(s, dash string) string {
	if s == "" {
		return dash
	}
	return s
}
