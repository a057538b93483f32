package akoconfig

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/akoproject/ako/api/v1beta1"
)

// Condition reasons.
const (
	ReasonAsExpected       = "AsExpected"
	ReasonReconcileFailed  = "ReconcileFailed"
	ReasonNotActive        = "NotActive"
	ReasonWrongNamespace   = "WrongNamespace"
	ReasonWorkloadReady    = "WorkloadReady"
	ReasonWorkloadNotReady = "WorkloadNotReady"
	ReasonScaledToZero     = "ScaledToZero"
	ReasonRollingOut       = "RollingOut"
	ReasonInProcess        = "InProcess"
	ReasonWorkloadFailing  = "WorkloadFailing"
	ReasonCleaningUp       = "CleaningUp"
	ReasonReconciling      = "Reconciling"
)

// withConditions returns a status for cfg's generation with the given state and
// conditions merged into the stored ones (a condition keeps its lastTransitionTime while
// its status stays the same).
func withConditions(cfg *v1beta1.AKOConfig, state v1beta1.State, conds ...metav1.Condition) v1beta1.AKOConfigStatus {
	out := v1beta1.AKOConfigStatus{State: state, ObservedGeneration: cfg.Generation}
	for _, c := range cfg.Status.Conditions {
		out.Conditions = append(out.Conditions, *c.DeepCopy())
	}
	for _, c := range conds {
		c.ObservedGeneration = cfg.Generation
		meta.SetStatusCondition(&out.Conditions, c)
	}
	return out
}

func cond(t string, s metav1.ConditionStatus, reason, message string) metav1.Condition {
	return metav1.Condition{Type: t, Status: s, Reason: reason, Message: message}
}

// degradedStatus reports that the operator cannot do what cfg asks.
func degradedStatus(cfg *v1beta1.AKOConfig, reason, message string) v1beta1.AKOConfigStatus {
	state := v1beta1.StateError
	progressing := cond(v1beta1.ConditionProgressing, metav1.ConditionFalse, reason, "blocked: "+message)
	available := meta.FindStatusCondition(cfg.Status.Conditions, v1beta1.ConditionAvailable)
	conds := []metav1.Condition{cond(v1beta1.ConditionDegraded, metav1.ConditionTrue, reason, message), progressing}
	if available == nil {
		conds = append(conds, cond(v1beta1.ConditionAvailable, metav1.ConditionFalse, reason, message))
	}
	return withConditions(cfg, state, conds...)
}

// inactiveStatus reports an AKOConfig that is not honoured.
func inactiveStatus(cfg *v1beta1.AKOConfig, reason, message string) v1beta1.AKOConfigStatus {
	return withConditions(cfg, v1beta1.StateError,
		cond(v1beta1.ConditionDegraded, metav1.ConditionTrue, reason, message),
		cond(v1beta1.ConditionAvailable, metav1.ConditionFalse, reason, message),
		cond(v1beta1.ConditionProgressing, metav1.ConditionFalse, reason, message))
}

// statefulSetStatus describes cfg once every object is rendered, from StatefulSet ako's
// rollout status.
func statefulSetStatus(cfg *v1beta1.AKOConfig, sts *appsv1.StatefulSet) v1beta1.AKOConfigStatus {
	want := ptr.Deref(sts.Spec.Replicas, 1)
	st := sts.Status
	pods := fmt.Sprintf("%d/%d AKO pods ready", st.ReadyReplicas, want)
	available := cond(v1beta1.ConditionAvailable, metav1.ConditionTrue, ReasonWorkloadReady, pods)
	switch {
	case want == 0:
		available = cond(v1beta1.ConditionAvailable, metav1.ConditionFalse, ReasonScaledToZero, "replicaCount is 0: AKO is not running")
	case st.ReadyReplicas == 0:
		available = cond(v1beta1.ConditionAvailable, metav1.ConditionFalse, ReasonWorkloadNotReady, pods)
	}
	progressing := cond(v1beta1.ConditionProgressing, metav1.ConditionFalse, ReasonAsExpected, "StatefulSet ako is rolled out")
	if st.ObservedGeneration < sts.Generation || st.UpdatedReplicas < want || st.ReadyReplicas < want || st.Replicas > want {
		progressing = cond(v1beta1.ConditionProgressing, metav1.ConditionTrue, ReasonRollingOut,
			fmt.Sprintf("StatefulSet ako is rolling out: %d/%d updated, %s", st.UpdatedReplicas, want, pods))
	}
	return withConditions(cfg, v1beta1.StateReady,
		cond(v1beta1.ConditionDegraded, metav1.ConditionFalse, ReasonAsExpected, "every object is rendered"),
		available, progressing)
}

// inProcessStatus describes cfg when the workload runs inside the operator.
func inProcessStatus(cfg *v1beta1.AKOConfig, workloadErr error) v1beta1.AKOConfigStatus {
	available := cond(v1beta1.ConditionAvailable, metav1.ConditionTrue, ReasonInProcess, "the AKO workload runs inside the operator")
	if workloadErr != nil {
		available = cond(v1beta1.ConditionAvailable, metav1.ConditionFalse, ReasonWorkloadFailing,
			"the in-process AKO workload failed and is retried with backoff: "+workloadErr.Error())
	}
	return withConditions(cfg, v1beta1.StateReady,
		cond(v1beta1.ConditionDegraded, metav1.ConditionFalse, ReasonAsExpected, "every object is rendered"),
		available,
		cond(v1beta1.ConditionProgressing, metav1.ConditionFalse, ReasonAsExpected, "nothing to roll out"))
}

// cleanupStatus reports the deletion in progress.
func cleanupStatus(cfg *v1beta1.AKOConfig, message string) v1beta1.AKOConfigStatus {
	return withConditions(cfg, cfg.Status.State,
		cond(v1beta1.ConditionProgressing, metav1.ConditionTrue, ReasonCleaningUp, message))
}

// cleanupStarted is when the deletion wait began (the cleaning-up condition's transition
// time, so it survives an operator restart), or nil.
func cleanupStarted(status v1beta1.AKOConfigStatus) *metav1.Time {
	c := meta.FindStatusCondition(status.Conditions, v1beta1.ConditionProgressing)
	if c == nil || c.Reason != ReasonCleaningUp || c.Status != metav1.ConditionTrue {
		return nil
	}
	return &c.LastTransitionTime
}

// statusChanged compares two statuses, ignoring condition transition times.
func statusChanged(old, updated v1beta1.AKOConfigStatus) bool {
	if old.State != updated.State || old.ObservedGeneration != updated.ObservedGeneration || len(old.Conditions) != len(updated.Conditions) {
		return true
	}
	for _, u := range updated.Conditions {
		o := meta.FindStatusCondition(old.Conditions, u.Type)
		if o == nil || o.Status != u.Status || o.Reason != u.Reason || o.Message != u.Message || o.ObservedGeneration != u.ObservedGeneration {
			return true
		}
	}
	return false
}

// eventSpec is one Event to record.
type eventSpec struct {
	Type, Reason, Action, Message string
}

// transitionEvents are the Events for the significant changes from old to updated:
// becoming degraded (or degraded for another reason), recovering, becoming ready and
// becoming available.
func transitionEvents(old, updated v1beta1.AKOConfigStatus) []eventSpec {
	var out []eventSpec
	was := meta.FindStatusCondition(old.Conditions, v1beta1.ConditionDegraded)
	now := meta.FindStatusCondition(updated.Conditions, v1beta1.ConditionDegraded)
	wasDegraded := was != nil && was.Status == metav1.ConditionTrue
	if now != nil && now.Status == metav1.ConditionTrue && (!wasDegraded || was.Reason != now.Reason) {
		out = append(out, eventSpec{corev1.EventTypeWarning, now.Reason, "Reconcile", now.Message})
	}
	if wasDegraded && now != nil && now.Status == metav1.ConditionFalse {
		out = append(out, eventSpec{corev1.EventTypeNormal, "Recovered", "Reconcile", "the problem is resolved: " + was.Message})
	}
	if old.State != v1beta1.StateReady && updated.State == v1beta1.StateReady {
		out = append(out, eventSpec{corev1.EventTypeNormal, "Ready", "Reconcile", "every AKO object is rendered"})
	}
	wasAvail := meta.IsStatusConditionTrue(old.Conditions, v1beta1.ConditionAvailable)
	if !wasAvail && meta.IsStatusConditionTrue(updated.Conditions, v1beta1.ConditionAvailable) {
		out = append(out, eventSpec{corev1.EventTypeNormal, "Available", "Reconcile", "the AKO workload is running"})
	}
	return out
}
