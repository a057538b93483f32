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

// DesiredClusterRoleBinding is ClusterRoleBinding ako-crb: ClusterRole ako-cr for
// ServiceAccount ako-sa of the AKO namespace.
func DesiredClusterRoleBinding(namespace string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ClusterRoleBindingName, Labels: objectLabels()},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ClusterRoleName},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: ServiceAccountName, Namespace: namespace}},
	}
}

// clusterRoleBindingChanged compares subjects, labels and the owner annotation. roleRef is
// immutable, so a different roleRef is reported separately: the binding must be replaced.
func clusterRoleBindingChanged(current, desired *rbacv1.ClusterRoleBinding) (changed, replace bool, updated *rbacv1.ClusterRoleBinding) {
	if current.RoleRef != desired.RoleRef {
		return true, true, nil
	}
	if equality.Semantic.DeepEqual(current.Subjects, desired.Subjects) &&
		!labelsChanged(current.Labels, desired.Labels) && !annotationsChanged(current.Annotations, desired.Annotations) {
		return false, false, nil
	}
	updated = current.DeepCopy()
	updated.Subjects = desired.Subjects
	updated.Labels = mergeLabels(current.Labels, desired.Labels)
	updated.Annotations = mergeLabels(current.Annotations, desired.Annotations)
	return true, false, updated
}

func (r *Reconciler) currentClusterRoleBinding(ctx context.Context) (*rbacv1.ClusterRoleBinding, error) {
	crb := &rbacv1.ClusterRoleBinding{}
	err := r.Client.Get(ctx, client.ObjectKey{Name: ClusterRoleBindingName}, crb)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading ClusterRoleBinding %s: %w", ClusterRoleBindingName, err)
	}
	return crb, nil
}

func (r *Reconciler) ensureClusterRoleBinding(ctx context.Context, cfg *v1beta1.AKOConfig) error {
	desired := DesiredClusterRoleBinding(r.Namespace)
	desired.Annotations = map[string]string{OwnerAnnotation: ownerKey(cfg)}
	current, err := r.currentClusterRoleBinding(ctx)
	if err != nil {
		return err
	}
	if current != nil {
		changed, replace, updated := clusterRoleBindingChanged(current, desired)
		switch {
		case !changed:
			return nil
		case !replace:
			if err := r.Client.Update(ctx, updated); err != nil {
				return fmt.Errorf("updating ClusterRoleBinding %s: %w", ClusterRoleBindingName, err)
			}
			return nil
		}
		if err := r.Client.Delete(ctx, current); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("replacing ClusterRoleBinding %s (roleRef is immutable): %w", ClusterRoleBindingName, err)
		}
	}
	if err := r.Client.Create(ctx, desired); err != nil {
		return fmt.Errorf("creating ClusterRoleBinding %s: %w", ClusterRoleBindingName, err)
	}
	return nil
}
