// Command ako is the AKO workload: it turns Services of type LoadBalancer (and, through
// its other sources, Routes) into Avi virtual services. It runs as the StatefulSet ako;
// the namespace and pod name come from the downward API (POD_NAMESPACE, POD_NAME).
package main

import (
	"flag"
	"fmt"
	"os"

	uzap "go.uber.org/zap"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/akoproject/ako/internal/workload"
)

func main() {
	ns := flag.String("namespace", os.Getenv("POD_NAMESPACE"), "the AKO namespace (POD_NAMESPACE)")
	pod := flag.String("pod-name", os.Getenv("POD_NAME"), "this replica's Pod name (POD_NAME)")
	flag.Parse()

	level := uzap.NewAtomicLevel()
	ctrl.SetLogger(zap.New(zap.Level(&level)))
	log := ctrl.Log.WithName("ako")
	if *ns == "" {
		fmt.Fprintln(os.Stderr, "ako: the namespace is required (POD_NAMESPACE or --namespace)")
		os.Exit(2)
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "no Kubernetes configuration")
		os.Exit(1)
	}
	ctx := ctrl.SetupSignalHandler()
	if err := workload.Run(ctx, workload.Options{Config: cfg, Namespace: *ns, PodName: *pod, LogLevel: &level}); err != nil {
		log.Error(err, "the workload stopped")
		os.Exit(1)
	}
}
