// Package status writes what AKO tells Kubernetes users: the load balancer status and
// annotations of Services (ako-spec.md §7) and Events. Only the leader calls it, because
// only the leader runs reconcilers.
package status

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Annotations AKO writes on the objects it serves.
const (
	AnnotationHostFQDNVSUUIDMap     = "ako.vmware.com/host-fqdn-vs-uuid-map"
	AnnotationControllerClusterUUID = "ako.vmware.com/controller-cluster-uuid"
	AnnotationTenantName            = "ako.vmware.com/tenant-name"
	// AnnotationVSUUID names the virtual service serving a Service. AKO always sets it, so
	// it is how AKO recognises a status it wrote and may clear.
	AnnotationVSUUID = "ako.vmware.com/vs-uuid"
)

var ownedAnnotations = []string{AnnotationHostFQDNVSUUIDMap, AnnotationControllerClusterUUID, AnnotationTenantName, AnnotationVSUUID}

// ServiceLB is what a LoadBalancer Service served by AKO shows.
type ServiceLB struct {
	// VIPs of the VsVip, IPv4 first.
	VIPs []string
	// FQDNs in the VsVip's DNS; the first is shown as the hostname.
	FQDNs          []string
	VSUUID         string
	ControllerUUID string
	Tenant         string
}

// ServiceIngress is status.loadBalancer.ingress: one {ip, hostname} per VIP, hostname
// being the first FQDN or empty.
func ServiceIngress(lb ServiceLB) []corev1.LoadBalancerIngress {
	host := ""
	if len(lb.FQDNs) > 0 {
		host = lb.FQDNs[0]
	}
	var out []corev1.LoadBalancerIngress
	for _, ip := range lb.VIPs {
		out = append(out, corev1.LoadBalancerIngress{IP: ip, Hostname: host})
	}
	return out
}

// ServiceAnnotations are the annotations AKO wants on a served Service: the VS uuid
// always; the FQDN→VS uuid map, controller cluster uuid and tenant when a hostname exists.
func ServiceAnnotations(lb ServiceLB) map[string]string {
	out := map[string]string{AnnotationVSUUID: lb.VSUUID}
	if len(lb.FQDNs) == 0 {
		return out
	}
	hosts := map[string]string{}
	for _, f := range lb.FQDNs {
		hosts[f] = lb.VSUUID
	}
	b, _ := json.Marshal(hosts) // map[string]string always marshals
	out[AnnotationHostFQDNVSUUIDMap] = string(b)
	out[AnnotationControllerClusterUUID] = lb.ControllerUUID
	out[AnnotationTenantName] = lb.Tenant
	return out
}

// ServesStatus reports whether svc carries a status AKO wrote.
func ServesStatus(svc *corev1.Service) bool {
	for _, a := range ownedAnnotations {
		if _, ok := svc.Annotations[a]; ok {
			return true
		}
	}
	return false
}

// annotationPatch computes the metadata.annotations merge patch that turns current into
// want for the owned keys (null removes). nil when nothing changes.
func annotationPatch(current, want map[string]string) map[string]any {
	patch := map[string]any{}
	for _, k := range ownedAnnotations {
		cur, has := current[k]
		w, wanted := want[k]
		switch {
		case wanted && (!has || cur != w):
			patch[k] = w
		case !wanted && has:
			patch[k] = nil
		}
	}
	if len(patch) == 0 {
		return nil
	}
	return patch
}

func sameIngress(a, b []corev1.LoadBalancerIngress) bool {
	norm := func(in []corev1.LoadBalancerIngress) []string {
		var out []string
		for _, i := range in {
			out = append(out, i.IP+"|"+i.Hostname)
		}
		sort.Strings(out)
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// SetServiceLB makes svc show lb. It writes only what differs and reports whether it
// wrote anything.
func (w *Writer) SetServiceLB(ctx context.Context, svc *corev1.Service, lb ServiceLB) (bool, error) {
	changed := false
	if p := annotationPatch(svc.Annotations, ServiceAnnotations(lb)); p != nil {
		if err := w.patch(ctx, svc, map[string]any{"metadata": map[string]any{"annotations": p}}, false); err != nil {
			return false, fmt.Errorf("annotating Service %s/%s: %w", svc.Namespace, svc.Name, err)
		}
		changed = true
	}
	want := ServiceIngress(lb)
	if !sameIngress(svc.Status.LoadBalancer.Ingress, want) {
		body := map[string]any{"status": map[string]any{"loadBalancer": map[string]any{"ingress": want}}}
		if err := w.patch(ctx, svc, body, true); err != nil {
			return false, fmt.Errorf("writing the load balancer status of Service %s/%s: %w", svc.Namespace, svc.Name, err)
		}
		changed = true
	}
	return changed, nil
}

// ClearService removes the status and annotations AKO wrote on svc, and nothing when
// AKO did not write them (another load balancer may own the status). It reports whether
// it wrote anything.
func (w *Writer) ClearService(ctx context.Context, svc *corev1.Service) (bool, error) {
	if !ServesStatus(svc) {
		return false, nil
	}
	if len(svc.Status.LoadBalancer.Ingress) > 0 {
		body := map[string]any{"status": map[string]any{"loadBalancer": map[string]any{"ingress": nil}}}
		if err := w.patch(ctx, svc, body, true); err != nil {
			return false, fmt.Errorf("clearing the load balancer status of Service %s/%s: %w", svc.Namespace, svc.Name, err)
		}
	}
	if p := annotationPatch(svc.Annotations, nil); p != nil {
		if err := w.patch(ctx, svc, map[string]any{"metadata": map[string]any{"annotations": p}}, false); err != nil {
			return false, fmt.Errorf("removing AKO annotations from Service %s/%s: %w", svc.Namespace, svc.Name, err)
		}
	}
	return true, nil
}

func (w *Writer) patch(ctx context.Context, obj client.Object, body map[string]any, status bool) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	p := client.RawPatch("application/merge-patch+json", raw)
	if status {
		return w.Client.Status().Patch(ctx, obj, p)
	}
	return w.Client.Patch(ctx, obj, p)
}

// OwnedAnnotation reports whether AKO writes the annotation key.
func OwnedAnnotation(key string) bool { return slices.Contains(ownedAnnotations, key) }
