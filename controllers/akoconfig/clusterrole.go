package akoconfig

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/api/v1beta1"
)

// The operator may only grant what it holds itself (RBAC escalation prevention), so each
// rule of DesiredClusterRole is mirrored by a marker here.
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;patch;update
// +kubebuilder:rbac:groups="",resources=services/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=discovery.k8s.io,resources=endpointslices,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=nodes;namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="";events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=create;get;update
// +kubebuilder:rbac:groups=route.openshift.io,resources=routes,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=route.openshift.io,resources=routes/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses;ingressclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;patch;update

// DesiredClusterRole is ClusterRole ako-cr: least privilege for the AKO workload. It reads
// what it turns into Avi objects (Routes, Ingresses, Services, EndpointSlices, Nodes,
// Namespaces, Secrets, ConfigMaps), writes their status and AKO's annotations on Services
// and Routes, records Events, elects a leader with a Lease and reports deletion progress
// as an annotation on StatefulSet ako.
func DesiredClusterRole() *rbacv1.ClusterRole {
	read := []string{"get", "list", "watch"}
	writeStatus := []string{"get", "patch", "update"}
	return &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: ClusterRoleName, Labels: objectLabels()},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"get", "list", "watch", "patch", "update"}},
			{APIGroups: []string{""}, Resources: []string{"services/status"}, Verbs: writeStatus},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
			{APIGroups: []string{""}, Resources: []string{"nodes", "namespaces"}, Verbs: read},
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps"}, Verbs: read},
			{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create", "get", "update"}},
			{APIGroups: []string{"route.openshift.io"}, Resources: []string{"routes"}, Verbs: []string{"get", "list", "watch", "patch"}},
			{APIGroups: []string{"route.openshift.io"}, Resources: []string{"routes/status"}, Verbs: writeStatus},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "ingressclasses"}, Verbs: read},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses/status"}, Verbs: writeStatus},
			{APIGroups: []string{"apps"}, Resources: []string{"statefulsets"}, Verbs: []string{"get", "patch", "update"}},
		},
	}
}

// clusterRoleChanged compares rules, labels and the owner annotation.
func clusterRoleChanged(current, desired *rbacv1.ClusterRole) (bool, *rbacv1.ClusterRole) {
	if equality.Semantic.DeepEqual(current.Rules, desired.Rules) && current.AggregationRule == nil &&
		!labelsChanged(current.Labels, desired.Labels) && !annotationsChanged(current.Annotations, desired.Annotations) {
		return false, nil
	}
	updated := current.DeepCopy()
	updated.Rules = desired.Rules
	updated.AggregationRule = nil
	updated.Labels = mergeLabels(current.Labels, desired.Labels)
	updated.Annotations = mergeLabels(current.Annotations, desired.Annotations)
	return true, updated
}

func (r *Reconciler) currentClusterRole(ctx context.Context) (*rbacv1.ClusterRole, error) {
	cr := &rbacv1.ClusterRole{}
	err := r.Client.Get(ctx, client.ObjectKey{Name: ClusterRoleName}, cr)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading ClusterRole %s: %w", ClusterRoleName, err)
	}
	return cr, nil
}

func (r *Reconciler) ensureClusterRole(ctx context.Context, cfg *v1beta1.AKOConfig) error {
	desired := DesiredClusterRole()
	desired.Annotations = map[string]string{OwnerAnnotation: ownerKey(cfg)}
	current, err := r.currentClusterRole(ctx)
	if err != nil {
		return err
	}
	if current == nil {
		if err := r.Client.Create(ctx, desired); err != nil {
			return fmt.Errorf("creating ClusterRole %s: %w", ClusterRoleName, err)
		}
		return nil
	}
	if changed, updated := clusterRoleChanged(current, desired); changed {
		if err := r.Client.Update(ctx, updated); err != nil {
			return fmt.Errorf("updating ClusterRole %s: %w", ClusterRoleName, err)
		}
	}
	return nil
}

// annotationsChanged reports whether current lacks one of the wanted annotations.
func annotationsChanged(current, wanted map[string]string) bool {
	return labelsChanged(current, wanted)
}
