package akoconfig

import (
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// allows reports whether rules grant verb on group/resource.
func allows(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	for _, r := range rules {
		if (slices.Contains(r.APIGroups, group) || slices.Contains(r.APIGroups, "*")) &&
			(slices.Contains(r.Resources, resource) || slices.Contains(r.Resources, "*")) &&
			(slices.Contains(r.Verbs, verb) || slices.Contains(r.Verbs, "*")) {
			return true
		}
	}
	return false
}

func TestDesiredClusterRoleIsLeastPrivilege(t *testing.T) {
	rules := DesiredClusterRole().Rules
	cases := []struct {
		group, resource, verb string
		allowed               bool
	}{
		{"", "services", "watch", true},
		{"", "services/status", "update", true},
		{"discovery.k8s.io", "endpointslices", "list", true},
		{"", "nodes", "list", true},
		{"", "namespaces", "watch", true},
		{"", "pods", "get", true},
		{"", "secrets", "get", true},
		{"", "configmaps", "watch", true},
		{"", "events", "create", true},
		{"events.k8s.io", "events", "patch", true},
		{"coordination.k8s.io", "leases", "update", true},
		{"route.openshift.io", "routes", "list", true},
		{"route.openshift.io", "routes/status", "patch", true},
		{"networking.k8s.io", "ingresses", "watch", true},
		{"networking.k8s.io", "ingresses/status", "update", true},
		{"networking.k8s.io", "ingressclasses", "get", true},
		{"apps", "statefulsets", "patch", true},
		// Nothing beyond what the workload needs.
		{"", "secrets", "create", false},
		{"", "secrets", "update", false},
		{"", "configmaps", "update", false},
		{"", "pods", "delete", false},
		{"", "pods", "list", false},
		{"", "nodes", "update", false},
		{"apps", "statefulsets", "delete", false},
		{"apps", "deployments", "get", false},
		{"route.openshift.io", "routes", "delete", false},
		{"rbac.authorization.k8s.io", "clusterroles", "get", false},
		{"coordination.k8s.io", "leases", "delete", false},
	}
	for _, c := range cases {
		if got := allows(rules, c.group, c.resource, c.verb); got != c.allowed {
			t.Errorf("%s %s/%s: allowed = %v, want %v", c.verb, c.group, c.resource, got, c.allowed)
		}
	}
	for _, r := range rules {
		if slices.Contains(r.Verbs, "*") || slices.Contains(r.Resources, "*") || slices.Contains(r.APIGroups, "*") {
			t.Errorf("wildcard rule %+v", r)
		}
	}
}

func TestClusterRoleChanged(t *testing.T) {
	desired := DesiredClusterRole()
	desired.Annotations = map[string]string{OwnerAnnotation: "avi-system/a"}
	cases := []struct {
		name    string
		edit    func(*rbacv1.ClusterRole)
		changed bool
	}{
		{"identical", func(*rbacv1.ClusterRole) {}, false},
		{"foreign label kept", func(c *rbacv1.ClusterRole) { c.Labels["x"] = "y" }, false},
		{"rule removed", func(c *rbacv1.ClusterRole) { c.Rules = c.Rules[1:] }, true},
		{"rule widened", func(c *rbacv1.ClusterRole) { c.Rules[0].Verbs = []string{"*"} }, true},
		{"aggregation added", func(c *rbacv1.ClusterRole) { c.AggregationRule = &rbacv1.AggregationRule{} }, true},
		{"other owner", func(c *rbacv1.ClusterRole) { c.Annotations[OwnerAnnotation] = "avi-system/b" }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			current := desired.DeepCopy()
			current.Labels = mergeLabels(current.Labels, nil)
			c.edit(current)
			changed, updated := clusterRoleChanged(current, desired)
			if changed != c.changed {
				t.Fatalf("changed = %v, want %v", changed, c.changed)
			}
			if changed {
				if again, _ := clusterRoleChanged(updated, desired); again {
					t.Error("updated copy still differs")
				}
			}
		})
	}
}

func TestClusterRoleBindingChanged(t *testing.T) {
	desired := DesiredClusterRoleBinding("avi-system")
	if desired.Subjects[0].Name != "ako-sa" || desired.Subjects[0].Namespace != "avi-system" || desired.RoleRef.Name != "ako-cr" {
		t.Fatalf("binding %+v", desired)
	}
	cases := []struct {
		name             string
		edit             func(*rbacv1.ClusterRoleBinding)
		changed, replace bool
	}{
		{"identical", func(*rbacv1.ClusterRoleBinding) {}, false, false},
		{"subject added", func(b *rbacv1.ClusterRoleBinding) {
			b.Subjects = append(b.Subjects, rbacv1.Subject{Kind: "User", Name: "mallory"})
		}, true, false},
		{"subject namespace", func(b *rbacv1.ClusterRoleBinding) { b.Subjects[0].Namespace = "default" }, true, false},
		{"roleRef is immutable", func(b *rbacv1.ClusterRoleBinding) { b.RoleRef.Name = "cluster-admin" }, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			current := desired.DeepCopy()
			c.edit(current)
			changed, replace, updated := clusterRoleBindingChanged(current, desired)
			if changed != c.changed || replace != c.replace {
				t.Fatalf("changed, replace = %v, %v; want %v, %v", changed, replace, c.changed, c.replace)
			}
			if changed && !replace {
				if again, _, _ := clusterRoleBindingChanged(updated, desired); again {
					t.Error("updated copy still differs")
				}
			}
		})
	}
}
