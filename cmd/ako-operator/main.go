// Command ako-operator runs the AKO operator: it turns the AKOConfig in its namespace into
// the AKO workload (see internal/operator).
package main

import (
	"flag"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/akoproject/ako/controllers/akoconfig"
	"github.com/akoproject/ako/internal/operator"
)

func main() {
	opts := operator.Options{}
	flag.StringVar(&opts.Namespace, "namespace", envOr("POD_NAMESPACE", operator.DefaultNamespace),
		"namespace of the honoured AKOConfig, avi-secret and the AKO workload (default: $POD_NAMESPACE, else avi-system)")
	flag.StringVar(&opts.MetricsAddr, "metrics-bind-address", "0", "address of the Prometheus metrics endpoint (\"0\" = off), e.g. :8080")
	flag.StringVar(&opts.ProbeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	flag.BoolVar(&opts.LeaderElect, "leader-elect", false, "elect a leader so that only one operator replica acts")
	flag.StringVar(&opts.Workload, "workload", operator.WorkloadStatefulSet, "where AKO runs: statefulset or in-process")
	flag.StringVar(&opts.AKOImage, "ako-image", envOr("RELATED_IMAGE_AKO", akoconfig.DefaultImage), "AKO image when an AKOConfig names none")
	flag.DurationVar(&opts.CleanupTimeout, "cleanup-timeout", akoconfig.DefaultCleanupTimeout,
		"how long a deleted AKOConfig waits for AKO to remove its Avi objects")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	cfg, err := ctrl.GetConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ako-operator: no cluster configuration:", err)
		os.Exit(1)
	}
	opts.Config = cfg
	if err := operator.Run(ctrl.SetupSignalHandler(), opts); err != nil {
		fmt.Fprintln(os.Stderr, "ako-operator:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
