// Package route is the workload's OpenShift Route source: it watches Routes and what
// they use (Services, EndpointSlices, the router-certs-default Secret, Namespaces, Nodes
// in NodePort mode), maps every event to the keys of the Avi VS trees it affects, and
// reconciles one tree per key: model.BuildRouteTree, sync, then Route status.
package route

import (
	"fmt"

	routev1 "github.com/openshift/api/route/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// Served reports whether the cluster serves route.openshift.io/v1, i.e. is OpenShift.
// There AKO watches Routes and ignores Ingresses completely (ako-spec.md §4.3).
func Served(cfg *rest.Config) (bool, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return false, fmt.Errorf("creating a discovery client: %w", err)
	}
	resources, err := dc.ServerResourcesForGroupVersion(routev1.GroupVersion.String())
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("discovering %s: %w", routev1.GroupVersion, err)
	}
	for _, r := range resources.APIResources {
		if r.Name == "routes" {
			return true, nil
		}
	}
	return false, nil
}
