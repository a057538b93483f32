package akoconfig

import (
	"context"
	"fmt"
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/api/v1beta1"
)

// DesiredIngressClass is IngressClass avi-lb (plain Kubernetes only), marked as the
// cluster's default class when l7Settings.defaultIngController is true.
func DesiredIngressClass(cfg *v1beta1.AKOConfig) *networkingv1.IngressClass {
	ic := &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: IngressClassName, Labels: objectLabels()},
		Spec:       networkingv1.IngressClassSpec{Controller: IngressClassController},
	}
	if boolOr(cfg.Spec.L7Settings.DefaultIngController, true) {
		ic.Annotations = map[string]string{DefaultIngressClassAnnotation: "true"}
	}
	return ic
}

// ingressClassChanged compares the controller (immutable: replace reports that the class
// must be recreated), the default-class annotation, labels and the owner annotation.
func ingressClassChanged(current, desired *networkingv1.IngressClass) (changed, replace bool, updated *networkingv1.IngressClass) {
	if current.Spec.Controller != desired.Spec.Controller {
		return true, true, nil
	}
	wantDefault := desired.Annotations[DefaultIngressClassAnnotation] == "true"
	haveDefault, _ := strconv.ParseBool(current.Annotations[DefaultIngressClassAnnotation])
	if wantDefault == haveDefault && current.Annotations[OwnerAnnotation] == desired.Annotations[OwnerAnnotation] &&
		!labelsChanged(current.Labels, desired.Labels) {
		return false, false, nil
	}
	updated = current.DeepCopy()
	updated.Labels = mergeLabels(current.Labels, desired.Labels)
	updated.Annotations = mergeLabels(current.Annotations, desired.Annotations)
	if !wantDefault {
		delete(updated.Annotations, DefaultIngressClassAnnotation)
	}
	return true, false, updated
}

func (r *Reconciler) currentIngressClass(ctx context.Context) (*networkingv1.IngressClass, error) {
	ic := &networkingv1.IngressClass{}
	err := r.Client.Get(ctx, client.ObjectKey{Name: IngressClassName}, ic)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading IngressClass %s: %w", IngressClassName, err)
	}
	return ic, nil
}

// ensureIngressClass keeps IngressClass avi-lb on plain Kubernetes; on OpenShift (Routes
// served) AKO handles Routes instead and no IngressClass is created.
func (r *Reconciler) ensureIngressClass(ctx context.Context, cfg *v1beta1.AKOConfig) error {
	if r.OpenShift {
		return nil
	}
	desired := DesiredIngressClass(cfg)
	if desired.Annotations == nil {
		desired.Annotations = map[string]string{}
	}
	desired.Annotations[OwnerAnnotation] = ownerKey(cfg)
	current, err := r.currentIngressClass(ctx)
	if err != nil {
		return err
	}
	if current != nil {
		changed, replace, updated := ingressClassChanged(current, desired)
		switch {
		case !changed:
			return nil
		case !replace:
			if err := r.Client.Update(ctx, updated); err != nil {
				return fmt.Errorf("updating IngressClass %s: %w", IngressClassName, err)
			}
			return nil
		}
		if err := r.Client.Delete(ctx, current); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("replacing IngressClass %s (controller is immutable): %w", IngressClassName, err)
		}
	}
	if err := r.Client.Create(ctx, desired); err != nil {
		return fmt.Errorf("creating IngressClass %s: %w", IngressClassName, err)
	}
	return nil
}
