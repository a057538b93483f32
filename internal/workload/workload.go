// Package workload runs the AKO workload: settings, the Avi connection, the in-process
// controllers and the HTTP API. cmd/ako runs it as a pod; the operator runs it in its own
// process with --workload=in-process.
package workload

import (
	"context"
	"errors"

	"k8s.io/client-go/rest"
)

// Options configure one workload process.
type Options struct {
	// Config reaches the cluster.
	Config *rest.Config
	// Namespace is the AKO namespace holding avi-k8s-config and avi-secret.
	Namespace string
	// PodName identifies this replica (leader election, Events).
	PodName string
	// InProcess is set when the operator runs the workload; there is no StatefulSet then,
	// so deletion progress is reported on the ConfigMap.
	InProcess bool
}

// Run runs the workload until ctx ends.
func Run(ctx context.Context, opts Options) error {
	return errors.New("the AKO workload is not part of this build yet")
}
