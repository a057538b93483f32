package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/internal/workload"
)

// Invalid settings are reported where users look (log, /api/status, a Warning Event on
// the Pod) and the workload recovers by itself once they are fixed.
func TestInvalidSettingsReported(t *testing.T) {
	s := newStack(t, map[string]string{settings.KeyClusterName: "bad name!"})
	ctx := context.Background()
	must(t, k8s.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: s.akoNS, Name: "ako-0"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "ako", Image: "ako"}}}}))
	must(t, k8s.Create(ctx, lbService(s.appNS, "web", 80)))
	w := s.start("ako-0")
	eventually(t, 20*time.Second, func() string {
		d, err := apiStatus(w)
		if err != nil {
			return err.Error()
		}
		if len(d.AviAPI.Errors) == 0 || !strings.Contains(d.AviAPI.Errors[0], "clusterName") {
			return "no clusterName error in /api/status"
		}
		if !hasEvent(events(t, s.akoNS, "Pod", "ako-0"), corev1.EventTypeWarning, workload.ReasonInvalidInput, "clusterName") {
			return "no Warning event on the Pod"
		}
		return ""
	})
	if !s.logs.contains("clusterName") {
		t.Error("no log line about clusterName")
	}
	patch := []byte(`{"data":{"clusterName":"c1"}}`)
	must(t, k8s.Patch(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: s.akoNS, Name: settings.ConfigMapName}},
		client.RawPatch(types.MergePatchType, patch)))
	waitVIPs(t, s, "web")
	if s.logs.contains(s.sim.Password) {
		t.Error("the password appears in the logs")
	}
}

// A change of a setting that is not live (autoFQDN) restarts the workload in-process
// with the new value; the FQDN disappears from the VIP and the status.
func TestRestartSettingAppliesWithoutPodRestart(t *testing.T) {
	s := newStack(t, nil)
	s.start("ako-0")
	must(t, k8s.Create(context.Background(), lbService(s.appNS, "web", 80)))
	waitVIPs(t, s, "web")
	if _, svc := serviceVIP(t, s.appNS, "web"); svc.Status.LoadBalancer.Ingress[0].Hostname == "" {
		t.Fatal("no hostname with autoFQDN default")
	}
	patch := []byte(`{"data":{"autoFQDN":"disabled"}}`)
	must(t, k8s.Patch(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: s.akoNS, Name: settings.ConfigMapName}},
		client.RawPatch(types.MergePatchType, patch)))
	eventually(t, 30*time.Second, func() string {
		ip, svc := serviceVIP(t, s.appNS, "web")
		if ip == "" || svc.Status.LoadBalancer.Ingress[0].Hostname != "" {
			return "hostname still shown"
		}
		o, _ := s.sim.Object("vsvip", "c1--"+s.appNS+"-web")
		if dns, _ := o["dns_info"].([]any); len(dns) != 0 {
			return "VsVip still has dns_info"
		}
		return ""
	})
	if !s.logs.contains("restarting the workload") {
		t.Error("no log line about the restart")
	}
}
