package akoconfig

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestServiceAccountChanged(t *testing.T) {
	cfg := defaultedConfig()
	desired := DesiredServiceAccount("avi-system")
	setOwner(desired, cfg)
	cases := []struct {
		name    string
		edit    func(*corev1.ServiceAccount)
		changed bool
	}{
		{"identical", func(*corev1.ServiceAccount) {}, false},
		{"pull secrets added by the platform are kept", func(sa *corev1.ServiceAccount) {
			sa.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "ako-sa-dockercfg"}}
		}, false},
		{"owner removed", func(sa *corev1.ServiceAccount) { sa.OwnerReferences = nil }, true},
		{"label removed", func(sa *corev1.ServiceAccount) { sa.Labels = nil }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			current := desired.DeepCopy()
			c.edit(current)
			changed, updated := serviceAccountChanged(current, desired)
			if changed != c.changed {
				t.Fatalf("changed = %v, want %v", changed, c.changed)
			}
			if changed {
				if again, _ := serviceAccountChanged(updated, desired); again {
					t.Error("updated copy still differs")
				}
			}
		})
	}
}
