// Package service turns Services of type LoadBalancer into Avi L4 virtual services
// (ako-spec.md §4.7). Watches of Services, EndpointSlices, Namespaces and (in NodePort
// mode) Nodes only map events to keys; the reconciler builds the tree of a key from the
// informer caches with model.BuildL4, applies it and writes the Service status.
package service

import (
	"context"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/akoproject/ako/controllers/vstree"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/status"
)

// Key is the work item of a LoadBalancer Service tree: one Service, or one shared-VIP
// group of a namespace.
type Key struct {
	Namespace string
	// Name is the Service name, or the shared-VIP key when Shared.
	Name   string
	Shared bool
}

func (k Key) String() string {
	if k.Shared {
		return fmt.Sprintf("shared-vip %s/%s", k.Namespace, k.Name)
	}
	return fmt.Sprintf("service %s/%s", k.Namespace, k.Name)
}

// Index names on the informer cache.
const (
	indexSliceService = "ako.service.slice-service"  // EndpointSlice → "<ns>/<service>"
	indexSharedVIP    = "ako.service.shared-vip-key" // Service → "<ns>/<shared key>"
	workers           = 8
)

// Source is the LoadBalancer Service source.
type Source struct {
	env   *vstree.Env
	cache client.Reader
	ctrl  *vstree.Controller[Key]
}

// New returns the source; Setup wires it to a manager.
func New() *Source { return &Source{} }

// Name implements vstree.Source.
func (s *Source) Name() string { return "service" }

// Setup implements vstree.Source.
func (s *Source) Setup(mgr manager.Manager, env *vstree.Env) error {
	s.env, s.cache = env, mgr.GetClient()
	ctx := context.Background()
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &discoveryv1.EndpointSlice{}, indexSliceService, func(o client.Object) []string {
		if svc := o.GetLabels()[discoveryv1.LabelServiceName]; svc != "" {
			return []string{o.GetNamespace() + "/" + svc}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing EndpointSlices by Service: %w", err)
	}
	if err := idx.IndexField(ctx, &corev1.Service{}, indexSharedVIP, func(o client.Object) []string {
		if k := model.SharedVIPKey(o.(*corev1.Service)); k != "" {
			return []string{o.GetNamespace() + "/" + k}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing Services by shared VIP: %w", err)
	}
	c, err := vstree.NewController[Key](mgr, "service", workers, &reconciler{s: s})
	if err != nil {
		return err
	}
	s.ctrl = c
	if err := vstree.Watch(c, &corev1.Service{}, func(_ context.Context, svc *corev1.Service) []Key {
		return keysOf(svc)
	}, serviceChanged); err != nil {
		return err
	}
	if err := vstree.Watch(c, &discoveryv1.EndpointSlice{}, s.keysOfSlice, slicesChanged); err != nil {
		return err
	}
	if err := vstree.Watch(c, &corev1.Namespace{}, s.keysOfNamespace, func(o, n *corev1.Namespace) bool {
		return !reflect.DeepEqual(o.Labels, n.Labels)
	}); err != nil {
		return err
	}
	if env.Settings.ServiceType == "NodePort" {
		if err := vstree.Watch(c, &corev1.Node{}, s.allKeys, NodeChanged); err != nil {
			return err
		}
	}
	return nil
}

// keysOf are the keys a Service can take part in: its own tree and its shared-VIP group.
func keysOf(svc *corev1.Service) []Key {
	keys := []Key{{Namespace: svc.Namespace, Name: svc.Name}}
	if k := model.SharedVIPKey(svc); k != "" {
		keys = append(keys, Key{Namespace: svc.Namespace, Name: k, Shared: true})
	}
	return keys
}

// serviceChanged ignores updates that only touch status or our own annotations, which
// our own status writes cause.
func serviceChanged(o, n *corev1.Service) bool {
	return !reflect.DeepEqual(o.Spec, n.Spec) || !reflect.DeepEqual(o.Labels, n.Labels) ||
		!reflect.DeepEqual(foreignAnnotations(o), foreignAnnotations(n)) || o.DeletionTimestamp != n.DeletionTimestamp
}

func foreignAnnotations(svc *corev1.Service) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Annotations {
		if !status.OwnedAnnotation(k) {
			out[k] = v
		}
	}
	return out
}

func slicesChanged(o, n *discoveryv1.EndpointSlice) bool {
	return !reflect.DeepEqual(o.Endpoints, n.Endpoints) || !reflect.DeepEqual(o.Ports, n.Ports) ||
		o.Labels[discoveryv1.LabelServiceName] != n.Labels[discoveryv1.LabelServiceName]
}

// NodeChanged reports a Node change that can change pool servers or static routes:
// labels, addresses, pod CIDRs or annotations (pod-CIDR and CNI address annotations).
// Heartbeat status updates do not count.
func NodeChanged(o, n *corev1.Node) bool {
	return !reflect.DeepEqual(o.Labels, n.Labels) || !reflect.DeepEqual(o.Status.Addresses, n.Status.Addresses) ||
		!reflect.DeepEqual(o.Spec.PodCIDRs, n.Spec.PodCIDRs) || o.Spec.PodCIDR != n.Spec.PodCIDR ||
		!reflect.DeepEqual(o.Annotations, n.Annotations)
}

func (s *Source) keysOfSlice(ctx context.Context, es *discoveryv1.EndpointSlice) []Key {
	name := es.Labels[discoveryv1.LabelServiceName]
	if name == "" {
		return nil
	}
	var svc corev1.Service
	if err := s.cache.Get(ctx, client.ObjectKey{Namespace: es.Namespace, Name: name}, &svc); err != nil {
		return []Key{{Namespace: es.Namespace, Name: name}}
	}
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return nil // endpoints of ordinary Services are not ours to follow
	}
	return keysOf(&svc)
}

func (s *Source) keysOfNamespace(ctx context.Context, ns *corev1.Namespace) []Key {
	var list corev1.ServiceList
	if err := s.cache.List(ctx, &list, client.InNamespace(ns.Name)); err != nil {
		s.env.Log.Error(err, "listing Services of a namespace", "namespace", ns.Name)
		return nil
	}
	return lbKeys(list.Items)
}

func (s *Source) allKeys(ctx context.Context, _ *corev1.Node) []Key {
	var list corev1.ServiceList
	if err := s.cache.List(ctx, &list); err != nil {
		s.env.Log.Error(err, "listing Services")
		return nil
	}
	return lbKeys(list.Items)
}

func lbKeys(svcs []corev1.Service) []Key {
	var out []Key
	seen := map[Key]bool{}
	for i := range svcs {
		if svcs[i].Spec.Type != corev1.ServiceTypeLoadBalancer && !status.ServesStatus(&svcs[i]) {
			continue
		}
		for _, k := range keysOf(&svcs[i]) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// Resync implements vstree.Source: queue every LoadBalancer Service key.
func (s *Source) Resync(ctx context.Context) error {
	var list corev1.ServiceList
	if err := s.cache.List(ctx, &list); err != nil {
		return fmt.Errorf("listing Services: %w", err)
	}
	return s.ctrl.Enqueue(ctx, lbKeys(list.Items)...)
}

// Desired implements vstree.Source: the tree of every accepted Service and shared-VIP
// group, from one listing.
func (s *Source) Desired(ctx context.Context) ([]model.Tree, bool) {
	var list corev1.ServiceList
	if err := s.cache.List(ctx, &list); err != nil {
		s.env.Log.Error(err, "listing Services for the full sync")
		return nil, false
	}
	var trees []model.Tree
	complete := true
	for _, k := range lbKeys(list.Items) {
		st, err := s.build(ctx, k)
		if err != nil {
			s.env.Log.Error(err, "computing a tree for the full sync", "key", k.String())
			complete = false
			continue
		}
		if st.build.Err == nil && len(st.build.Tree.Objects) > 0 {
			trees = append(trees, st.build.Tree)
		}
	}
	return trees, complete
}

// Cleanup implements vstree.Source: clear the status of every Service AKO served.
func (s *Source) Cleanup(ctx context.Context) error {
	var list corev1.ServiceList
	if err := s.cache.List(ctx, &list); err != nil {
		return fmt.Errorf("listing Services: %w", err)
	}
	var errs []error
	for i := range list.Items {
		svc := &list.Items[i]
		if cleared, err := s.env.Status.ClearService(ctx, svc); err != nil {
			errs = append(errs, err)
		} else if cleared {
			s.env.Status.Normal(svc, "Removed", "Removed virtualservice for Service "+svc.Namespace+"/"+svc.Name+" (deleteConfig)")
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("clearing Service status: %w (%d failed)", errs[0], len(errs))
	}
	return nil
}
