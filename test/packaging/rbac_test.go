package packaging

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/controllers/akoconfig"
	"github.com/akoproject/ako/test/kubeenv"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The operator runs as the CSV's service account with exactly the CSV's permissions, on
// an API server that enforces RBAC (including escalation prevention when the operator
// creates ClusterRole ako-cr), and the sample reaches Ready. A copy of the permissions
// without one rule the operator hands to AKO must fail: that shows the test can tell.
func TestCSVPermissionsAreSufficient(t *testing.T) {
	env, admin, _ := startCluster(t, kubeenv.Options{APIServerArgs: map[string]string{"authorization-mode": "RBAC"}})
	if err := v1beta1.AddToScheme(admin.Scheme()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	createNamespace(t, admin, operatorNamespace)

	csv := loadBundle(t).CSV
	install := csv.Spec.InstallStrategy.StrategySpec
	if len(install.DeploymentSpecs) != 1 {
		t.Fatalf("want one deployment in the CSV, got %d", len(install.DeploymentSpecs))
	}
	sa := install.DeploymentSpecs[0].Spec.Template.Spec.ServiceAccountName
	if sa == "" {
		t.Fatal("the CSV's deployment names no service account")
	}
	if err := admin.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: sa}}); err != nil {
		t.Fatal(err)
	}
	// As OLM does: one Role/ClusterRole per permissions entry, bound to its service account.
	grant := func(perms []operatorsv1alpha1.StrategyDeploymentPermissions, cluster bool, drop func(rbacv1.PolicyRule) bool) {
		for i, p := range perms {
			if p.ServiceAccountName != sa {
				t.Fatalf("permissions for service account %q, the deployment runs as %q", p.ServiceAccountName, sa)
			}
			var rules []rbacv1.PolicyRule
			for _, r := range p.Rules {
				if drop == nil || !drop(r) {
					rules = append(rules, r)
				}
			}
			name := fmt.Sprintf("csv-%s-%d", sa, i)
			subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: operatorNamespace}}
			var role, binding client.Object
			if cluster {
				role = &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
				binding = &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subject,
					RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}}
			} else {
				role = &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: name}, Rules: rules}
				binding = &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: name}, Subjects: subject,
					RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}
			}
			for _, o := range []client.Object{role, binding} {
				if err := admin.Create(ctx, o); err != nil {
					if err := admin.Update(ctx, o); err != nil {
						t.Fatalf("granting %s: %v", name, err)
					}
				}
			}
		}
	}
	asOperator := rest.CopyConfig(env.Config)
	asOperator.Impersonate = rest.ImpersonationConfig{
		UserName: fmt.Sprintf("system:serviceaccount:%s:%s", operatorNamespace, sa),
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + operatorNamespace, "system:authenticated"},
	}

	createAviSecret(t, admin)
	sample := bundleSample(t)
	if err := admin.Create(ctx, sample); err != nil {
		t.Fatalf("creating the bundle's sample: %v", err)
	}
	key := client.ObjectKeyFromObject(sample)

	// Without the permission to read nodes, the operator may not grant it to AKO.
	withoutNodes := func(r rbacv1.PolicyRule) bool {
		for _, res := range r.Resources {
			if res == "nodes" {
				return true
			}
		}
		return false
	}
	grant(install.Permissions, false, nil)
	grant(install.ClusterPermissions, true, withoutNodes)
	stop := startOperator(t, asOperator)
	cfg := waitForState(t, admin, key, v1beta1.StateError, time.Minute)
	if msg := degradedMessage(cfg); !strings.Contains(msg, "forbidden") {
		t.Errorf("with a rule missing the operator failed for another reason: %s", describeStatus(cfg))
	}
	stop()

	// Exactly the CSV's permissions.
	grant(install.ClusterPermissions, true, nil)
	startOperator(t, asOperator)
	waitForState(t, admin, key, v1beta1.StateReady, 2*time.Minute)
	for _, o := range []client.Object{&rbacv1.ClusterRole{}, &rbacv1.ClusterRoleBinding{}} {
		name := akoconfig.ClusterRoleName
		if _, ok := o.(*rbacv1.ClusterRoleBinding); ok {
			name = akoconfig.ClusterRoleBindingName
		}
		if err := admin.Get(ctx, client.ObjectKey{Name: name}, o); err != nil {
			t.Errorf("the operator did not create %s: %v", name, err)
		}
	}
}
