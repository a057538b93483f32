package akoconfig

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/api/v1beta1"
)

// DesiredServiceAccount is ServiceAccount ako-sa, the identity of the AKO pods.
func DesiredServiceAccount(namespace string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: ServiceAccountName, Namespace: namespace, Labels: objectLabels()},
	}
}

// serviceAccountChanged compares labels and the controller reference only: the token
// controller and OpenShift add secrets and pull secrets that must stay.
func serviceAccountChanged(current, desired *corev1.ServiceAccount) (bool, *corev1.ServiceAccount) {
	if !labelsChanged(current.Labels, desired.Labels) && !ownerChanged(current, desired) {
		return false, nil
	}
	updated := current.DeepCopy()
	updated.Labels = mergeLabels(current.Labels, desired.Labels)
	updated.OwnerReferences = mergeOwner(current.OwnerReferences, desired.OwnerReferences)
	return true, updated
}

func (r *Reconciler) currentServiceAccount(ctx context.Context) (*corev1.ServiceAccount, error) {
	sa := &corev1.ServiceAccount{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: ServiceAccountName}, sa)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading ServiceAccount %s/%s: %w", r.Namespace, ServiceAccountName, err)
	}
	return sa, nil
}

func (r *Reconciler) ensureServiceAccount(ctx context.Context, cfg *v1beta1.AKOConfig) error {
	desired := DesiredServiceAccount(r.Namespace)
	setOwner(desired, cfg)
	current, err := r.currentServiceAccount(ctx)
	if err != nil {
		return err
	}
	if current == nil {
		if err := r.Client.Create(ctx, desired); err != nil {
			return fmt.Errorf("creating ServiceAccount %s/%s: %w", r.Namespace, ServiceAccountName, err)
		}
		return nil
	}
	if changed, updated := serviceAccountChanged(current, desired); changed {
		if err := r.Client.Update(ctx, updated); err != nil {
			return fmt.Errorf("updating ServiceAccount %s/%s: %w", r.Namespace, ServiceAccountName, err)
		}
	}
	return nil
}
