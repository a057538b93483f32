package akoconfig

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/internal/settings"
)

var (
	cmKey  = client.ObjectKey{Namespace: ns, Name: ConfigMapName}
	stsKey = client.ObjectKey{Namespace: ns, Name: StatefulSetName}
)

func TestCreateRendersEverythingAndBecomesReady(t *testing.T) {
	validSecret(t)
	cfg := waitReady(t, newConfig(t, ns, "ako-config", nil))

	if !controllerutil.ContainsFinalizer(cfg, Finalizer) {
		t.Errorf("finalizer %s not added", Finalizer)
	}
	cm := &corev1.ConfigMap{}
	getObj(t, cmKey, cm)
	if want := DesiredConfigMap(cfg, ns).Data; !equality.Semantic.DeepEqual(cm.Data, want) {
		t.Errorf("ConfigMap data\n%v\nwant\n%v", cm.Data, want)
	}
	if _, err := settings.Parse(cm.Data); err != nil {
		t.Errorf("the workload cannot parse the rendered ConfigMap: %v", err)
	}
	if ref := metav1.GetControllerOf(cm); ref == nil || ref.UID != cfg.UID {
		t.Errorf("ConfigMap controller %v", ref)
	}
	sa := &corev1.ServiceAccount{}
	getObj(t, client.ObjectKey{Namespace: ns, Name: ServiceAccountName}, sa)
	cr := &rbacv1.ClusterRole{}
	getObj(t, client.ObjectKey{Name: ClusterRoleName}, cr)
	if !equality.Semantic.DeepEqual(cr.Rules, DesiredClusterRole().Rules) {
		t.Errorf("ClusterRole rules %v", cr.Rules)
	}
	crb := &rbacv1.ClusterRoleBinding{}
	getObj(t, client.ObjectKey{Name: ClusterRoleBindingName}, crb)
	if crb.Subjects[0].Namespace != ns || crb.RoleRef.Name != ClusterRoleName {
		t.Errorf("ClusterRoleBinding %+v", crb)
	}
	ic := &networkingv1.IngressClass{}
	getObj(t, client.ObjectKey{Name: IngressClassName}, ic)
	if ic.Spec.Controller != IngressClassController || ic.Annotations[DefaultIngressClassAnnotation] != "true" {
		t.Errorf("IngressClass %+v", ic)
	}
	sts := &appsv1.StatefulSet{}
	getObj(t, stsKey, sts)
	if got := sts.Spec.Template.Annotations[RestartChecksumAnnotation]; got != RestartChecksum(cm) {
		t.Errorf("checksum annotation %q, want %q", got, RestartChecksum(cm))
	}
	if sts.Spec.Template.Spec.Containers[0].Image != "example.com/ako:test" {
		t.Errorf("image %s, want the operator's --ako-image", sts.Spec.Template.Spec.Containers[0].Image)
	}
	if *sts.Spec.Replicas != 1 {
		t.Errorf("replicas %d", *sts.Spec.Replicas)
	}
	waitCondition(t, cfg, v1beta1.ConditionDegraded, metav1.ConditionFalse, ReasonAsExpected)
	waitCondition(t, cfg, v1beta1.ConditionAvailable, metav1.ConditionFalse, ReasonWorkloadNotReady)
	waitCondition(t, cfg, v1beta1.ConditionProgressing, metav1.ConditionTrue, ReasonRollingOut)
	waitEvent(t, cfg, corev1.EventTypeNormal, "Ready")

	// Play the StatefulSet controller and kubelet: the pod is up.
	sts.Status = appsv1.StatefulSetStatus{Replicas: 1, ReadyReplicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1,
		CurrentReplicas: 1, ObservedGeneration: sts.Generation}
	if err := k.Status().Update(testCtx, sts); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, cfg, v1beta1.ConditionAvailable, metav1.ConditionTrue, ReasonWorkloadReady)
	waitCondition(t, cfg, v1beta1.ConditionProgressing, metav1.ConditionFalse, ReasonAsExpected)
	waitEvent(t, cfg, corev1.EventTypeNormal, "Available")
}

func TestLiveUpdateReachesConfigMapWithoutRestart(t *testing.T) {
	validSecret(t)
	cfg := waitReady(t, newConfig(t, ns, "ako-config", nil))
	before := &appsv1.StatefulSet{}
	getObj(t, stsKey, before)

	patchConfig(t, cfg, func(c *v1beta1.AKOConfig) {
		c.Spec.AKOSettings.LogLevel = "DEBUG"
		c.Spec.AKOSettings.EnableEvents = ptr.To(false)
	})
	eventually(t, "logLevel and enableEvents in the ConfigMap", func() error {
		cm := &corev1.ConfigMap{}
		if err := k.Get(testCtx, cmKey, cm); err != nil {
			return err
		}
		if cm.Data[settings.KeyLogLevel] != "DEBUG" || cm.Data[settings.KeyEnableEvents] != "false" {
			return fmt.Errorf("logLevel %q enableEvents %q", cm.Data[settings.KeyLogLevel], cm.Data[settings.KeyEnableEvents])
		}
		return nil
	})
	waitReady(t, cfg)
	after := &appsv1.StatefulSet{}
	getObj(t, stsKey, after)
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("StatefulSet was written (resourceVersion %s -> %s); a live setting must not restart AKO",
			before.ResourceVersion, after.ResourceVersion)
	}
	if a, b := after.Spec.Template.Annotations[RestartChecksumAnnotation], before.Spec.Template.Annotations[RestartChecksumAnnotation]; a != b {
		t.Errorf("checksum changed %s -> %s", b, a)
	}
}

func TestRestartUpdateRollsStatefulSet(t *testing.T) {
	validSecret(t)
	cfg := waitReady(t, newConfig(t, ns, "ako-config", nil))
	before := &appsv1.StatefulSet{}
	getObj(t, stsKey, before)

	patchConfig(t, cfg, func(c *v1beta1.AKOConfig) { c.Spec.ControllerSettings.CloudName = "Other-Cloud" })
	eventually(t, "checksum follows the new cloudName", func() error {
		cm, sts := &corev1.ConfigMap{}, &appsv1.StatefulSet{}
		if err := k.Get(testCtx, cmKey, cm); err != nil {
			return err
		}
		if err := k.Get(testCtx, stsKey, sts); err != nil {
			return err
		}
		got := sts.Spec.Template.Annotations[RestartChecksumAnnotation]
		if cm.Data[settings.KeyCloudName] != "Other-Cloud" || got != RestartChecksum(cm) || got == before.Spec.Template.Annotations[RestartChecksumAnnotation] {
			return fmt.Errorf("cloudName %q checksum %s", cm.Data[settings.KeyCloudName], got)
		}
		return nil
	})
	waitEvent(t, getConfig(t, cfg), corev1.EventTypeNormal, "RestartingAKO")
}

// TestNoOpReconcileWritesNothing asserts that once the world matches the AKOConfig a
// reconcile issues no write at all, both in the running operator and in a freshly started
// one (an operator restart).
func TestNoOpReconcileWritesNothing(t *testing.T) {
	validSecret(t)
	cfg := waitReady(t, newConfig(t, ns, "ako-config", nil))
	req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(cfg)}

	// A second reconciler sharing the running operator's cache, with its own counter.
	probe := &countingClient{Client: writes.Client}
	r := &Reconciler{Client: probe, Namespace: ns, Image: rec.Image, CleanupTimeout: rec.CleanupTimeout, Clock: clk}
	// The running operator may still be finishing its own reconciles: wait for one quiet pass.
	eventually(t, "a reconcile that writes nothing", func() error {
		n := probe.count()
		if _, err := r.Reconcile(testCtx, req); err != nil {
			return err
		}
		if w := probe.since(n); len(w) > 0 {
			return fmt.Errorf("wrote %v", w)
		}
		return nil
	})
	n := probe.count()
	for i := 0; i < 5; i++ {
		if _, err := r.Reconcile(testCtx, req); err != nil {
			t.Fatal(err)
		}
	}
	if w := probe.since(n); len(w) != 0 {
		t.Errorf("5 reconciles of an unchanged world wrote %d times: %v", len(w), w)
	}

	// A restarted operator: new manager, new cache, first reconcile.
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: scheme, Cache: CacheOptions(ns), Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx)
	defer cancel()
	go func() { _ = mgr.Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	fresh := &countingClient{Client: mgr.GetClient()}
	r2 := &Reconciler{Client: fresh, Namespace: ns, Image: rec.Image, CleanupTimeout: rec.CleanupTimeout, Clock: clk}
	if _, err := r2.Reconcile(ctx, req); err != nil {
		t.Fatal(err)
	}
	if w := fresh.since(0); len(w) != 0 {
		t.Errorf("a restarted operator wrote %d times on an unchanged world: %v", len(w), w)
	}
}

func TestDriftIsRepaired(t *testing.T) {
	validSecret(t)
	waitReady(t, newConfig(t, ns, "ako-config", nil))

	cases := []struct {
		name     string
		obj      client.Object
		key      client.ObjectKey
		tamper   func(client.Object) // nil = delete
		repaired func(client.Object) error
	}{
		{"ConfigMap value edited", &corev1.ConfigMap{}, cmKey,
			func(o client.Object) { o.(*corev1.ConfigMap).Data[settings.KeyControllerIP] = "6.6.6.6" },
			func(o client.Object) error {
				if v := o.(*corev1.ConfigMap).Data[settings.KeyControllerIP]; v != "127.0.0.1:8443" {
					return fmt.Errorf("controllerIP %q", v)
				}
				return nil
			}},
		{"ConfigMap deleted", &corev1.ConfigMap{}, cmKey, nil, nil},
		{"StatefulSet image edited", &appsv1.StatefulSet{}, stsKey,
			func(o client.Object) { o.(*appsv1.StatefulSet).Spec.Template.Spec.Containers[0].Image = "evil:1" },
			func(o client.Object) error {
				if img := o.(*appsv1.StatefulSet).Spec.Template.Spec.Containers[0].Image; img != "example.com/ako:test" {
					return fmt.Errorf("image %s", img)
				}
				return nil
			}},
		{"StatefulSet deleted", &appsv1.StatefulSet{}, stsKey, nil, nil},
		{"ServiceAccount deleted", &corev1.ServiceAccount{}, client.ObjectKey{Namespace: ns, Name: ServiceAccountName}, nil, nil},
		{"ClusterRole widened", &rbacv1.ClusterRole{}, client.ObjectKey{Name: ClusterRoleName},
			func(o client.Object) { o.(*rbacv1.ClusterRole).Rules[0].Verbs = []string{"*"} },
			func(o client.Object) error {
				if !equality.Semantic.DeepEqual(o.(*rbacv1.ClusterRole).Rules, DesiredClusterRole().Rules) {
					return fmt.Errorf("rules %v", o.(*rbacv1.ClusterRole).Rules)
				}
				return nil
			}},
		{"ClusterRole deleted", &rbacv1.ClusterRole{}, client.ObjectKey{Name: ClusterRoleName}, nil, nil},
		{"ClusterRoleBinding subject added", &rbacv1.ClusterRoleBinding{}, client.ObjectKey{Name: ClusterRoleBindingName},
			func(o client.Object) {
				b := o.(*rbacv1.ClusterRoleBinding)
				b.Subjects = append(b.Subjects, rbacv1.Subject{Kind: "User", Name: "mallory", APIGroup: rbacv1.GroupName})
			},
			func(o client.Object) error {
				if n := len(o.(*rbacv1.ClusterRoleBinding).Subjects); n != 1 {
					return fmt.Errorf("%d subjects", n)
				}
				return nil
			}},
		{"ClusterRoleBinding deleted", &rbacv1.ClusterRoleBinding{}, client.ObjectKey{Name: ClusterRoleBindingName}, nil, nil},
		{"IngressClass default annotation removed", &networkingv1.IngressClass{}, client.ObjectKey{Name: IngressClassName},
			func(o client.Object) {
				delete(o.(*networkingv1.IngressClass).Annotations, DefaultIngressClassAnnotation)
			},
			func(o client.Object) error {
				if o.GetAnnotations()[DefaultIngressClassAnnotation] != "true" {
					return fmt.Errorf("annotations %v", o.GetAnnotations())
				}
				return nil
			}},
		{"IngressClass deleted", &networkingv1.IngressClass{}, client.ObjectKey{Name: IngressClassName}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			getObj(t, c.key, c.obj)
			oldUID := c.obj.GetUID()
			if c.tamper == nil {
				if err := k.Delete(testCtx, c.obj); err != nil {
					t.Fatal(err)
				}
			} else {
				c.tamper(c.obj)
				if err := k.Update(testCtx, c.obj); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, "repaired", func() error {
				fresh := c.obj.DeepCopyObject().(client.Object)
				if err := k.Get(testCtx, c.key, fresh); err != nil {
					return err
				}
				if c.tamper == nil {
					if fresh.GetUID() == oldUID {
						return fmt.Errorf("not deleted yet")
					}
					return nil
				}
				return c.repaired(fresh)
			})
		})
	}
}

func TestMissingSecretDegradesThenRecovers(t *testing.T) {
	cfg := newConfig(t, ns, "ako-config", nil)
	c := waitCondition(t, cfg, v1beta1.ConditionDegraded, metav1.ConditionTrue, ReasonSecretMissing)
	if !strings.Contains(c.Message, "avi-system/avi-secret not found") {
		t.Errorf("message %q", c.Message)
	}
	if got := getConfig(t, cfg); got.Status.State != v1beta1.StateError {
		t.Errorf("state %q, want Error", got.Status.State)
	}
	waitEvent(t, getConfig(t, cfg), corev1.EventTypeWarning, ReasonSecretMissing)
	if err := k.Get(testCtx, cmKey, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap rendered without credentials: %v", err)
	}

	validSecret(t) // no restart, no touch of the AKOConfig: the Secret watch recovers it
	waitReady(t, cfg)
	waitCondition(t, cfg, v1beta1.ConditionDegraded, metav1.ConditionFalse, ReasonAsExpected)
	waitEvent(t, getConfig(t, cfg), corev1.EventTypeNormal, "Recovered")
}

func TestMalformedSecretDegradesThenRecovers(t *testing.T) {
	const password = "Sup3r-Secret-Pw"
	createSecret(t, map[string]string{"password": password, "certificateAuthorityData": "not a certificate"})
	cfg := newConfig(t, ns, "ako-config", nil)
	c := waitCondition(t, cfg, v1beta1.ConditionDegraded, metav1.ConditionTrue, ReasonSecretInvalid)
	for _, want := range []string{`"username" is missing`, `"certificateAuthorityData" is not PEM`} {
		if !strings.Contains(c.Message, want) {
			t.Errorf("message %q lacks %q", c.Message, want)
		}
	}
	note := waitEvent(t, getConfig(t, cfg), corev1.EventTypeWarning, ReasonSecretInvalid)
	if strings.Contains(note, password) || strings.Contains(c.Message, password) {
		t.Error("the Secret's password leaked into status or an Event")
	}

	s := &corev1.Secret{}
	getObj(t, client.ObjectKey{Namespace: ns, Name: SecretName}, s)
	s.Data = map[string][]byte{"username": []byte("admin"), "authtoken": []byte("tok")}
	if err := k.Update(testCtx, s); err != nil {
		t.Fatal(err)
	}
	waitReady(t, cfg)
}

func TestSecondAKOConfigIsDegradedAndTouchesNothing(t *testing.T) {
	validSecret(t)
	first := waitReady(t, newConfig(t, ns, "first", nil))
	second := newConfig(t, ns, "second", func(c *v1beta1.AKOConfig) { c.Spec.ControllerSettings.CloudName = "Second-Cloud" })
	c := waitCondition(t, second, v1beta1.ConditionDegraded, metav1.ConditionTrue, ReasonNotActive)
	if !strings.Contains(c.Message, "avi-system/first") {
		t.Errorf("message %q does not name the active AKOConfig", c.Message)
	}
	waitEvent(t, getConfig(t, second), corev1.EventTypeWarning, ReasonNotActive)

	if err := k.Create(testCtx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	other := newConfig(t, "elsewhere", "stray", nil)
	c = waitCondition(t, other, v1beta1.ConditionDegraded, metav1.ConditionTrue, ReasonWrongNamespace)
	if !strings.Contains(c.Message, "only AKOConfigs in namespace avi-system") || !strings.Contains(c.Message, "avi-system/first") {
		t.Errorf("message %q", c.Message)
	}

	cm := &corev1.ConfigMap{}
	getObj(t, cmKey, cm)
	if cm.Data[settings.KeyCloudName] != "Default-Cloud" || metav1.GetControllerOf(cm).UID != first.UID {
		t.Errorf("the inactive AKOConfig changed the ConfigMap: cloud %q owner %v", cm.Data[settings.KeyCloudName], metav1.GetControllerOf(cm))
	}
	for _, cfg := range []*v1beta1.AKOConfig{second, other} {
		if controllerutil.ContainsFinalizer(getConfig(t, cfg), Finalizer) {
			t.Errorf("%s got the finalizer", cfg.Name)
		}
	}
	if state := getConfig(t, first).Status.State; state != v1beta1.StateReady {
		t.Errorf("the active AKOConfig left Ready: %s", state)
	}
}

func TestDeletionWaitsForWorkloadCleanup(t *testing.T) {
	validSecret(t)
	cfg := waitReady(t, newConfig(t, ns, "ako-config", nil))
	if err := k.Delete(testCtx, cfg); err != nil {
		t.Fatal(err)
	}
	c := waitCondition(t, cfg, v1beta1.ConditionProgressing, metav1.ConditionTrue, ReasonCleaningUp)
	if !strings.Contains(c.Message, "AviObjectDeletionStatus=Done") {
		t.Errorf("progress message %q", c.Message)
	}
	cm := &corev1.ConfigMap{}
	getObj(t, cmKey, cm)
	if cm.Data[settings.KeyDeleteConfig] != "true" {
		t.Fatalf("deleteConfig %q, want true while deleting", cm.Data[settings.KeyDeleteConfig])
	}
	// Still waiting: nothing removed yet.
	if err := k.Get(testCtx, stsKey, &appsv1.StatefulSet{}); err != nil {
		t.Fatalf("StatefulSet removed before AKO reported its cleanup: %v", err)
	}
	reportDeletion(settings.DeletionStarted)
	if err := k.Get(testCtx, client.ObjectKeyFromObject(cfg), &v1beta1.AKOConfig{}); err != nil {
		t.Fatalf("AKOConfig gone while AKO only started its cleanup: %v", err)
	}
	reportDeletion(settings.DeletionDone)
	eventually(t, "AKOConfig gone", func() error {
		if err := k.Get(testCtx, client.ObjectKeyFromObject(cfg), &v1beta1.AKOConfig{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there: %v", err)
		}
		return nil
	})
	assertAllRemoved(t)
	waitEvent(t, cfg, corev1.EventTypeNormal, "AviCleanupDone")
}

func TestDeletionWithoutWorkloadTimesOut(t *testing.T) {
	validSecret(t)
	cfg := waitReady(t, newConfig(t, ns, "ako-config", nil))
	if err := k.Delete(testCtx, cfg); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, cfg, v1beta1.ConditionProgressing, metav1.ConditionTrue, ReasonCleaningUp)
	// No pod runs in this cluster, so nobody reports Done: let the (fake) clock pass the
	// timeout and nudge a reconcile.
	clk.Step(rec.CleanupTimeout + time.Second)
	patchConfig(t, cfg, func(c *v1beta1.AKOConfig) {
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations["test/nudge"] = "1"
	})
	eventually(t, "AKOConfig gone after the timeout", func() error {
		if err := k.Get(testCtx, client.ObjectKeyFromObject(cfg), &v1beta1.AKOConfig{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there: %v", err)
		}
		return nil
	})
	assertAllRemoved(t)
	note := waitEvent(t, cfg, corev1.EventTypeWarning, "CleanupTimedOut")
	if !strings.Contains(note, "test-cluster") {
		t.Errorf("event note %q does not name the cluster", note)
	}
}

func assertAllRemoved(t *testing.T) {
	t.Helper()
	for _, o := range []struct {
		obj client.Object
		key client.ObjectKey
	}{
		{&corev1.ConfigMap{}, cmKey},
		{&appsv1.StatefulSet{}, stsKey},
		{&corev1.ServiceAccount{}, client.ObjectKey{Namespace: ns, Name: ServiceAccountName}},
		{&rbacv1.ClusterRole{}, client.ObjectKey{Name: ClusterRoleName}},
		{&rbacv1.ClusterRoleBinding{}, client.ObjectKey{Name: ClusterRoleBindingName}},
		{&networkingv1.IngressClass{}, client.ObjectKey{Name: IngressClassName}},
	} {
		if err := k.Get(testCtx, o.key, o.obj); !apierrors.IsNotFound(err) {
			t.Errorf("%T %s not removed: %v", o.obj, o.key, err)
		}
	}
}
