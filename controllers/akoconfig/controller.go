package akoconfig

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/akoproject/ako/api/v1beta1"
)

// The operator's own permissions (the rules it grants to ako-cr are in clusterrole.go).
// +kubebuilder:rbac:groups=ako.vmware.com,resources=akoconfigs,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=ako.vmware.com,resources=akoconfigs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=ako.vmware.com,resources=akoconfigs/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=configmaps;serviceaccounts,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles;clusterrolebindings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="";events.k8s.io,resources=events,verbs=create;patch;update

// DefaultCleanupTimeout bounds how long a deleted AKOConfig waits for AKO to report that
// it removed its Avi objects.
const DefaultCleanupTimeout = 5 * time.Minute

// errRequeue asks for another reconcile without reporting a failure.
var errRequeue = errors.New("requeue")

// Reconciler keeps the AKO workload's objects in line with the one honoured AKOConfig.
type Reconciler struct {
	// Client reads through the manager's cache (see CacheOptions) and writes to the API.
	Client   client.Client
	Recorder events.EventRecorder
	// Namespace is the operator's namespace: the only one whose AKOConfig is honoured
	// and where the workload's objects live.
	Namespace string
	// OpenShift is true when route.openshift.io is served: no IngressClass then.
	OpenShift bool
	// Image is the AKO image when spec.imageRepository is empty.
	Image string
	// CleanupTimeout bounds the wait for AKO's Avi cleanup on deletion.
	CleanupTimeout time.Duration
	// InProcess, when set, runs the workload inside the operator instead of StatefulSet ako.
	InProcess *InProcessWorkload
	// Clock is injectable so tests control the cleanup timeout.
	Clock clock.PassiveClock
}

// CacheOptions restricts the manager's cache to the objects the operator manages, by name,
// so it never holds every Secret or ConfigMap of the cluster. AKOConfigs are watched in
// every namespace so that ones outside the operator's namespace can be told so.
func CacheOptions(namespace string) cache.Options {
	byName := func(name string) cache.ByObject {
		return cache.ByObject{
			Namespaces: map[string]cache.Config{namespace: {}},
			Field:      fields.OneTermEqualSelector("metadata.name", name),
		}
	}
	clusterByName := func(name string) cache.ByObject {
		return cache.ByObject{Field: fields.OneTermEqualSelector("metadata.name", name)}
	}
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&v1beta1.AKOConfig{}:         {Namespaces: map[string]cache.Config{cache.AllNamespaces: {}}},
		&corev1.ConfigMap{}:          byName(ConfigMapName),
		&corev1.Secret{}:             byName(SecretName),
		&corev1.ServiceAccount{}:     byName(ServiceAccountName),
		&appsv1.StatefulSet{}:        byName(StatefulSetName),
		&rbacv1.ClusterRole{}:        clusterByName(ClusterRoleName),
		&rbacv1.ClusterRoleBinding{}: clusterByName(ClusterRoleBindingName),
		&networkingv1.IngressClass{}: clusterByName(IngressClassName),
	}}
}

// SetupWithManager watches AKOConfigs and every managed object (by name), so out-of-band
// edits and deletions are reverted and a fixed Secret is picked up at once. Every event
// re-evaluates every AKOConfig: which one is honoured depends on all of them.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.CleanupTimeout <= 0 {
		r.CleanupTimeout = DefaultCleanupTimeout
	}
	all := handler.EnqueueRequestsFromMapFunc(r.allAKOConfigs)
	named := func(namespace, name string) predicate.Predicate {
		return predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetName() == name && o.GetNamespace() == namespace
		})
	}
	b := ctrl.NewControllerManagedBy(mgr).Named("akoconfig").
		Watches(&v1beta1.AKOConfig{}, all).
		Watches(&corev1.ConfigMap{}, all, builder.WithPredicates(named(r.Namespace, ConfigMapName))).
		Watches(&corev1.Secret{}, all, builder.WithPredicates(named(r.Namespace, SecretName))).
		Watches(&corev1.ServiceAccount{}, all, builder.WithPredicates(named(r.Namespace, ServiceAccountName))).
		Watches(&appsv1.StatefulSet{}, all, builder.WithPredicates(named(r.Namespace, StatefulSetName))).
		Watches(&rbacv1.ClusterRole{}, all, builder.WithPredicates(named("", ClusterRoleName))).
		Watches(&rbacv1.ClusterRoleBinding{}, all, builder.WithPredicates(named("", ClusterRoleBindingName)))
	if !r.OpenShift {
		b = b.Watches(&networkingv1.IngressClass{}, all, builder.WithPredicates(named("", IngressClassName)))
	}
	return b.Complete(r)
}

func (r *Reconciler) allAKOConfigs(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &v1beta1.AKOConfigList{}
	if err := r.Client.List(ctx, list); err != nil {
		log.FromContext(ctx).Error(err, "listing AKOConfigs")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, c := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&c)})
	}
	return reqs
}

// activeAKOConfig picks the honoured AKOConfig: the oldest in the operator's namespace
// (name breaks ties), being deleted or not. nil when there is none.
func activeAKOConfig(all []v1beta1.AKOConfig, namespace string) *v1beta1.AKOConfig {
	var active *v1beta1.AKOConfig
	for i := range all {
		c := &all[i]
		if c.Namespace != namespace {
			continue
		}
		if active == nil || c.CreationTimestamp.Before(&active.CreationTimestamp) ||
			(c.CreationTimestamp.Equal(&active.CreationTimestamp) && c.Name < active.Name) {
			active = c
		}
	}
	return active
}

// Reconcile brings the world in line with one AKOConfig.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	logger := log.FromContext(ctx).WithValues("akoconfig", req.String())
	ctx = log.IntoContext(ctx, logger)
	cfg := &v1beta1.AKOConfig{}
	if err := r.Client.Get(ctx, req.NamespacedName, cfg); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	list := &v1beta1.AKOConfigList{}
	if err := r.Client.List(ctx, list); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing AKOConfigs: %w", err)
	}
	active := activeAKOConfig(list.Items, r.Namespace)
	if active == nil || active.UID != cfg.UID {
		return reconcile.Result{}, r.reconcileInactive(ctx, cfg, active)
	}
	if !cfg.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, cfg)
	}
	if !controllerutil.ContainsFinalizer(cfg, Finalizer) {
		controllerutil.AddFinalizer(cfg, Finalizer)
		if err := r.Client.Update(ctx, cfg); err != nil {
			return reconcile.Result{}, fmt.Errorf("adding finalizer %s: %w", Finalizer, err)
		}
	}

	if cfg.Status.State == "" {
		// First sight of this AKOConfig: say so before the work starts (upstream's Processing).
		processing := withConditions(cfg, v1beta1.StateProcessing,
			cond(v1beta1.ConditionProgressing, metav1.ConditionTrue, ReasonReconciling, "rendering the AKO objects"))
		if err := r.updateStatus(ctx, cfg, processing); err != nil {
			return reconcile.Result{}, err
		}
	}

	secret, err := r.currentSecret(ctx)
	if err != nil {
		return reconcile.Result{}, err
	}
	if p := checkSecret(r.Namespace, secret); p != nil {
		// No error: the Secret watch brings us back when someone fixes it.
		logger.Info("waiting for a usable Secret", "reason", p.Reason, "message", p.Message)
		return reconcile.Result{}, r.updateStatus(ctx, cfg, degradedStatus(cfg, p.Reason, p.Message))
	}

	status, err := r.reconcileObjects(ctx, cfg)
	if errors.Is(err, errRequeue) {
		return reconcile.Result{RequeueAfter: time.Second}, nil
	}
	if err != nil {
		if statusErr := r.updateStatus(ctx, cfg, degradedStatus(cfg, ReasonReconcileFailed, err.Error())); statusErr != nil {
			logger.Error(statusErr, "recording the failure in status")
		}
		return reconcile.Result{}, err
	}
	if err := r.updateStatus(ctx, cfg, status); err != nil {
		return reconcile.Result{}, err
	}
	if r.InProcess != nil {
		// The in-process workload reports no events; look at it again from time to time.
		return reconcile.Result{RequeueAfter: 30 * time.Second}, nil
	}
	return reconcile.Result{}, nil
}

// reconcileObjects renders and keeps every managed object, in dependency order, and
// returns the status that describes the result.
func (r *Reconciler) reconcileObjects(ctx context.Context, cfg *v1beta1.AKOConfig) (v1beta1.AKOConfigStatus, error) {
	cm, err := r.ensureConfigMap(ctx, cfg, false)
	if err != nil {
		return v1beta1.AKOConfigStatus{}, err
	}
	if err := r.ensureServiceAccount(ctx, cfg); err != nil {
		return v1beta1.AKOConfigStatus{}, err
	}
	if err := r.ensureClusterRole(ctx, cfg); err != nil {
		return v1beta1.AKOConfigStatus{}, err
	}
	if err := r.ensureClusterRoleBinding(ctx, cfg); err != nil {
		return v1beta1.AKOConfigStatus{}, err
	}
	if err := r.ensureIngressClass(ctx, cfg); err != nil {
		return v1beta1.AKOConfigStatus{}, err
	}
	if r.InProcess != nil {
		if err := r.deleteStatefulSet(ctx); err != nil {
			return v1beta1.AKOConfigStatus{}, err
		}
		r.InProcess.Launch()
		return inProcessStatus(cfg, r.InProcess.Err()), nil
	}
	before, err := r.currentStatefulSet(ctx)
	if err != nil {
		return v1beta1.AKOConfigStatus{}, err
	}
	sts, err := r.ensureStatefulSet(ctx, cfg, cm)
	if err != nil {
		return v1beta1.AKOConfigStatus{}, err
	}
	if before != nil && before.Spec.Template.Annotations[RestartChecksumAnnotation] != sts.Spec.Template.Annotations[RestartChecksumAnnotation] {
		r.event(cfg, corev1.EventTypeNormal, "RestartingAKO", "Restart", "a setting AKO reads at start changed; rolling StatefulSet %s/%s", r.Namespace, StatefulSetName)
	}
	return statefulSetStatus(cfg, sts), nil
}

// reconcileInactive marks an AKOConfig that is not honoured and touches nothing else.
func (r *Reconciler) reconcileInactive(ctx context.Context, cfg, active *v1beta1.AKOConfig) error {
	if !cfg.DeletionTimestamp.IsZero() {
		// It never owned anything: let it go.
		if controllerutil.RemoveFinalizer(cfg, Finalizer) {
			if err := r.Client.Update(ctx, cfg); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("removing finalizer: %w", err)
			}
		}
		return nil
	}
	var reason, message string
	switch {
	case cfg.Namespace != r.Namespace && active != nil:
		reason, message = ReasonWrongNamespace, fmt.Sprintf("only AKOConfigs in namespace %s are honoured; the active one is %s/%s", r.Namespace, active.Namespace, active.Name)
	case cfg.Namespace != r.Namespace:
		reason, message = ReasonWrongNamespace, fmt.Sprintf("only AKOConfigs in namespace %s are honoured; create it there", r.Namespace)
	default:
		reason, message = ReasonNotActive, fmt.Sprintf("AKOConfig %s/%s is the active one (the oldest in namespace %s); this one is ignored until it is deleted", active.Namespace, active.Name, r.Namespace)
	}
	return r.updateStatus(ctx, cfg, inactiveStatus(cfg, reason, message))
}

// updateStatus writes the status when it differs from the stored one and records an
// Event for each significant transition.
func (r *Reconciler) updateStatus(ctx context.Context, cfg *v1beta1.AKOConfig, status v1beta1.AKOConfigStatus) error {
	if !statusChanged(cfg.Status, status) {
		return nil
	}
	for _, e := range transitionEvents(cfg.Status, status) {
		r.event(cfg, e.Type, e.Reason, e.Action, "%s", e.Message)
	}
	updated := cfg.DeepCopy()
	updated.Status = status
	if err := r.Client.Status().Update(ctx, updated); err != nil {
		if apierrors.IsConflict(err) {
			return errRequeueConflict(err)
		}
		return fmt.Errorf("updating status of AKOConfig %s/%s: %w", cfg.Namespace, cfg.Name, err)
	}
	cfg.Status = updated.Status
	cfg.ResourceVersion = updated.ResourceVersion
	return nil
}

func errRequeueConflict(err error) error {
	return fmt.Errorf("status changed meanwhile, retrying: %w", err)
}

func (r *Reconciler) event(cfg *v1beta1.AKOConfig, eventType, reason, action, note string, args ...any) {
	if r.Recorder == nil {
		return
	}
	r.Recorder.Eventf(cfg, nil, eventType, reason, action, note, args...)
}

// deleteStatefulSet removes StatefulSet ako (in-process mode runs no pods).
func (r *Reconciler) deleteStatefulSet(ctx context.Context) error {
	sts, err := r.currentStatefulSet(ctx)
	if err != nil || sts == nil {
		return err
	}
	if ref := controllerOf(sts.OwnerReferences); ref == nil || ref.Kind != "AKOConfig" {
		return nil // not ours (e.g. installed by the Helm chart): leave it
	}
	if err := r.Client.Delete(ctx, sts); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting StatefulSet %s/%s: %w", r.Namespace, StatefulSetName, err)
	}
	return nil
}
