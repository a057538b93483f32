package packaging

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/test/kubeenv"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// startCluster starts envtest and returns an admin client and a kubeconfig file for the
// helm and kubectl binaries.
func startCluster(t *testing.T, opts kubeenv.Options) (*kubeenv.Env, client.Client, string) {
	t.Helper()
	env, err := kubeenv.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Logf("stopping envtest: %v", err)
		}
	})
	admin, err := env.AddUser(envtest.User{Name: "packaging-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatalf("adding an admin user: %v", err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(admin.Config(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return env, c, path
}

func createNamespace(t *testing.T, c client.Client, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

func helmCmd(t *testing.T, kubeconfig string, args ...string) string {
	t.Helper()
	env := []string{"KUBECONFIG=" + kubeconfig, "HELM_CACHE_HOME=" + t.TempDir(), "HELM_CONFIG_HOME=" + t.TempDir(), "HELM_DATA_HOME=" + t.TempDir()}
	out, err := run(t, env, tool(t, "helm"), args...)
	if err != nil {
		t.Fatalf("helm %v: %v\n%s", args, err, out)
	}
	return out
}

// A real helm install, upgrade and uninstall against a real apiserver.
func TestHelmInstallUpgradeUninstall(t *testing.T) {
	_, c, kubeconfig := startCluster(t, kubeenv.Options{})
	ctx := context.Background()
	createNamespace(t, c, "avi-system")
	ns := func(name string) types.NamespacedName {
		return types.NamespacedName{Namespace: "avi-system", Name: name}
	}
	cluster := func(name string) types.NamespacedName { return types.NamespacedName{Name: name} }

	out := helmCmd(t, kubeconfig, "install", "ako", chartDir, "--namespace", "avi-system", "-f", testValuesFile)
	if want := "rollout status statefulset/ako"; !strings.Contains(out, want) {
		t.Errorf("install output lacks the NOTES hint %q:\n%s", want, out)
	}

	var cm corev1.ConfigMap
	var secret corev1.Secret
	var sts appsv1.StatefulSet
	var sa corev1.ServiceAccount
	var cr rbacv1.ClusterRole
	var crb rbacv1.ClusterRoleBinding
	var ic networkingv1.IngressClass
	for _, o := range []struct {
		key types.NamespacedName
		obj client.Object
	}{
		{ns(settings.ConfigMapName), &cm}, {ns(settings.SecretName), &secret}, {ns("ako"), &sts},
		{ns("ako-sa"), &sa}, {cluster("ako-cr"), &cr}, {cluster("ako-crb"), &crb}, {cluster("avi-lb"), &ic},
	} {
		if err := c.Get(ctx, o.key, o.obj); err != nil {
			t.Fatalf("after helm install: %v", err)
		}
	}
	if _, err := settings.Parse(cm.Data); err != nil {
		t.Errorf("installed ConfigMap is rejected by the workload: %v", err)
	}
	if string(secret.Data[settings.SecretKeyPassword]) != "not-a-real-password" {
		t.Errorf("avi-secret has no password from avicredentials")
	}
	if crb.Subjects[0].Name != "ako-sa" || crb.Subjects[0].Namespace != "avi-system" || crb.RoleRef.Name != "ako-cr" {
		t.Errorf("binding %+v does not bind ako-cr to avi-system/ako-sa", crb)
	}
	firstGen := sts.Generation
	firstSum := sts.Spec.Template.Annotations[checksumAnnotation]

	// A live setting: the ConfigMap changes, the pod template does not.
	helmCmd(t, kubeconfig, "upgrade", "ako", chartDir, "--namespace", "avi-system", "-f", testValuesFile, "--set", "AKOSettings.logLevel=DEBUG")
	mustGet(t, c, ns(settings.ConfigMapName), &cm)
	mustGet(t, c, ns("ako"), &sts)
	if cm.Data[settings.KeyLogLevel] != "DEBUG" {
		t.Errorf("logLevel %q after upgrade, want DEBUG", cm.Data[settings.KeyLogLevel])
	}
	if sts.Generation != firstGen || sts.Spec.Template.Annotations[checksumAnnotation] != firstSum {
		t.Errorf("a logLevel change rolled the StatefulSet (generation %d -> %d)", firstGen, sts.Generation)
	}

	// A restart setting: the pod template changes, so the StatefulSet rolls its pods.
	helmCmd(t, kubeconfig, "upgrade", "ako", chartDir, "--namespace", "avi-system", "-f", testValuesFile,
		"--set", "AKOSettings.logLevel=DEBUG", "--set", "L7Settings.shardVSSize=SMALL")
	mustGet(t, c, ns(settings.ConfigMapName), &cm)
	mustGet(t, c, ns("ako"), &sts)
	if cm.Data[settings.KeyShardVSSize] != "SMALL" {
		t.Errorf("shardVSSize %q after upgrade, want SMALL", cm.Data[settings.KeyShardVSSize])
	}
	if sts.Generation == firstGen || sts.Spec.Template.Annotations[checksumAnnotation] == firstSum {
		t.Errorf("a shardVSSize change did not change the pod template (generation %d, checksum %s)", sts.Generation, firstSum)
	}

	// Credentials from a Secret the user manages under another name.
	own := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "avi-system", Name: "my-avi-creds"},
		Data:       map[string][]byte{settings.SecretKeyUsername: []byte("ops"), settings.SecretKeyAuthToken: []byte("tok")},
	}
	if err := c.Create(ctx, own); err != nil {
		t.Fatal(err)
	}
	helmCmd(t, kubeconfig, "upgrade", "ako", chartDir, "--namespace", "avi-system", "-f", testValuesFile,
		"--set", "avicredentials.existingSecret=my-avi-creds")
	mustGet(t, c, ns(settings.SecretName), &secret)
	if string(secret.Data[settings.SecretKeyUsername]) != "ops" || string(secret.Data[settings.SecretKeyAuthToken]) != "tok" {
		t.Errorf("avi-secret was not copied from my-avi-creds: %v", secret.Data)
	}

	helmCmd(t, kubeconfig, "uninstall", "ako", "--namespace", "avi-system")
	deadline := time.Now().Add(30 * time.Second)
	for _, o := range []struct {
		key types.NamespacedName
		obj client.Object
	}{
		{ns(settings.ConfigMapName), &corev1.ConfigMap{}}, {ns("ako"), &appsv1.StatefulSet{}},
		{cluster("ako-cr"), &rbacv1.ClusterRole{}}, {cluster("avi-lb"), &networkingv1.IngressClass{}},
	} {
		for {
			err := c.Get(ctx, o.key, o.obj)
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s still exists after helm uninstall (err %v)", o.key, err)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// The user's own Secret is not the chart's to delete.
	if err := c.Get(ctx, ns("my-avi-creds"), &corev1.Secret{}); err != nil {
		t.Errorf("helm uninstall touched the user's Secret: %v", err)
	}
}

func mustGet(t *testing.T, c client.Client, key types.NamespacedName, obj client.Object) {
	t.Helper()
	if err := c.Get(context.Background(), key, obj); err != nil {
		t.Fatal(err)
	}
}
