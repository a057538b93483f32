// Package kubeenv starts a real kube-apiserver and etcd (envtest, binaries from bin/ built
// by hack/tools) for tests, with the project's CRDs and, on request, the OpenShift Route
// CRD from the github.com/openshift/api module, so that the cluster looks like OpenShift.
package kubeenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Options choose what the test cluster serves.
type Options struct {
	// OpenShift installs the route.openshift.io Route CRD.
	OpenShift bool
	// ExtraCRDPaths are more CRD files or directories to install.
	ExtraCRDPaths []string
	// APIServerArgs are extra kube-apiserver flags, e.g. {"authorization-mode": "RBAC"}.
	APIServerArgs map[string]string
}

// Env is a running test cluster.
type Env struct {
	*envtest.Environment
	Config *rest.Config
}

// RepoRoot is the repository root, found from this source file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// RouteCRDPath is the Route CRD manifest shipped in the github.com/openshift/api module.
func RouteCRDPath() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/openshift/api").Output()
	if err != nil {
		return "", fmt.Errorf("locating the github.com/openshift/api module: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "route", "v1", "zz_generated.crd-manifests", "routes.crd.yaml"), nil
}

// Start starts kube-apiserver and etcd and installs the CRDs. Call Stop when done.
func Start(opts Options) (*Env, error) {
	root := RepoRoot()
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(root, "bin")
	}
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil {
		return nil, fmt.Errorf("kube-apiserver not found in %s: run 'make tools' first: %w", assets, err)
	}
	paths := []string{filepath.Join(root, "config", "crd", "bases")}
	if opts.OpenShift {
		p, err := RouteCRDPath()
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	paths = append(paths, opts.ExtraCRDPaths...)
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     paths,
		ErrorIfCRDPathMissing: true,
	}
	if len(opts.APIServerArgs) > 0 {
		args := env.ControlPlane.GetAPIServer().Configure()
		for k, v := range opts.APIServerArgs {
			args.Set(k, v)
		}
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest: %w", err)
	}
	return &Env{Environment: env, Config: cfg}, nil
}
