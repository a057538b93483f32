package akoconfig

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/internal/settings"
)

// maxCleanupPoll bounds the wait between two looks at the cleanup progress; the watches on
// StatefulSet ako and the ConfigMap usually bring the reconcile back sooner.
const maxCleanupPoll = 30 * time.Second

// finalize runs the deletion of the honoured AKOConfig: deleteConfig "true" in the
// ConfigMap, a bounded wait for AKO to report its Avi cleanup, then the removal of every
// object the operator created and of the finalizer.
func (r *Reconciler) finalize(ctx context.Context, cfg *v1beta1.AKOConfig) (reconcile.Result, error) {
	logger := log.FromContext(ctx)
	if !controllerutil.ContainsFinalizer(cfg, Finalizer) {
		return reconcile.Result{}, nil
	}
	cm, err := r.currentConfigMap(ctx)
	if err != nil {
		return reconcile.Result{}, err
	}
	if cm != nil {
		done, err := r.waitForAviCleanup(ctx, cfg)
		if err != nil || !done.finished {
			return reconcile.Result{RequeueAfter: done.retryIn}, err
		}
	} else {
		logger.Info("no ConfigMap was ever rendered, so AKO cannot have created Avi objects; removing at once")
	}
	if r.InProcess != nil {
		r.InProcess.Stop()
	}
	if err := r.deleteManagedObjects(ctx); err != nil {
		return reconcile.Result{}, err
	}
	controllerutil.RemoveFinalizer(cfg, Finalizer)
	if err := r.Client.Update(ctx, cfg); err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, fmt.Errorf("removing finalizer %s: %w", Finalizer, err)
	}
	r.event(cfg, corev1.EventTypeNormal, "Removed", "Delete", "removed the AKO workload and its objects")
	logger.Info("AKOConfig cleanup finished")
	return reconcile.Result{}, nil
}

// cleanupProgress says whether the wait is over and, if not, when to look again.
type cleanupProgress struct {
	finished bool
	retryIn  time.Duration
}

// waitForAviCleanup asks AKO to delete its Avi objects and reports whether it finished,
// failed or ran out of time.
func (r *Reconciler) waitForAviCleanup(ctx context.Context, cfg *v1beta1.AKOConfig) (cleanupProgress, error) {
	if _, err := r.ensureConfigMap(ctx, cfg, true); err != nil {
		return cleanupProgress{}, err
	}
	where := fmt.Sprintf("StatefulSet %s/%s", r.Namespace, StatefulSetName)
	var annotations map[string]string
	if r.InProcess != nil {
		where = fmt.Sprintf("ConfigMap %s/%s", r.Namespace, ConfigMapName)
		cm, err := r.currentConfigMap(ctx)
		if err != nil {
			return cleanupProgress{}, err
		}
		if cm != nil {
			annotations = cm.Annotations
		}
	} else {
		sts, err := r.currentStatefulSet(ctx)
		if err != nil {
			return cleanupProgress{}, err
		}
		if sts != nil {
			annotations = sts.Annotations
		}
	}
	switch annotations[settings.DeletionStatusAnnotation] {
	case settings.DeletionDone:
		r.event(cfg, corev1.EventTypeNormal, "AviCleanupDone", "Delete", "AKO deleted the Avi objects of cluster %s", cfg.Spec.AKOSettings.ClusterName)
		return cleanupProgress{finished: true}, nil
	case settings.DeletionTimeout:
		r.event(cfg, corev1.EventTypeWarning, "AviCleanupIncomplete", "Delete",
			"AKO gave up deleting the Avi objects of cluster %s; some may remain on the Controller", cfg.Spec.AKOSettings.ClusterName)
		return cleanupProgress{finished: true}, nil
	}

	started := cleanupStarted(cfg.Status)
	if started == nil {
		now := metav1.NewTime(r.Clock.Now())
		started = &now
	}
	deadline := started.Add(r.CleanupTimeout)
	if left := deadline.Sub(r.Clock.Now()); left > 0 {
		message := fmt.Sprintf("deleteConfig is true; waiting until %s for AKO to report %s=%s on %s",
			deadline.UTC().Format(time.RFC3339), settings.DeletionStatusAnnotation, settings.DeletionDone, where)
		status := cleanupStatus(cfg, message)
		if c := cleanupStarted(status); c != nil && cleanupStarted(cfg.Status) == nil {
			c.Time = started.Time
			r.event(cfg, corev1.EventTypeNormal, "CleaningUp", "Delete", "%s", message)
		}
		if err := r.updateStatus(ctx, cfg, status); err != nil {
			return cleanupProgress{}, err
		}
		return cleanupProgress{retryIn: min(left, maxCleanupPoll)}, nil
	}
	r.event(cfg, corev1.EventTypeWarning, "CleanupTimedOut", "Delete",
		"no AKO workload reported Avi cleanup on %s within %s; removing the operator's objects anyway, Avi objects of cluster %s may remain on the Controller",
		where, r.CleanupTimeout, cfg.Spec.AKOSettings.ClusterName)
	return cleanupProgress{finished: true}, nil
}

// deleteManagedObjects removes everything the operator created, namespaced and cluster-scoped.
func (r *Reconciler) deleteManagedObjects(ctx context.Context) error {
	objects := []client.Object{
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: r.Namespace, Name: StatefulSetName}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: r.Namespace, Name: ConfigMapName}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: ClusterRoleBindingName}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: ClusterRoleName}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: r.Namespace, Name: ServiceAccountName}},
	}
	if !r.OpenShift {
		objects = append(objects, &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: IngressClassName}})
	}
	for _, o := range objects {
		if err := r.Client.Delete(ctx, o); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting %T %s: %w", o, client.ObjectKeyFromObject(o), err)
		}
	}
	return nil
}
