package localstack

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/akoproject/ako/test/kubeenv"
)

// controlPlane is etcd + kube-apiserver from bin/ (built by hack/tools), started through
// envtest's control plane: each in its own process group, stopped with SIGTERM to the group
// and waited for. etcd keeps its data in the state directory so KEEP=1 can resume.
type controlPlane struct {
	env        *envtest.Environment
	config     *rest.Config
	kubeconfig []byte
	logs       []io.Closer
}

func startControlPlane(binDir, crdDir, etcdData, logDir string) (*controlPlane, error) {
	for _, tool := range []string{"etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(binDir, tool)); err != nil {
			return nil, fmt.Errorf("%s is not in %s: build it with hack/tools/build.sh etcd kube-apiserver (make run does): %w", tool, binDir, err)
		}
	}
	routeCRD, err := kubeenv.RouteCRDPath()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(etcdData, 0o700); err != nil {
		return nil, fmt.Errorf("creating the etcd data directory: %w", err)
	}
	cp := &controlPlane{}
	etcdLog, err := cp.openLog(logDir, "etcd.log")
	if err != nil {
		return nil, err
	}
	apiLog, err := cp.openLog(logDir, "kube-apiserver.log")
	if err != nil {
		cp.closeLogs()
		return nil, err
	}
	etcd := &envtest.Etcd{DataDir: etcdData, Out: etcdLog, Err: etcdLog}
	// The data outlives this run (KEEP=1), so let etcd sync it to disk.
	etcd.Configure().Set("unsafe-no-fsync", "false")
	cp.env = &envtest.Environment{
		BinaryAssetsDirectory:    binDir,
		CRDDirectoryPaths:        []string{crdDir, routeCRD},
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 60 * time.Second,
		ControlPlaneStopTimeout:  15 * time.Second,
		ControlPlane: envtest.ControlPlane{
			Etcd:      etcd,
			APIServer: &envtest.APIServer{Out: apiLog, Err: apiLog},
		},
	}
	cfg, err := cp.env.Start()
	if err != nil {
		_ = cp.env.Stop()
		cp.closeLogs()
		return nil, fmt.Errorf("starting etcd and kube-apiserver (logs in %s): %w", logDir, err)
	}
	cp.config = cfg
	cp.kubeconfig = cp.env.KubeConfig
	return cp, nil
}

func (cp *controlPlane) openLog(dir, name string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening log file: %w", err)
	}
	cp.logs = append(cp.logs, f)
	return f, nil
}

func (cp *controlPlane) closeLogs() {
	for _, l := range cp.logs {
		_ = l.Close()
	}
}

// stop stops kube-apiserver, then etcd, and waits for both.
func (cp *controlPlane) stop() error {
	defer cp.closeLogs()
	if err := cp.env.Stop(); err != nil {
		return fmt.Errorf("stopping the control plane: %w", err)
	}
	return nil
}
