package status

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	routev1 "github.com/openshift/api/route/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RouteAdmission is what AKO says about one Route (ako-spec.md §7).
type RouteAdmission struct {
	Host     string
	Admitted bool
	// Reason and Message explain a rejection.
	Reason  string
	Message string
	// VIPs of the VsVip serving the host, IPv4 first; VSUUID is the VS serving the host.
	VIPs           []string
	VSUUID         string
	ControllerUUID string
	Tenant         string
}

// routeReason is the reason of an Admitted=True condition: the three AKO annotations
// as one JSON object, so tools that read AKO's status keep working.
func routeReason(a RouteAdmission) string {
	b, _ := json.Marshal(routeAnnotations(a)) // map[string]string always marshals
	return string(b)
}

func routeAnnotations(a RouteAdmission) map[string]string {
	hosts, _ := json.Marshal(map[string]string{a.Host: a.VSUUID})
	return map[string]string{
		AnnotationControllerClusterUUID: a.ControllerUUID,
		AnnotationHostFQDNVSUUIDMap:     string(hosts),
		AnnotationTenantName:            a.Tenant,
	}
}

// RouteIngress computes status.ingress of a Route: the entries of other routers are
// kept in place, AKO's (routerName) are replaced by one entry per VIP when admitted, or
// one Admitted=False entry when rejected. A condition keeps its lastTransitionTime while
// its status does not change.
func RouteIngress(current []routev1.RouteIngress, routerName string, a RouteAdmission, now metav1.Time) []routev1.RouteIngress {
	previous := map[string]routev1.RouteIngressCondition{} // host -> our Admitted condition
	var out []routev1.RouteIngress
	for _, in := range current {
		if in.RouterName != routerName {
			out = append(out, in)
			continue
		}
		for _, c := range in.Conditions {
			if c.Type == routev1.RouteAdmitted {
				previous[in.Host] = c
			}
		}
	}
	cond := func(status corev1.ConditionStatus, reason, message string) []routev1.RouteIngressCondition {
		c := routev1.RouteIngressCondition{Type: routev1.RouteAdmitted, Status: status, Reason: reason, Message: message, LastTransitionTime: &now}
		if p, ok := previous[a.Host]; ok && p.Status == status && p.LastTransitionTime != nil {
			c.LastTransitionTime = p.LastTransitionTime
		}
		return []routev1.RouteIngressCondition{c}
	}
	if !a.Admitted {
		return append(out, routev1.RouteIngress{Host: a.Host, RouterName: routerName, Conditions: cond(corev1.ConditionFalse, a.Reason, a.Message)})
	}
	vips := a.VIPs
	if len(vips) == 0 {
		vips = []string{""} // admitted, address not known yet
	}
	for _, vip := range vips {
		out = append(out, routev1.RouteIngress{Host: a.Host, RouterName: routerName, Conditions: cond(corev1.ConditionTrue, routeReason(a), vip)})
	}
	return out
}

// withoutRouter drops routerName's entries.
func withoutRouter(current []routev1.RouteIngress, routerName string) []routev1.RouteIngress {
	var out []routev1.RouteIngress
	for _, in := range current {
		if in.RouterName != routerName {
			out = append(out, in)
		}
	}
	return out
}

// SetRouteStatus makes route show a: AKO's status.ingress entries and, when admitted, the
// three AKO annotations (ako-spec.md §7); a rejected Route carries none of them. It
// writes only what differs and reports whether it wrote.
func (w *Writer) SetRouteStatus(ctx context.Context, route *routev1.Route, routerName string, a RouteAdmission, now metav1.Time) (bool, error) {
	var want map[string]string
	if a.Admitted {
		want = routeAnnotations(a)
	}
	annotated, err := w.setRouteAnnotations(ctx, route, want)
	if err != nil {
		return false, err
	}
	ingress := RouteIngress(route.Status.Ingress, routerName, a, now)
	if reflect.DeepEqual(normalIngress(route.Status.Ingress), normalIngress(ingress)) {
		return annotated, nil
	}
	if err := w.patch(ctx, route, map[string]any{"status": map[string]any{"ingress": ingress}}, true); err != nil {
		return false, fmt.Errorf("writing the status of Route %s/%s: %w", route.Namespace, route.Name, err)
	}
	return true, nil
}

// ClearRoute removes AKO's status.ingress entries and annotations from route, leaving
// other routers' entries alone. It reports whether it wrote anything.
func (w *Writer) ClearRoute(ctx context.Context, route *routev1.Route, routerName string) (bool, error) {
	annotated, err := w.setRouteAnnotations(ctx, route, nil)
	if err != nil {
		return false, err
	}
	rest := withoutRouter(route.Status.Ingress, routerName)
	if len(rest) == len(route.Status.Ingress) {
		return annotated, nil
	}
	var ingress any = rest
	if len(rest) == 0 {
		ingress = nil
	}
	if err := w.patch(ctx, route, map[string]any{"status": map[string]any{"ingress": ingress}}, true); err != nil {
		return false, fmt.Errorf("clearing the status of Route %s/%s: %w", route.Namespace, route.Name, err)
	}
	return true, nil
}

// setRouteAnnotations makes AKO's annotations on route equal want (nil removes them).
func (w *Writer) setRouteAnnotations(ctx context.Context, route *routev1.Route, want map[string]string) (bool, error) {
	p := annotationPatch(route.Annotations, want)
	if p == nil {
		return false, nil
	}
	if err := w.patch(ctx, route, map[string]any{"metadata": map[string]any{"annotations": p}}, false); err != nil {
		return false, fmt.Errorf("annotating Route %s/%s: %w", route.Namespace, route.Name, err)
	}
	return true, nil
}

// normalIngress makes equal statuses compare equal (nil vs empty, time precision).
func normalIngress(in []routev1.RouteIngress) []routev1.RouteIngress {
	if len(in) == 0 {
		return nil
	}
	out := make([]routev1.RouteIngress, len(in))
	for i, e := range in {
		e.Conditions = append([]routev1.RouteIngressCondition(nil), e.Conditions...)
		for j := range e.Conditions {
			if t := e.Conditions[j].LastTransitionTime; t != nil {
				r := metav1.NewTime(t.Rfc3339Copy().Time)
				e.Conditions[j].LastTransitionTime = &r
			}
		}
		out[i] = e
	}
	return out
}
