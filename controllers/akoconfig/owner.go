package akoconfig

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/akoproject/ako/api/v1beta1"
)

// setOwner makes cfg the controller of a namespaced object, so that it is garbage
// collected with the AKOConfig even when the operator is gone.
func setOwner(obj metav1.Object, cfg *v1beta1.AKOConfig) {
	obj.SetOwnerReferences([]metav1.OwnerReference{{
		APIVersion:         v1beta1.GroupVersion.String(),
		Kind:               "AKOConfig",
		Name:               cfg.Name,
		UID:                cfg.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}})
}

// controllerOf returns the controller reference of obj's references, or nil.
func controllerOf(refs []metav1.OwnerReference) *metav1.OwnerReference {
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	return nil
}

// ownerChanged reports whether current's controller reference differs from desired's.
func ownerChanged(current, desired metav1.Object) bool {
	want := controllerOf(desired.GetOwnerReferences())
	have := controllerOf(current.GetOwnerReferences())
	if want == nil {
		return false
	}
	return have == nil || have.UID != want.UID || have.Name != want.Name || have.Kind != want.Kind
}

// mergeOwner keeps current's non-controller references and sets desired's controller.
func mergeOwner(current, desired []metav1.OwnerReference) []metav1.OwnerReference {
	want := controllerOf(desired)
	if want == nil {
		return current
	}
	out := []metav1.OwnerReference{*want}
	for _, ref := range current {
		if ref.Controller == nil || !*ref.Controller {
			out = append(out, ref)
		}
	}
	return out
}

// ownerKey is the namespace/name written into OwnerAnnotation.
func ownerKey(cfg *v1beta1.AKOConfig) string { return cfg.Namespace + "/" + cfg.Name }
