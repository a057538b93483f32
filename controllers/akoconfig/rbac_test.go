package akoconfig

import (
	"os"
	"path/filepath"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// TestOperatorRoleCoversWhatItGrants checks the generated operator role (config/rbac,
// from the +kubebuilder:rbac markers) against ClusterRole ako-cr: Kubernetes refuses to
// let the operator grant a permission it does not hold itself.
func TestOperatorRoleCoversWhatItGrants(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.Unmarshal(raw, role); err != nil {
		t.Fatal(err)
	}
	for _, r := range DesiredClusterRole().Rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					if !allows(role.Rules, g, res, v) {
						t.Errorf("operator role lacks %s %s/%s that it grants to %s", v, g, res, ClusterRoleName)
					}
				}
			}
		}
	}
	// And what the operator itself does.
	own := []struct{ group, resource, verb string }{
		{"ako.vmware.com", "akoconfigs", "watch"}, {"ako.vmware.com", "akoconfigs", "update"},
		{"ako.vmware.com", "akoconfigs/status", "update"}, {"ako.vmware.com", "akoconfigs/finalizers", "update"},
		{"", "configmaps", "create"}, {"", "configmaps", "delete"}, {"", "serviceaccounts", "create"},
		{"apps", "statefulsets", "create"}, {"apps", "statefulsets", "delete"}, {"apps", "statefulsets", "watch"},
		{"rbac.authorization.k8s.io", "clusterroles", "update"}, {"rbac.authorization.k8s.io", "clusterrolebindings", "delete"},
		{"networking.k8s.io", "ingressclasses", "create"}, {"events.k8s.io", "events", "create"},
		{"coordination.k8s.io", "leases", "watch"}, {"", "secrets", "watch"},
	}
	for _, p := range own {
		if !allows(role.Rules, p.group, p.resource, p.verb) {
			t.Errorf("operator role lacks %s %s/%s", p.verb, p.group, p.resource)
		}
	}
}
