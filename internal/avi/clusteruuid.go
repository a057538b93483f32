package avi

import (
	"context"
	"net/http"
)

// ClusterUUID returns the uuid of the Controller cluster (GET /api/cluster), which AKO
// shows in the ako.vmware.com/controller-cluster-uuid annotation.
func (c *Client) ClusterUUID(ctx context.Context) (string, error) {
	var o Object
	if err := c.do(ctx, http.MethodGet, "cluster", "api/cluster", "", nil, &o); err != nil {
		return "", err
	}
	return String(o, "uuid"), nil
}
