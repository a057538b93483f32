package packaging

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/controllers/akoconfig"
	"github.com/akoproject/ako/test/kubeenv"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The operator runs as the CSV's service account with exactly the CSV's permissions, on
// an API server that enforces RBAC (including escalation prevention when the operator
// creates ClusterRole ako-cr), and the sample reaches Ready. A copy of the permissions
// without one rule the operator hands to AKO must fail: that shows the test can tell.
func TestCSVPermissionsAreSufficient(t *testing.T) {
	_, admin, kubeconfig := startCluster(t, kubeenv.Options{APIServerArgs: map[string]string{"authorization-mode": "RBAC"}})
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
	grant := func(perms []operatorsv1alpha1.StrategyDeploymentPermissions, cluster bool, withoutResource string) {
		for i, p := range perms {
			if p.ServiceAccountName != sa {
				t.Fatalf("permissions for service account %q, the deployment runs as %q", p.ServiceAccountName, sa)
			}
			var rules []rbacv1.PolicyRule
			for _, r := range p.Rules {
				r = *r.DeepCopy()
				r.Resources = slices.DeleteFunc(r.Resources, func(res string) bool { return res == withoutResource })
				if len(r.Resources) > 0 || len(r.NonResourceURLs) > 0 {
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
				err := admin.Create(ctx, o)
				if apierrors.IsAlreadyExists(err) {
					// A second grant of the same permissions: only the rules differ.
					err = replaceRules(ctx, admin, o)
				}
				if err != nil {
					t.Fatalf("granting %s: %v", name, err)
				}
			}
		}
	}
	// The operator's identity: its service account, as the kubelet-mounted token would be.
	asOperator := impersonating(t, kubeconfig, fmt.Sprintf("system:serviceaccount:%s:%s", operatorNamespace, sa),
		"system:serviceaccounts", "system:serviceaccounts:"+operatorNamespace, "system:authenticated")

	createAviSecret(t, admin)
	sample := bundleSample(t)
	if err := admin.Create(ctx, sample); err != nil {
		t.Fatalf("creating the bundle's sample: %v", err)
	}
	key := client.ObjectKeyFromObject(sample)

	// Without the permission to read nodes, the operator may not grant it to AKO.
	grant(install.Permissions, false, "")
	grant(install.ClusterPermissions, true, "nodes")
	stop := startOperator(t, asOperator)
	cfg := waitForState(t, admin, key, v1beta1.StateError, time.Minute)
	if msg := degradedMessage(cfg); !strings.Contains(msg, "forbidden") {
		t.Errorf("with a rule missing the operator failed for another reason: %s", describeStatus(cfg))
	}
	stop()

	// Exactly the CSV's permissions.
	grant(install.ClusterPermissions, true, "")
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

// replaceRules updates the rules of an existing Role or ClusterRole; bindings are left as
// they are.
func replaceRules(ctx context.Context, c client.Client, o client.Object) error {
	switch want := o.(type) {
	case *rbacv1.ClusterRole:
		cur := &rbacv1.ClusterRole{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(want), cur); err != nil {
			return err
		}
		cur.Rules = want.Rules
		return c.Update(ctx, cur)
	case *rbacv1.Role:
		cur := &rbacv1.Role{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(want), cur); err != nil {
			return err
		}
		cur.Rules = want.Rules
		return c.Update(ctx, cur)
	}
	return nil
}
