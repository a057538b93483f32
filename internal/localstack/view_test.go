package localstack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func route(name string, spec map[string]any, ingress ...any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "route.openshift.io/v1", "kind": "Route",
		"metadata": map[string]any{"name": name, "namespace": "demo"},
		"spec":     spec,
	}}
	if len(ingress) > 0 {
		u.Object["status"] = map[string]any{"ingress": ingress}
	}
	return u
}

func admitted(router, host, status, reason, message string) map[string]any {
	return map[string]any{"host": host, "routerName": router, "conditions": []any{
		map[string]any{"type": "Admitted", "status": status, "reason": reason, "message": message},
	}}
}

func TestRouteState(t *testing.T) {
	reason := `{"ako.vmware.com/controller-cluster-uuid":"cluster-1","ako.vmware.com/host-fqdn-vs-uuid-map":"{\"a.avi.internal\":\"virtualservice-1\"}","ako.vmware.com/tenant-name":"admin"}`
	cases := []struct {
		name  string
		route *unstructured.Unstructured
		want  RouteState
	}{
		{"no status yet",
			route("r", map[string]any{"host": "a.avi.internal"}),
			RouteState{Key: "demo/r", Host: "a.avi.internal", Kind: "insecure"}},
		{"admitted, uuid from the reason",
			route("r", map[string]any{"host": "a.avi.internal", "tls": map[string]any{"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}},
				admitted("other-router", "a.avi.internal", "False", "Nope", ""),
				admitted("ako-my-cluster", "a.avi.internal", "True", reason, "10.10.10.7")),
			RouteState{Key: "demo/r", Host: "a.avi.internal", Kind: "edge+Redirect", Admitted: "True", VIP: "10.10.10.7", VSUUID: "virtualservice-1"}},
		{"rejected",
			route("r", map[string]any{"host": "b.avi.internal", "tls": map[string]any{"termination": "passthrough", "insecureEdgeTerminationPolicy": "None"}},
				admitted("ako-my-cluster", "b.avi.internal", "False", "Host already Claimed", "")),
			RouteState{Key: "demo/r", Host: "b.avi.internal", Kind: "passthrough", Admitted: "False", Reason: "Host already Claimed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := RouteStateOf(tc.route); got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	annotated := route("r", map[string]any{"host": "a.avi.internal"})
	annotated.SetAnnotations(map[string]string{annotationVSUUIDMap: `{"a.avi.internal":"virtualservice-9"}`})
	if got := RouteStateOf(annotated).VSUUID; got != "virtualservice-9" {
		t.Errorf("uuid from the annotation: %q", got)
	}
}

func TestServiceStateAndEvents(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "lb", Namespace: "demo", UID: "u1",
		Annotations: map[string]string{annotationVSUUIDMap: `{"lb.demo.avi.internal":"virtualservice-2"}`}}}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "10.10.10.4", Hostname: "lb.demo.avi.internal"}}
	now := time.Now()
	ev := func(typ, reason string, at time.Time) corev1.Event {
		return corev1.Event{Type: typ, Reason: reason, Message: reason + " message",
			InvolvedObject: corev1.ObjectReference{UID: "u1"}, LastTimestamp: metav1.NewTime(at)}
	}
	latest := latestEvents([]corev1.Event{ev("Normal", "Synced", now.Add(-time.Minute)), ev("Warning", "BadIP", now), ev("Normal", "Old", now.Add(-time.Hour))})
	got := serviceState(svc, latest["u1"])
	want := ServiceState{Key: "demo/lb", VIP: "10.10.10.4", FQDN: "lb.demo.avi.internal", VSUUID: "virtualservice-2", Warning: "BadIP: BadIP message"}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// A later Normal event means the problem was fixed.
	latest = latestEvents([]corev1.Event{ev("Warning", "BadIP", now.Add(-time.Minute)), ev("Normal", "Synced", now)})
	if got := serviceState(svc, latest["u1"]); got.Warning != "" {
		t.Errorf("warning %q after a later Normal event", got.Warning)
	}
	bare := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "demo", Annotations: map[string]string{annotationVSUUID: "virtualservice-3"}}}
	if got := serviceState(bare, nil); got.VSUUID != "virtualservice-3" || got.VIP != "" {
		t.Errorf("bare service: %+v", got)
	}
}

func TestRender(t *testing.T) {
	s := Snapshot{
		AKOConfigs:   []AKOConfigState{{Key: "avi-system/ako-config", State: "Error", Message: "SecretMissing: avi-secret not found"}},
		RoutesServed: true,
		Routes: []RouteState{
			{Key: "demo/z", Host: "z.avi.internal", Kind: "edge", Admitted: "False", Reason: "certificate and key do not match"},
			{Key: "demo/a", Host: "a.avi.internal", Kind: "insecure", Admitted: "True", VIP: "10.10.10.7", VSUUID: "virtualservice-1", VSName: "my-cluster--Shared-L7-0"},
			{Key: "demo/w", Host: "w.avi.internal", Kind: "passthrough"},
		},
		Services: []ServiceState{{Key: "demo/lb", VIP: "10.10.10.4", FQDN: "lb.demo.avi.internal", VSUUID: "virtualservice-2"}, {Key: "demo/bad", Warning: "BadIP: no"}},
		Problems: []string{"listing Routes: boom"},
	}
	out := Render(s)
	for _, want := range []string{
		"AKOConfig avi-system/ako-config  Error  degraded: SecretMissing: avi-secret not found",
		"my-cluster--Shared-L7-0", "10.10.10.7", "Admitted",
		"rejected: certificate and key do not match",
		"waiting for AKO",
		"virtualservice-2", // no name resolved: the uuid is shown
		"warning: BadIP: no",
		"! listing Routes: boom",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "demo/a") > strings.Index(out, "demo/z") {
		t.Errorf("routes not sorted:\n%s", out)
	}
	if Render(s) != out {
		t.Error("Render is not stable for the same snapshot")
	}
	noRoutes := Render(Snapshot{})
	if strings.Contains(noRoutes, "ROUTE") || !strings.Contains(noRoutes, "AKOConfig  (none yet)") {
		t.Errorf("view of an empty plain-Kubernetes cluster:\n%s", noRoutes)
	}
}

type namerFunc func(string) (string, error)

func (f namerFunc) VSName(_ context.Context, uuid string) (string, error) { return f(uuid) }

func TestObserverNamesAreCached(t *testing.T) {
	calls := map[string]int{}
	o := &Observer{Namer: namerFunc(func(uuid string) (string, error) {
		calls[uuid]++
		if uuid == "virtualservice-bad" {
			return "", errors.New("404")
		}
		return "name-of-" + uuid, nil
	})}
	for range 3 {
		if got := o.vsName(context.Background(), "virtualservice-1"); got != "name-of-virtualservice-1" {
			t.Fatalf("name %q", got)
		}
		if got := o.vsName(context.Background(), "virtualservice-bad"); got != "" {
			t.Fatalf("name %q for a failed lookup", got)
		}
	}
	if calls["virtualservice-1"] != 1 || calls["virtualservice-bad"] != 1 {
		t.Errorf("lookups %v, want one each", calls)
	}
	if o.vsName(context.Background(), "") != "" || calls[""] != 0 {
		t.Error("looked up an empty uuid")
	}
}
