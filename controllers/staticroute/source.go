// Package staticroute keeps this cluster's static routes to the pod networks in the Avi
// VRF (ako-spec.md §4.8, ClusterIP mode). Node events map to the single VRF key; the
// reconciler computes the routes of every Node and writes them with the client's
// read-modify-write of the VRF, leaving other clusters' routes alone.
package staticroute

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/akoproject/ako/controllers/service"
	"github.com/akoproject/ako/controllers/vstree"
	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/model"
)

// Key is the VRF whose routes a reconcile writes; there is one per workload.
type Key struct{ VRF string }

// Source is the static-route source. It is inert unless model.StaticRoutesEnabled.
type Source struct {
	env   *vstree.Env
	cache client.Reader
	ctrl  *vstree.Controller[Key]
	key   Key
}

// New returns the source.
func New() *Source { return &Source{} }

// Name implements vstree.Source.
func (s *Source) Name() string { return "staticroute" }

// Setup implements vstree.Source.
func (s *Source) Setup(mgr manager.Manager, env *vstree.Env) error {
	s.env, s.cache = env, mgr.GetClient()
	if !model.StaticRoutesEnabled(env.Settings) {
		return nil
	}
	s.key = Key{VRF: model.BuildStaticRoutes(env.Settings, env.Cloud, nil).VRF}
	c, err := vstree.NewController[Key](mgr, "staticroute", 1, reconcile.TypedFunc[Key](s.reconcile))
	if err != nil {
		return err
	}
	s.ctrl = c
	return vstree.Watch(c, &corev1.Node{}, func(context.Context, *corev1.Node) []Key { return []Key{s.key} }, service.NodeChanged)
}

func (s *Source) reconcile(ctx context.Context, _ Key) (reconcile.Result, error) {
	leave, err := s.env.Gate.Enter(ctx)
	if err != nil {
		if errors.Is(err, vstree.ErrPaused) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, err
	}
	defer leave()
	var nodes corev1.NodeList
	if err := s.cache.List(ctx, &nodes); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing Nodes: %w", err)
	}
	built := model.BuildStaticRoutes(s.env.Settings, s.env.Cloud, nodes.Items)
	for _, w := range built.Warnings {
		s.env.Log.Info("warning: static route not written: "+w, "vrf", built.VRF)
	}
	return vstree.Outcome(s.write(ctx, built))
}

func (s *Source) write(ctx context.Context, built model.StaticRoutes) error {
	routes, err := clientRoutes(built)
	if err != nil {
		return err
	}
	wrote, err := s.env.Avi.SyncStaticRoutes(ctx, s.env.Cloud.Name, built.VRF, s.env.Settings.ClusterName, routes)
	if err != nil {
		return fmt.Errorf("writing static routes of VRF %s: %w", built.VRF, err)
	}
	if wrote {
		s.env.Log.Info("static routes updated", "vrf", built.VRF, "routes", len(routes))
	}
	return nil
}

// clientRoutes converts the model's routes to the client's.
func clientRoutes(built model.StaticRoutes) ([]avi.StaticRoute, error) {
	out := make([]avi.StaticRoute, 0, len(built.Routes))
	for _, r := range built.Routes {
		addr, err := netip.ParseAddr(*r.Prefix.IPAddr.Addr)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", *r.RouteID, err)
		}
		hop, err := netip.ParseAddr(*r.NextHop.Addr)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", *r.RouteID, err)
		}
		out = append(out, avi.StaticRoute{Prefix: netip.PrefixFrom(addr, int(*r.Prefix.Mask)), NextHop: hop})
	}
	return out, nil
}

// Desired implements vstree.Source: static routes are not VS trees.
func (s *Source) Desired(context.Context) ([]model.Tree, bool) { return nil, true }

// Resync implements vstree.Source.
func (s *Source) Resync(ctx context.Context) error {
	if s.ctrl == nil {
		return nil
	}
	return s.ctrl.Enqueue(ctx, s.key)
}

// Cleanup implements vstree.Source: deleteConfig empties this cluster's routes.
func (s *Source) Cleanup(ctx context.Context) error {
	if s.ctrl == nil {
		return nil
	}
	return s.write(ctx, model.StaticRoutes{VRF: s.key.VRF})
}
