package akoconfig

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/akoproject/ako/api/v1beta1"
)

func TestActiveAKOConfig(t *testing.T) {
	at := func(ns, name string, minute int) v1beta1.AKOConfig {
		return v1beta1.AKOConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC))}}
	}
	cases := []struct {
		name string
		all  []v1beta1.AKOConfig
		want string
	}{
		{"none", nil, ""},
		{"only other namespaces", []v1beta1.AKOConfig{at("default", "a", 1)}, ""},
		{"oldest wins", []v1beta1.AKOConfig{at("avi-system", "new", 5), at("avi-system", "old", 1)}, "old"},
		{"older one elsewhere does not count", []v1beta1.AKOConfig{at("default", "older", 0), at("avi-system", "mine", 3)}, "mine"},
		{"same second: name breaks the tie", []v1beta1.AKOConfig{at("avi-system", "b", 1), at("avi-system", "a", 1)}, "a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := activeAKOConfig(c.all, "avi-system")
			if (got == nil && c.want != "") || (got != nil && got.Name != c.want) {
				t.Errorf("active = %v, want %q", got, c.want)
			}
		})
	}
}

func TestStatefulSetStatus(t *testing.T) {
	sts := func(replicas, ready, updated int32, observed int64) *appsv1.StatefulSet {
		return &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Generation: 2},
			Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To(replicas)},
			Status:     appsv1.StatefulSetStatus{Replicas: replicas, ReadyReplicas: ready, UpdatedReplicas: updated, ObservedGeneration: observed},
		}
	}
	cases := []struct {
		name                string
		sts                 *appsv1.StatefulSet
		available, progress metav1.ConditionStatus
		availReason         string
	}{
		{"rolled out and ready", sts(1, 1, 1, 2), metav1.ConditionTrue, metav1.ConditionFalse, ReasonWorkloadReady},
		{"no pod ready yet", sts(1, 0, 0, 2), metav1.ConditionFalse, metav1.ConditionTrue, ReasonWorkloadNotReady},
		{"new generation not observed", sts(1, 1, 1, 1), metav1.ConditionTrue, metav1.ConditionTrue, ReasonWorkloadReady},
		{"scaled to zero", sts(0, 0, 0, 2), metav1.ConditionFalse, metav1.ConditionFalse, ReasonScaledToZero},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := statefulSetStatus(defaultedConfig(), c.sts)
			a := meta.FindStatusCondition(s.Conditions, v1beta1.ConditionAvailable)
			p := meta.FindStatusCondition(s.Conditions, v1beta1.ConditionProgressing)
			d := meta.FindStatusCondition(s.Conditions, v1beta1.ConditionDegraded)
			if s.State != v1beta1.StateReady || d.Status != metav1.ConditionFalse || a.Status != c.available || a.Reason != c.availReason || p.Status != c.progress {
				t.Errorf("state %s degraded %s available %s/%s progressing %s", s.State, d.Status, a.Status, a.Reason, p.Status)
			}
			if s.ObservedGeneration != 1 {
				t.Errorf("observedGeneration %d", s.ObservedGeneration)
			}
		})
	}
}

func TestStatusChangedIgnoresTransitionTimes(t *testing.T) {
	cfg := defaultedConfig()
	first := degradedStatus(cfg, ReasonSecretMissing, "missing")
	cfg.Status = first
	cfg.Status.Conditions[0].LastTransitionTime = metav1.NewTime(time.Now().Add(-time.Hour))
	if statusChanged(cfg.Status, degradedStatus(cfg, ReasonSecretMissing, "missing")) {
		t.Error("same status reported as changed")
	}
	if !statusChanged(cfg.Status, degradedStatus(cfg, ReasonSecretInvalid, "bad")) {
		t.Error("new reason not reported")
	}
	again := degradedStatus(cfg, ReasonSecretMissing, "missing")
	if !meta.FindStatusCondition(again.Conditions, v1beta1.ConditionDegraded).LastTransitionTime.Equal(&cfg.Status.Conditions[0].LastTransitionTime) {
		t.Error("lastTransitionTime must stay while the status is unchanged")
	}
}

func TestTransitionEvents(t *testing.T) {
	cfg := defaultedConfig()
	ready := statefulSetStatus(cfg, &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1)}})
	missing := degradedStatus(cfg, ReasonSecretMissing, "no secret")
	reasons := func(evs []eventSpec) []string {
		var out []string
		for _, e := range evs {
			out = append(out, e.Type+"/"+e.Reason)
		}
		return out
	}
	cases := []struct {
		name     string
		old, new v1beta1.AKOConfigStatus
		want     []string
	}{
		{"first ready", v1beta1.AKOConfigStatus{}, ready, []string{"Normal/Ready"}},
		{"still ready", ready, ready, nil},
		{"becomes degraded", ready, missing, []string{"Warning/SecretMissing"}},
		{"recovers", missing, ready, []string{"Normal/Recovered", "Normal/Ready"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := reasons(transitionEvents(c.old, c.new))
			if len(got) != len(c.want) {
				t.Fatalf("events %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("events %v, want %v", got, c.want)
				}
			}
		})
	}
}
