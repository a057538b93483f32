package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/akoproject/ako/controllers/vstree"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/status"
	"github.com/akoproject/ako/internal/sync"
)

// vipPendingRetry is how soon a key is looked at again when the Controller has not yet
// allocated its VIP.
const vipPendingRetry = 5 * time.Second

type reconciler struct{ s *Source }

// state is what one key looks like in the caches.
type state struct {
	// members are the accepted Services the tree serves.
	members []*corev1.Service
	// unserved are Services of the key that must not show an AKO status.
	unserved []*corev1.Service
	// refused are Services AKO will not serve because of a mistake the user should hear about.
	refused []refusal
	build   model.L4Build
}

type refusal struct {
	svc    *corev1.Service
	reason string
}

// build computes the desired tree of k from the caches.
func (s *Source) build(ctx context.Context, k Key) (state, error) {
	env := s.env
	var st state
	var candidates []*corev1.Service
	if k.Shared {
		var list corev1.ServiceList
		if err := s.cache.List(ctx, &list, client.InNamespace(k.Namespace), client.MatchingFields{indexSharedVIP: k.Namespace + "/" + k.Name}); err != nil {
			return st, fmt.Errorf("listing the Services of shared VIP %s/%s: %w", k.Namespace, k.Name, err)
		}
		for i := range list.Items {
			candidates = append(candidates, &list.Items[i])
		}
	} else {
		var svc corev1.Service
		err := s.cache.Get(ctx, client.ObjectKey{Namespace: k.Namespace, Name: k.Name}, &svc)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return st, fmt.Errorf("reading Service %s/%s: %w", k.Namespace, k.Name, err)
		default:
			candidates = append(candidates, &svc)
		}
	}

	var ns *corev1.Namespace
	if len(candidates) > 0 && env.Settings.NSSyncLabelKey != "" {
		ns = &corev1.Namespace{}
		if err := s.cache.Get(ctx, client.ObjectKey{Name: k.Namespace}, ns); err != nil {
			if !apierrors.IsNotFound(err) {
				return st, fmt.Errorf("reading Namespace %s: %w", k.Namespace, err)
			}
			ns = nil
		}
	}
	for _, svc := range candidates {
		scope := model.L4Scope(env.Settings, svc, ns)
		switch {
		case !scope.Accepted:
			if scope.BadInput {
				st.refused = append(st.refused, refusal{svc, fmt.Sprintf("Service %s/%s is not handled: %s", svc.Namespace, svc.Name, scope.Reason)})
			}
			st.unserved = append(st.unserved, svc)
		case !k.Shared && model.SharedVIPKey(svc) != "":
			// Served by its shared-VIP group; that key owns its status.
		default:
			st.members = append(st.members, svc)
		}
	}
	tenant := env.Cloud.Tenant
	if tenant == "" {
		tenant = env.Settings.TenantName
	}
	if len(st.members) == 0 {
		st.build.Tree = model.Tree{Key: model.L4Key(tenant, model.L4VSName(env.Settings.ClusterName, k.Namespace, k.Name))}
		return st, nil
	}
	slices := map[string][]discoveryv1.EndpointSlice{}
	for _, svc := range st.members {
		var list discoveryv1.EndpointSliceList
		if err := s.cache.List(ctx, &list, client.InNamespace(svc.Namespace), client.MatchingFields{indexSliceService: svc.Namespace + "/" + svc.Name}); err != nil {
			return st, fmt.Errorf("listing EndpointSlices of Service %s/%s: %w", svc.Namespace, svc.Name, err)
		}
		slices[svc.Name] = list.Items
	}
	var nodes []corev1.Node
	if env.Settings.ServiceType == "NodePort" {
		var list corev1.NodeList
		if err := s.cache.List(ctx, &list); err != nil {
			return st, fmt.Errorf("listing Nodes: %w", err)
		}
		nodes = list.Items
	}
	sharedKey := ""
	if k.Shared {
		sharedKey = k.Name
	}
	st.build = model.BuildL4(model.L4Input{
		Settings: env.Settings, Cloud: env.Cloud, Services: st.members, SharedKey: sharedKey,
		EndpointSlices: slices, Nodes: nodes,
	})
	if len(st.build.Warnings) > 0 {
		// The group's objects are removed; none of its members shows a VIP.
		st.unserved = append(st.unserved, st.members...)
		for _, svc := range st.members {
			for _, w := range st.build.Warnings {
				st.refused = append(st.refused, refusal{svc, w})
			}
		}
		st.members = nil
	}
	return st, nil
}

// Reconcile makes the Controller and the Service status match one key.
func (r *reconciler) Reconcile(ctx context.Context, k Key) (reconcile.Result, error) {
	s := r.s
	env := s.env
	log := env.Log.WithValues("key", k.String())
	leave, err := env.Gate.Enter(ctx)
	if err != nil {
		if errors.Is(err, vstree.ErrPaused) {
			return reconcile.Result{}, nil // deleteConfig: the unpause resyncs every key
		}
		return reconcile.Result{}, err
	}
	defer leave()
	st, err := s.build(ctx, k)
	if err != nil {
		return reconcile.Result{}, err
	}
	for _, ref := range st.refused {
		env.Status.Warning(ref.svc, status.ReasonInvalidConfiguration, ref.reason)
	}
	if st.build.Err != nil {
		// Bad input: leave the Controller as it is and tell the user; the fix is an edit
		// of the Service, which queues the key again.
		for _, svc := range st.members {
			env.Status.Warning(svc, status.ReasonInvalidConfiguration, st.build.Err.Error())
		}
		return reconcile.Result{}, nil
	}

	res, err := env.Sync.Apply(ctx, st.build.Tree)
	if err != nil {
		if vstree.Rejected(err) {
			for _, svc := range st.members {
				env.Status.Warning(svc, status.ReasonSyncError, fmt.Sprintf("the Avi Controller rejected the virtual service of Service %s/%s: %v", svc.Namespace, svc.Name, err))
			}
		} else {
			log.Info("sync failed, will retry", "error", err.Error())
		}
		return vstree.Outcome(err)
	}
	log.V(1).Info("reconciled", "objects", len(st.build.Tree.Objects), "writes", res.Writes())

	for _, svc := range st.unserved {
		if cleared, err := env.Status.ClearService(ctx, svc); err != nil {
			return reconcile.Result{}, err
		} else if cleared {
			env.Status.Normal(svc, status.ReasonRemoved, fmt.Sprintf("Removed virtualservice for Service %s/%s", svc.Namespace, svc.Name))
		}
	}
	return r.writeStatus(ctx, st, res)
}

func (r *reconciler) writeStatus(ctx context.Context, st state, res sync.Result) (reconcile.Result, error) {
	env := r.s.env
	if len(st.members) == 0 {
		return reconcile.Result{}, nil
	}
	var vsName string
	for _, o := range st.build.Tree.Objects {
		if o.Kind == model.KindVirtualService {
			vsName = o.Name
		}
	}
	vip := res.VIPs[vsName]
	lb := status.ServiceLB{
		VIPs:           append(append([]string(nil), vip.IPv4...), vip.IPv6...),
		FQDNs:          st.build.FQDNs,
		VSUUID:         res.VirtualServices[vsName],
		ControllerUUID: env.Cloud.ControllerUUID,
		Tenant:         env.Cloud.Tenant,
	}
	if len(lb.VIPs) == 0 {
		return reconcile.Result{RequeueAfter: vipPendingRetry}, nil
	}
	for _, svc := range st.members {
		changed, err := env.Status.SetServiceLB(ctx, svc, lb)
		if err != nil {
			return reconcile.Result{}, err
		}
		if changed {
			env.Status.Normal(svc, status.ReasonSynced, fmt.Sprintf("Added virtualservice %s for Service %s/%s", vsName, svc.Namespace, svc.Name))
		}
	}
	return reconcile.Result{}, nil
}
