package status

import (
	"encoding/json"
	"testing"
	"time"

	routev1 "github.com/openshift/api/route/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRouteIngress(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t1 := metav1.NewTime(t0.Add(time.Hour))
	other := routev1.RouteIngress{Host: "shop.example.com", RouterName: "default", Conditions: []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: corev1.ConditionTrue}}}
	admitted := RouteAdmission{Host: "shop.example.com", Admitted: true, VIPs: []string{"10.0.0.5", "fd00::5"}, VSUUID: "virtualservice-1", ControllerUUID: "cluster-1", Tenant: "admin"}

	got := RouteIngress([]routev1.RouteIngress{other}, "ako-c1", admitted, t0)
	if len(got) != 3 || got[0].RouterName != "default" {
		t.Fatalf("entries = %+v, want the other router's first and one per VIP", got)
	}
	for i, vip := range []string{"10.0.0.5", "fd00::5"} {
		e := got[i+1]
		c := e.Conditions[0]
		if e.Host != "shop.example.com" || e.RouterName != "ako-c1" || c.Type != routev1.RouteAdmitted || c.Status != corev1.ConditionTrue || c.Message != vip || !c.LastTransitionTime.Equal(&t0) {
			t.Errorf("entry %d = %+v", i, e)
		}
		var reason map[string]string
		if err := json.Unmarshal([]byte(c.Reason), &reason); err != nil {
			t.Fatalf("reason is not JSON: %q", c.Reason)
		}
		want := map[string]string{
			"ako.vmware.com/controller-cluster-uuid": "cluster-1",
			"ako.vmware.com/host-fqdn-vs-uuid-map":   `{"shop.example.com":"virtualservice-1"}`,
			"ako.vmware.com/tenant-name":             "admin",
		}
		for k, v := range want {
			if reason[k] != v {
				t.Errorf("reason[%s] = %q, want %q", k, reason[k], v)
			}
		}
	}

	// Same status later: the transition time stays; our old entries are replaced, not added.
	again := RouteIngress(got, "ako-c1", admitted, t1)
	if len(again) != 3 || !again[1].Conditions[0].LastTransitionTime.Equal(&t0) {
		t.Errorf("unchanged status moved: %+v", again)
	}

	// Rejection: one False entry, new transition time, other router untouched.
	rejected := RouteIngress(again, "ako-c1", RouteAdmission{Host: "shop.example.com", Reason: "InvalidCertificate", Message: "spec.tls.key does not match spec.tls.certificate"}, t1)
	if len(rejected) != 2 || rejected[0].RouterName != "default" {
		t.Fatalf("rejected entries = %+v", rejected)
	}
	c := rejected[1].Conditions[0]
	if c.Status != corev1.ConditionFalse || c.Reason != "InvalidCertificate" || c.Message != "spec.tls.key does not match spec.tls.certificate" || !c.LastTransitionTime.Equal(&t1) {
		t.Errorf("rejected condition = %+v", c)
	}

	if rest := withoutRouter(rejected, "ako-c1"); len(rest) != 1 || rest[0].RouterName != "default" {
		t.Errorf("withoutRouter = %+v", rest)
	}
}
