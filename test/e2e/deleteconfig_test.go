package e2e

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/internal/workload"
)

func setDeleteConfig(t *testing.T, s *stack, v string) {
	t.Helper()
	patch := []byte(`{"data":{"deleteConfig":"` + v + `"}}`)
	must(t, k8s.Patch(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: s.akoNS, Name: settings.ConfigMapName}},
		client.RawPatch(types.MergePatchType, patch)))
}

func deletionStatus(t *testing.T, s *stack) (string, bool) {
	t.Helper()
	var sts appsv1.StatefulSet
	must(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: s.akoNS, Name: workload.StatefulSetName}, &sts))
	v, ok := sts.Annotations[settings.DeletionStatusAnnotation]
	return v, ok
}

// deleteConfig true removes every object and the status, marking the StatefulSet
// Started then Done; false removes the mark and brings everything back. Live.
func TestDeleteConfigRoundTrip(t *testing.T) {
	s := newStack(t, nil)
	ctx := context.Background()
	labels := map[string]string{"app": "ako"}
	must(t, k8s.Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.akoNS, Name: workload.StatefulSetName},
		Spec: appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "ako", Image: "ako"}}}}},
	}))
	s.start("ako-0")
	names := syncServices(t, s, 3)

	setDeleteConfig(t, s, "true")
	sawStarted := false
	eventually(t, 30*time.Second, func() string {
		v, _ := deletionStatus(t, s)
		sawStarted = sawStarted || v == settings.DeletionStarted
		if v != settings.DeletionDone {
			return "AviObjectDeletionStatus = " + v
		}
		return ""
	})
	if left := ownedNames(s); len(left) > 0 {
		t.Fatalf("objects left after deleteConfig: %v", left)
	}
	for _, n := range names {
		if ip, svc := serviceVIP(t, s.appNS, n); ip != "" || len(svc.Annotations) > 0 && svc.Annotations["ako.vmware.com/vs-uuid"] != "" {
			t.Errorf("Service %s still shows %q / %v", n, ip, svc.Annotations)
		}
	}
	// While deleteConfig is set nothing is created.
	must(t, k8s.Create(ctx, lbService(s.appNS, "late", 80)))
	_ = sawStarted // Started may be overwritten by Done before a poll sees it

	setDeleteConfig(t, s, "false")
	waitVIPs(t, s, append(names, "late")...)
	if _, ok := deletionStatus(t, s); ok {
		t.Error("AviObjectDeletionStatus still set after deleteConfig false")
	}
}

// In-process (the operator runs the workload, no StatefulSet), deletion progress is
// reported on the ConfigMap; enableEvents false silences Normal Events but not Warnings.
func TestDeleteConfigInProcessAndQuietEvents(t *testing.T) {
	s := newStack(t, map[string]string{settings.KeyEnableEvents: "false"})
	ctx := context.Background()
	s.startWith("ako-0", func(o *workload.Options) { o.InProcess = true })
	names := syncServices(t, s, 3)
	bad := lbService(s.appNS, "bad", 80)
	bad.Annotations = map[string]string{"ako.vmware.com/load-balancer-ip": "nope"}
	must(t, k8s.Create(ctx, bad))
	eventually(t, 20*time.Second, func() string {
		if !hasEvent(events(t, s.appNS, "Service", "bad"), corev1.EventTypeWarning, "InvalidConfiguration", "nope") {
			return "no Warning event with enableEvents false"
		}
		return ""
	})
	for _, n := range names {
		if hasEvent(events(t, s.appNS, "Service", n), corev1.EventTypeNormal, "Synced", "") {
			t.Errorf("Normal Synced event for %s although enableEvents is false", n)
		}
	}

	setDeleteConfig(t, s, "true")
	eventually(t, 30*time.Second, func() string {
		var cm corev1.ConfigMap
		must(t, k8s.Get(ctx, client.ObjectKey{Namespace: s.akoNS, Name: settings.ConfigMapName}, &cm))
		if v := cm.Annotations[settings.DeletionStatusAnnotation]; v != settings.DeletionDone {
			return "ConfigMap AviObjectDeletionStatus = " + v
		}
		if left := ownedNames(s); len(left) > 0 {
			return "objects left: " + join(left)
		}
		return ""
	})
	setDeleteConfig(t, s, "false")
	waitVIPs(t, s, names...)
	var cm corev1.ConfigMap
	must(t, k8s.Get(ctx, client.ObjectKey{Namespace: s.akoNS, Name: settings.ConfigMapName}, &cm))
	if _, ok := cm.Annotations[settings.DeletionStatusAnnotation]; ok {
		t.Error("annotation still on the ConfigMap after deleteConfig false")
	}
}
