package route

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	routev1 "github.com/openshift/api/route/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/akoproject/ako/controllers/vstree"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/status"
	avisync "github.com/akoproject/ako/internal/sync"
)

// workers is the number of trees reconciled in parallel: one per shard of the largest
// shard size (LARGE, 8), as upstream AKO sizes its graph workers. A tree is applied
// object by object, so fewer workers than shards serialise whole shards behind each other.
const workers = 8

// Source is the Route input of the workload (vstree.Source).
type Source struct {
	env    *vstree.Env
	reader client.Reader
	// secrets reads the default certificate Secret.
	secrets client.Reader
	ctrl    *vstree.Controller[model.Key]
	ix      indexer
	// active is false when the cluster does not serve Routes: the source does nothing.
	active bool
	// Now is the clock for status transition times (tests may replace it).
	Now func() time.Time
}

// New returns the Route source.
func New() *Source { return &Source{Now: time.Now} }

// Name implements vstree.Source.
func (s *Source) Name() string { return "route" }

// Active reports whether Setup found the Route API and registered watches.
func (s *Source) Active() bool { return s.active }

// Setup implements vstree.Source: on OpenShift it registers the Route type, the cache
// indexes, the watches and the per-key reconciler; elsewhere it does nothing.
func (s *Source) Setup(mgr manager.Manager, env *vstree.Env) error {
	served, err := Served(mgr.GetConfig())
	if err != nil {
		return err
	}
	s.env = env
	if !served {
		env.Log.Info("route.openshift.io is not served: OpenShift Routes are not watched")
		return nil
	}
	if err := routev1.Install(mgr.GetScheme()); err != nil {
		return fmt.Errorf("registering route.openshift.io/v1: %w", err)
	}
	s.active = true
	s.reader = mgr.GetCache()
	s.ix = indexer{settings: env.Settings, cloud: env.Cloud}
	if err := s.addIndexes(mgr); err != nil {
		return err
	}
	ctrl, err := vstree.NewController[model.Key](mgr, "route", workers, reconcile.TypedFunc[model.Key](s.Reconcile))
	if err != nil {
		return fmt.Errorf("creating the Route controller: %w", err)
	}
	s.ctrl = ctrl
	if err := s.watchDefaultCert(mgr); err != nil {
		return err
	}
	return s.addWatches()
}

// watchDefaultCert watches Secret router-certs-default of the AKO namespace through a
// cache of its own: the manager's Secret cache holds only avi-secret, and AKO must not
// cache every Secret of the cluster to see one.
func (s *Source) watchDefaultCert(mgr manager.Manager) error {
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme: mgr.GetScheme(),
		Mapper: mgr.GetRESTMapper(),
		ByObject: map[client.Object]cache.ByObject{&corev1.Secret{}: {Namespaces: map[string]cache.Config{
			s.env.Namespace: {FieldSelector: fields.OneTermEqualSelector("metadata.name", model.DefaultCertSecretName)},
		}}},
	})
	if err != nil {
		return fmt.Errorf("creating the cache of Secret %s/%s: %w", s.env.Namespace, model.DefaultCertSecretName, err)
	}
	if err := mgr.Add(c); err != nil {
		return err
	}
	inf, err := c.GetInformer(context.Background(), &corev1.Secret{}, cache.BlockUntilSynced(false))
	if err != nil {
		return fmt.Errorf("watching Secret %s/%s: %w", s.env.Namespace, model.DefaultCertSecretName, err)
	}
	changed := func() {
		ctx := context.Background()
		if err := s.ctrl.Enqueue(ctx, s.keysMatching(ctx, client.MatchingFields{indexDefaultCert: "true"})...); err != nil {
			s.env.Log.Error(err, "queueing the Routes that use the default certificate")
		}
	}
	_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { changed() },
		UpdateFunc: func(any, any) { changed() },
		DeleteFunc: func(any) { changed() },
	})
	if err != nil {
		return fmt.Errorf("watching Secret %s/%s: %w", s.env.Namespace, model.DefaultCertSecretName, err)
	}
	s.secrets = c
	return nil
}

func (s *Source) addIndexes(mgr manager.Manager) error {
	ctx := context.Background()
	indexes := map[string]func(*routev1.Route) []string{
		indexKey:     func(r *routev1.Route) []string { return []string{string(s.ix.key(r))} },
		indexHost:    s.ix.host,
		indexBackend: backends,
		indexDefaultCert: func(r *routev1.Route) []string {
			if usesDefaultCert(r) {
				return []string{"true"}
			}
			return nil
		},
	}
	for name, fn := range indexes {
		fn := fn
		err := mgr.GetFieldIndexer().IndexField(ctx, &routev1.Route{}, name, func(o client.Object) []string {
			if r, ok := o.(*routev1.Route); ok {
				return fn(r)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("indexing Routes by %s: %w", name, err)
		}
	}
	return nil
}

func (s *Source) addWatches() error {
	c := s.ctrl
	if err := vstree.Watch(c, &routev1.Route{}, func(ctx context.Context, r *routev1.Route) []model.Key {
		return s.keysForRoutes(ctx, []routev1.Route{*r})
	}, routeChanged); err != nil {
		return fmt.Errorf("watching Routes: %w", err)
	}
	if err := vstree.Watch(c, &corev1.Service{}, func(ctx context.Context, svc *corev1.Service) []model.Key {
		return s.keysForService(ctx, svc.Namespace, svc.Name)
	}, nil); err != nil {
		return fmt.Errorf("watching Services: %w", err)
	}
	if err := vstree.Watch(c, &discoveryv1.EndpointSlice{}, func(ctx context.Context, es *discoveryv1.EndpointSlice) []model.Key {
		if svc := es.Labels[discoveryv1.LabelServiceName]; svc != "" {
			return s.keysForService(ctx, es.Namespace, svc)
		}
		return nil
	}, nil); err != nil {
		return fmt.Errorf("watching EndpointSlices: %w", err)
	}
	if s.env.Settings.NSSyncLabelKey != "" {
		if err := vstree.Watch(c, &corev1.Namespace{}, func(ctx context.Context, ns *corev1.Namespace) []model.Key {
			return s.keysMatching(ctx, client.InNamespace(ns.Name))
		}, func(old, new *corev1.Namespace) bool {
			k := s.env.Settings.NSSyncLabelKey
			return old.Labels[k] != new.Labels[k]
		}); err != nil {
			return fmt.Errorf("watching Namespaces: %w", err)
		}
	}
	if s.env.Settings.ServiceType == "NodePort" {
		if err := vstree.Watch(c, &corev1.Node{}, func(ctx context.Context, _ *corev1.Node) []model.Key {
			return s.keysMatching(ctx)
		}, nil); err != nil {
			return fmt.Errorf("watching Nodes: %w", err)
		}
	}
	return nil
}

// routeChanged ignores status-only updates (our own status writes among them).
func routeChanged(old, new *routev1.Route) bool {
	return old.Generation != new.Generation || old.Generation == 0 ||
		!equalStrings(old.Labels, new.Labels) || old.DeletionTimestamp != new.DeletionTimestamp
}

func equalStrings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// keysForRoutes are the keys of the Routes and of every Route sharing a host with one
// of them: a change to one Route of a host can change which Route claims it.
func (s *Source) keysForRoutes(ctx context.Context, routes []routev1.Route) []model.Key {
	seen := map[model.Key]bool{}
	var keys []model.Key
	add := func(r *routev1.Route) {
		if k := s.ix.key(r); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	hosts := map[string]bool{}
	for i := range routes {
		add(&routes[i])
		for _, h := range s.ix.host(&routes[i]) {
			hosts[h] = true
		}
	}
	for h := range hosts {
		var sharing routev1.RouteList
		if err := s.reader.List(ctx, &sharing, client.MatchingFields{indexHost: h}); err != nil {
			s.env.Log.Error(err, "listing Routes by host", "host", h)
			continue
		}
		for i := range sharing.Items {
			add(&sharing.Items[i])
		}
	}
	return keys
}

func (s *Source) keysForService(ctx context.Context, ns, name string) []model.Key {
	return s.keysMatching(ctx, client.InNamespace(ns), client.MatchingFields{indexBackend: name})
}

func (s *Source) keysMatching(ctx context.Context, opts ...client.ListOption) []model.Key {
	var list routev1.RouteList
	if err := s.reader.List(ctx, &list, opts...); err != nil {
		s.env.Log.Error(err, "listing Routes")
		return nil
	}
	return s.keysForRoutes(ctx, list.Items)
}

// Reconcile builds the tree of key, applies it and writes the status of its Routes.
func (s *Source) Reconcile(ctx context.Context, key model.Key) (reconcile.Result, error) {
	leave, err := s.env.Gate.Enter(ctx)
	if err != nil {
		if errors.Is(err, vstree.ErrPaused) {
			return reconcile.Result{}, nil // deleteConfig: the unpause resyncs every key
		}
		return reconcile.Result{}, err
	}
	defer leave()
	if ns, name, ok := splitNoHostKey(key); ok {
		return reconcile.Result{}, s.reconcileNoHost(ctx, ns, name)
	}
	log := s.env.Log.WithValues("tree", key)

	var own routev1.RouteList
	if err := s.reader.List(ctx, &own, client.MatchingFields{indexKey: string(key)}); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing the Routes of %s: %w", key, err)
	}
	candidates, outOfScope, err := s.candidates(ctx, own.Items)
	if err != nil {
		return reconcile.Result{}, err
	}
	snap, err := s.snapshot(ctx, candidates)
	if err != nil {
		return reconcile.Result{}, err
	}
	tree, decisions := model.BuildRouteTree(key, snap)
	res, applyErr := s.env.Sync.Apply(ctx, tree)
	if applyErr != nil && !vstree.Rejected(applyErr) {
		log.Error(applyErr, "applying the Route tree; retrying")
		return vstree.Outcome(applyErr)
	}
	byID := map[types.NamespacedName]*routev1.Route{}
	for _, r := range candidates {
		byID[types.NamespacedName{Namespace: r.Namespace, Name: r.Name}] = r
	}
	var statusErrs []error
	for _, d := range decisions {
		r := byID[types.NamespacedName{Namespace: d.Namespace, Name: d.Name}]
		if r == nil {
			continue
		}
		if err := s.writeStatus(ctx, r, d, res, applyErr); err != nil {
			statusErrs = append(statusErrs, err)
		}
	}
	for _, r := range outOfScope {
		if _, err := s.env.Status.ClearRoute(ctx, r, s.routerName()); client.IgnoreNotFound(err) != nil {
			statusErrs = append(statusErrs, err)
		}
	}
	if applyErr != nil {
		log.Error(applyErr, "the Avi Controller rejected the Route tree; fix the Routes named in the status")
		return vstree.Outcome(applyErr)
	}
	log.V(1).Info("reconciled", "objects", len(tree.Objects), "routes", len(decisions), "writes", res.Writes())
	return reconcile.Result{}, errors.Join(statusErrs...)
}

// candidates are the in-scope Routes of the key plus every in-scope Route sharing a
// host with them (host claims span trees). outOfScope are the key's Routes whose
// namespace is blocked or not selected: their status is cleared.
func (s *Source) candidates(ctx context.Context, own []routev1.Route) (in, outOfScope []*routev1.Route, err error) {
	seen := map[types.NamespacedName]bool{}
	nsOK := map[string]bool{}
	accepted := func(ns string) (bool, error) {
		if ok, known := nsOK[ns]; known {
			return ok, nil
		}
		var nsObj *corev1.Namespace
		if s.env.Settings.NSSyncLabelKey != "" {
			var n corev1.Namespace
			if err := s.reader.Get(ctx, types.NamespacedName{Name: ns}, &n); err != nil && !apierrors.IsNotFound(err) {
				return false, fmt.Errorf("reading Namespace %s: %w", ns, err)
			} else if err == nil {
				nsObj = &n
			}
		}
		ok := model.NamespaceAccepted(s.env.Settings, ns, nsObj)
		nsOK[ns] = ok
		return ok, nil
	}
	add := func(r *routev1.Route, mine bool) error {
		id := types.NamespacedName{Namespace: r.Namespace, Name: r.Name}
		if seen[id] || r.DeletionTimestamp != nil {
			return nil
		}
		seen[id] = true
		ok, err := accepted(r.Namespace)
		if err != nil {
			return err
		}
		switch {
		case ok:
			in = append(in, r)
		case mine:
			outOfScope = append(outOfScope, r)
		}
		return nil
	}
	hosts := map[string]bool{}
	for i := range own {
		if err := add(&own[i], true); err != nil {
			return nil, nil, err
		}
		for _, h := range s.ix.host(&own[i]) {
			hosts[h] = true
		}
	}
	for h := range hosts {
		var sharing routev1.RouteList
		if err := s.reader.List(ctx, &sharing, client.MatchingFields{indexHost: h}); err != nil {
			return nil, nil, fmt.Errorf("listing Routes of host %s: %w", h, err)
		}
		for i := range sharing.Items {
			if err := add(&sharing.Items[i], false); err != nil {
				return nil, nil, err
			}
		}
	}
	return in, outOfScope, nil
}

// snapshot reads what the Routes use from the informer caches.
func (s *Source) snapshot(ctx context.Context, routes []*routev1.Route) (model.RouteSnapshot, error) {
	snap := model.RouteSnapshot{
		Settings:       s.env.Settings,
		Cloud:          s.env.Cloud,
		Routes:         routes,
		Services:       map[types.NamespacedName]*corev1.Service{},
		EndpointSlices: map[types.NamespacedName][]discoveryv1.EndpointSlice{},
	}
	needDefault := false
	for _, r := range routes {
		needDefault = needDefault || usesDefaultCert(r)
		for _, name := range backends(r) {
			id := types.NamespacedName{Namespace: r.Namespace, Name: name}
			if _, done := snap.Services[id]; done || name == "" {
				continue
			}
			var svc corev1.Service
			switch err := s.reader.Get(ctx, id, &svc); {
			case apierrors.IsNotFound(err):
				snap.Services[id] = nil
				continue
			case err != nil:
				return snap, fmt.Errorf("reading Service %s: %w", id, err)
			}
			snap.Services[id] = &svc
			var slices discoveryv1.EndpointSliceList
			if err := s.reader.List(ctx, &slices, client.InNamespace(id.Namespace), client.MatchingLabels{discoveryv1.LabelServiceName: id.Name}); err != nil {
				return snap, fmt.Errorf("listing EndpointSlices of Service %s: %w", id, err)
			}
			sort.Slice(slices.Items, func(i, j int) bool { return slices.Items[i].Name < slices.Items[j].Name })
			snap.EndpointSlices[id] = slices.Items
		}
	}
	for id, svc := range snap.Services {
		if svc == nil {
			delete(snap.Services, id)
		}
	}
	if needDefault {
		var sec corev1.Secret
		switch err := s.secrets.Get(ctx, types.NamespacedName{Namespace: s.env.Namespace, Name: model.DefaultCertSecretName}, &sec); {
		case err == nil:
			snap.DefaultCert = &sec
		case !apierrors.IsNotFound(err):
			return snap, fmt.Errorf("reading Secret %s/%s: %w", s.env.Namespace, model.DefaultCertSecretName, err)
		}
	}
	if s.env.Settings.ServiceType == "NodePort" {
		var nodes corev1.NodeList
		if err := s.reader.List(ctx, &nodes); err != nil {
			return snap, fmt.Errorf("listing Nodes: %w", err)
		}
		snap.Nodes = nodes.Items
	}
	return snap, nil
}

func (s *Source) routerName() string { return s.env.Settings.CreatedBy() }

// writeStatus writes one Route's status from its decision and the sync result, and
// records an Event when the status changed.
func (s *Source) writeStatus(ctx context.Context, r *routev1.Route, d model.RouteDecision, res avisync.Result, applyErr error) error {
	a := status.RouteAdmission{Host: d.Host, Admitted: d.Admitted, Reason: d.Reason, Message: d.Message}
	if d.Admitted && applyErr != nil {
		a.Admitted = false
		a.Reason = "AviControllerRejected"
		a.Message = "the Avi Controller rejected the virtual service for this host: " + applyErr.Error()
	}
	if a.Admitted {
		vip := res.VIPs[d.VsVipName]
		a.VIPs = append(append([]string(nil), vip.IPv4...), vip.IPv6...)
		a.VSUUID = res.VirtualServices[d.VSName]
		a.ControllerUUID = s.env.Cloud.ControllerUUID
		a.Tenant = tenantOf(d.Key)
	}
	changed, err := s.env.Status.SetRouteStatus(ctx, r, s.routerName(), a, metav1.NewTime(s.Now()))
	if err != nil || !changed {
		return client.IgnoreNotFound(err) // a Route deleted meanwhile needs no status
	}
	if a.Admitted {
		s.env.Status.Normal(r, status.ReasonSynced, fmt.Sprintf("Added virtualservice %s for %s", d.VSName, d.Host))
	} else {
		s.env.Status.Warning(r, status.ReasonInvalidConfiguration, fmt.Sprintf("Route not admitted (%s): %s", a.Reason, a.Message))
	}
	return nil
}

func tenantOf(k model.Key) string {
	_, tenant, _, _ := model.SplitKey(k)
	return tenant
}

// reconcileNoHost writes the status of a Route that has no host (or clears it when the
// Route is gone, got a host, or left scope).
func (s *Source) reconcileNoHost(ctx context.Context, ns, name string) error {
	var r routev1.Route
	if err := s.reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &r); err != nil {
		return client.IgnoreNotFound(err)
	}
	if model.RouteHost(&r, s.env.Settings) != "" || r.DeletionTimestamp != nil {
		return nil // its tree key handles it
	}
	in, _, err := s.candidates(ctx, []routev1.Route{r})
	if err != nil {
		return err
	}
	if len(in) == 0 {
		_, err := s.env.Status.ClearRoute(ctx, &r, s.routerName())
		return err
	}
	d := model.RouteWithoutHostDecision(&r)
	return s.writeStatus(ctx, &r, d, avisync.Result{}, nil)
}

// allRoutes lists every Route and the in-scope snapshot of them.
func (s *Source) allRoutes(ctx context.Context) ([]routev1.Route, model.RouteSnapshot, error) {
	var list routev1.RouteList
	if err := s.reader.List(ctx, &list); err != nil {
		return nil, model.RouteSnapshot{}, fmt.Errorf("listing Routes: %w", err)
	}
	in, _, err := s.candidates(ctx, list.Items)
	if err != nil {
		return nil, model.RouteSnapshot{}, err
	}
	snap, err := s.snapshot(ctx, in)
	return list.Items, snap, err
}

// Desired implements vstree.Source: every Route tree from the caches.
func (s *Source) Desired(ctx context.Context) ([]model.Tree, bool) {
	if !s.active {
		return nil, true
	}
	_, snap, err := s.allRoutes(ctx)
	if err != nil {
		s.env.Log.Error(err, "computing the Route trees for a full sync")
		return nil, false
	}
	var trees []model.Tree
	for _, k := range model.RouteKeys(snap) {
		tree, _ := model.BuildRouteTree(k, snap)
		if len(tree.Objects) > 0 {
			trees = append(trees, tree)
		}
	}
	return trees, true
}

// Resync implements vstree.Source: queue every Route key.
func (s *Source) Resync(ctx context.Context) error {
	if !s.active {
		return nil
	}
	var list routev1.RouteList
	if err := s.reader.List(ctx, &list); err != nil {
		return fmt.Errorf("listing Routes: %w", err)
	}
	return s.ctrl.Enqueue(ctx, s.keysForRoutes(ctx, list.Items)...)
}

// Cleanup implements vstree.Source: after deleteConfig removed the Avi objects, remove
// AKO's status entries and annotations from every Route.
func (s *Source) Cleanup(ctx context.Context) error {
	if !s.active {
		return nil
	}
	var list routev1.RouteList
	if err := s.reader.List(ctx, &list); err != nil {
		return fmt.Errorf("listing Routes: %w", err)
	}
	var errs []error
	for i := range list.Items {
		if _, err := s.env.Status.ClearRoute(ctx, &list.Items[i], s.routerName()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
