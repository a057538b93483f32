// Package localstack runs the whole product on one machine, as `make run` does: a local
// control plane (etcd and kube-apiserver from bin/, the AKOConfig and OpenShift Route CRDs
// installed), the Avi simulator, and the operator with its in-process AKO workload; then it
// applies avi-secret, the sample AKOConfig and the demo application. With a kubeconfig it
// instead runs the operator against that cluster, as the usual operator-sdk workflow does.
//
// Files live in a state directory (.local in the repository): kubeconfig, avi.env,
// avi-ca.crt, logs/, the etcd data and the simulator state file, and stack.pids naming the
// child processes while they run. A start removes the previous run's state unless Keep is
// set, in which case it resumes from it.
package localstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// Options configure a stack.
type Options struct {
	// RepoRoot is the repository: bin/, config/crd/bases, config/samples, config/demo.
	RepoRoot string
	// StateDir holds the stack's files; default <RepoRoot>/.local.
	StateDir string
	// Keep resumes from the previous run's etcd data and simulator state.
	Keep bool

	// Kubeconfig, when set, names a real cluster: no control plane and no simulator are
	// started; the CRD is installed there and the operator runs against it.
	Kubeconfig string
	// Avi is a real Controller (with Kubeconfig; when its Address is empty no avi-secret
	// and no AKOConfig are applied). Locally only Username and Password are used, as the
	// simulator's credentials (default admin and a random password).
	Avi AviEndpoint
	// SimAddr is where the simulator listens; default 127.0.0.1:0 (a free port).
	SimAddr string
	// AKOConfigFile is the AKOConfig to apply; default config/samples/ako_v1beta1_akoconfig.yaml.
	AKOConfigFile string
	// Demo applies config/demo (the default with the local control plane).
	Demo bool
	// Workload is the operator's --workload; default in-process locally, the operator's
	// own default (a StatefulSet) against a real cluster.
	Workload string
	// AKOImage is the AKO image for the StatefulSet workload.
	AKOImage string
	// Progress receives one line per step; default io.Discard.
	Progress io.Writer
	// OwnProcessLogs sends the process-wide loggers (controller-runtime, klog, the Avi
	// SDK's glog) to logs/operator.log, so that the terminal shows only the live view.
	// For a process that is the stack (ako-local), not for a test binary.
	OwnProcessLogs bool
}

// Stack is a running local stack.
type Stack struct {
	// Config and Client reach the cluster as its administrator.
	Config *rest.Config
	Client client.Client
	// KubeconfigPath is the kubeconfig the user can use (.local/kubeconfig locally).
	KubeconfigPath string
	// Avi is the Controller the workload talks to; AviURL its URL; AviEnvPath the shell
	// fragment naming it (local only).
	Avi        AviEndpoint
	AviURL     string
	AviEnvPath string
	// Local is true when the stack runs its own control plane and simulator.
	Local bool
	// LogDir holds etcd, kube-apiserver, simulator and operator logs.
	LogDir string

	opts        Options
	files       stateLayout
	cp          *controlPlane
	sim         *simulator
	children    []Process
	operator    *operatorRun
	logFile     *os.File
	progressOut io.Writer
}

// Start brings the stack up. On error everything started so far is stopped again.
func Start(ctx context.Context, opts Options) (s *Stack, err error) {
	if opts.RepoRoot == "" {
		return nil, errors.New("localstack: RepoRoot is required")
	}
	if opts.StateDir == "" {
		opts.StateDir = filepath.Join(opts.RepoRoot, ".local")
	}
	if opts.SimAddr == "" {
		opts.SimAddr = "127.0.0.1:0"
	}
	if opts.AKOConfigFile == "" {
		opts.AKOConfigFile = filepath.Join(opts.RepoRoot, "config", "samples", "ako_v1beta1_akoconfig.yaml")
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Workload == "" && opts.Kubeconfig == "" {
		opts.Workload = "in-process"
	}
	s = &Stack{opts: opts, files: stateLayout{dir: opts.StateDir}, Local: opts.Kubeconfig == "", progressOut: opts.Progress}
	defer func() {
		if err != nil {
			s.progress("start failed; stopping what was started")
			if stopErr := s.Stop(); stopErr != nil {
				err = errors.Join(err, stopErr)
			}
			s = nil
		}
	}()
	if err := s.prepareStateDir(); err != nil {
		return s, err
	}
	if s.Local {
		err = s.startLocal(ctx)
	} else {
		err = s.attach(ctx)
	}
	if err != nil {
		return s, err
	}
	s.progress("starting the operator (workload %s)", orDash(s.opts.Workload, "StatefulSet"))
	s.operator, err = startOperator(ctx, s.Config, s.opts.Workload, s.opts.AKOImage)
	if err != nil {
		return s, err
	}
	if opts.Demo {
		s.progress("applying the demo application (%s)", filepath.Join("config", "demo"))
		objs, err := ReadManifestDir(filepath.Join(opts.RepoRoot, "config", "demo"))
		if err != nil {
			return s, err
		}
		if err := Apply(ctx, s.Client, objs...); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (s *Stack) progress(format string, args ...any) {
	fmt.Fprintf(s.progressOut, ">> "+format+"\n", args...)
}

// prepareStateDir cleans (unless Keep) and creates the state directory and the log file.
func (s *Stack) prepareStateDir() error {
	if err := os.MkdirAll(s.opts.StateDir, 0o700); err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	if s.Local {
		if err := stopLeftovers(s.files.pids(), s.progress); err != nil {
			return err
		}
		if !s.opts.Keep {
			if err := s.files.reset(); err != nil {
				return err
			}
		}
	}
	s.LogDir = s.files.logs()
	if err := os.MkdirAll(s.LogDir, 0o700); err != nil {
		return fmt.Errorf("creating the log directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(s.LogDir, "operator.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening the operator log: %w", err)
	}
	s.logFile = f
	if !s.opts.OwnProcessLogs {
		return nil
	}
	logger := zap.New(zap.WriteTo(f))
	ctrllog.SetLogger(logger)
	klog.SetLogger(logger)
	// The Avi SDK logs through glog, to stderr and to files in /tmp by default.
	for name, value := range map[string]string{"log_dir": s.LogDir, "stderrthreshold": "FATAL"} {
		if flag.Lookup(name) != nil {
			if err := flag.Set(name, value); err != nil {
				return fmt.Errorf("setting the Avi SDK's glog flag %s: %w", name, err)
			}
		}
	}
	return nil
}

func (s *Stack) startLocal(ctx context.Context) error {
	if s.opts.Keep {
		s.progress("resuming from %s (KEEP=1)", s.opts.StateDir)
	}
	s.progress("starting etcd and kube-apiserver from %s (logs in %s)", filepath.Join(s.opts.RepoRoot, "bin"), s.LogDir)
	cp, err := startControlPlane(filepath.Join(s.opts.RepoRoot, "bin"), filepath.Join(s.opts.RepoRoot, "config", "crd", "bases"), s.files.etcdData(), s.LogDir)
	if err != nil {
		return err
	}
	s.cp, s.Config = cp, cp.config
	if err := s.recordChildren(); err != nil {
		return err
	}
	s.KubeconfigPath = s.files.kubeconfig()
	if err := writeFileAtomic(s.KubeconfigPath, cp.kubeconfig, 0o600); err != nil {
		return err
	}
	if s.Client, err = client.New(s.Config, client.Options{}); err != nil {
		return fmt.Errorf("building the cluster client: %w", err)
	}

	ep, err := s.simulatorCredentials()
	if err != nil {
		return err
	}
	s.sim, err = startSimulator(s.opts.SimAddr, ep.Username, ep.Password, s.files.simState(), log.New(s.logFile, "avi-sim: ", log.LstdFlags))
	if err != nil {
		return err
	}
	ep.Address, ep.CACert = s.sim.address, s.sim.caPEM
	s.Avi, s.AviURL, s.AviEnvPath = ep, s.sim.url(), s.files.aviEnv()
	s.progress("Avi simulator listening on %s", s.AviURL)
	if err := writeFileAtomic(s.files.aviCACert(), ep.CACert, 0o644); err != nil {
		return err
	}
	if err := writeFileAtomic(s.AviEnvPath, aviEnvFile(s.AviURL, ep.Username, ep.Password, s.files.aviCACert()), 0o600); err != nil {
		return err
	}
	return s.applyAKOSettings(ctx, true)
}

// simulatorCredentials are the given ones, else those of a resumed run, else admin and a
// fresh random password.
func (s *Stack) simulatorCredentials() (AviEndpoint, error) {
	ep := AviEndpoint{Username: s.opts.Avi.Username, Password: s.opts.Avi.Password}
	if s.opts.Keep && ep.Password == "" {
		if data, err := os.ReadFile(s.files.aviEnv()); err == nil {
			prev := parseAviEnv(data)
			ep.Username, ep.Password = prev["AVI_USERNAME"], prev["AVI_PASSWORD"]
		}
	}
	if ep.Username == "" {
		ep.Username = "admin"
	}
	if ep.Password == "" {
		buf := make([]byte, 12)
		if _, err := rand.Read(buf); err != nil {
			return ep, fmt.Errorf("generating the simulator password: %w", err)
		}
		ep.Password = hex.EncodeToString(buf)
	}
	return ep, nil
}

// recordChildren finds this stack's etcd and kube-apiserver among the process' children by
// their command lines (a test process may run other control planes) and writes their pids
// to stack.pids, for the next run to stop them should this one be killed before it can.
func (s *Stack) recordChildren() error {
	kids, err := ChildProcesses(os.Getpid())
	if err != nil {
		return err
	}
	want := map[string]string{
		"etcd":           "--data-dir=" + s.files.etcdData(),
		"kube-apiserver": "--etcd-servers=" + s.cp.env.ControlPlane.Etcd.URL.String(),
	}
	for _, k := range kids {
		for name, arg := range want {
			if slices.Contains(processArgs(k.PID), arg) {
				k.Name = name
				s.children = append(s.children, k)
			}
		}
	}
	if len(s.children) != len(want) {
		return fmt.Errorf("found %+v among this process' children, want one etcd and one kube-apiserver", s.children)
	}
	return writeFileAtomic(s.files.pids(), pidRecord(s.children), 0o600)
}

// attach prepares a real cluster: installs the CRD and, given a Controller, avi-secret and
// the AKOConfig.
func (s *Stack) attach(ctx context.Context) error {
	var err error
	s.KubeconfigPath = s.opts.Kubeconfig
	if s.Config, err = clientcmd.BuildConfigFromFlags("", s.opts.Kubeconfig); err != nil {
		return fmt.Errorf("reading kubeconfig %s: %w", s.opts.Kubeconfig, err)
	}
	if s.Client, err = client.New(s.Config, client.Options{}); err != nil {
		return fmt.Errorf("building the cluster client: %w", err)
	}
	crdDir := filepath.Join(s.opts.RepoRoot, "config", "crd", "bases")
	s.progress("installing the AKOConfig CRD from %s on %s", crdDir, s.Config.Host)
	if _, err := envtest.InstallCRDs(s.Config, envtest.CRDInstallOptions{Paths: []string{crdDir}, ErrorIfPathMissing: true}); err != nil {
		return fmt.Errorf("installing the CRD: %w", err)
	}
	s.Avi = s.opts.Avi
	if s.Avi.Address == "" {
		s.progress("AVI_CONTROLLER is not set: apply avi-secret and an AKOConfig in %s yourself", AKONamespace)
		return s.ensureNamespace(ctx)
	}
	s.AviURL = "https://" + s.Avi.Address
	return s.applyAKOSettings(ctx, false)
}

func (s *Stack) ensureNamespace(ctx context.Context) error {
	return Apply(ctx, s.Client, namespaceObject(AKONamespace))
}

// applyAKOSettings applies the AKO namespace, avi-secret and the AKOConfig for s.Avi.
func (s *Stack) applyAKOSettings(ctx context.Context, forSimulator bool) error {
	objs, err := ReadManifestFile(s.opts.AKOConfigFile)
	if err != nil {
		return err
	}
	if len(objs) != 1 {
		return fmt.Errorf("%s holds %d objects, want one AKOConfig", s.opts.AKOConfigFile, len(objs))
	}
	cfg, err := stackAKOConfig(objs[0], AKONamespace, s.Avi, forSimulator)
	if err != nil {
		return err
	}
	s.progress("applying namespace %s, %s and AKOConfig %s (controllerIP %s)", AKONamespace, AviSecretName, cfg.GetName(), s.Avi.Address)
	return Apply(ctx, s.Client, namespaceObject(AKONamespace), aviSecretObject(AKONamespace, s.Avi), cfg)
}

// Children are the processes the stack started (etcd and kube-apiserver); the rest runs in
// this process.
func (s *Stack) Children() []Process { return append([]Process(nil), s.children...) }

// OperatorDone is closed with the operator's error when it stops on its own.
func (s *Stack) OperatorDone() <-chan error {
	if s.operator == nil {
		return nil
	}
	return s.operator.done
}

// Observer reads the live view's state; locally it names virtual services through the
// simulator.
func (s *Stack) Observer() *Observer {
	o := &Observer{Client: s.Client}
	if s.sim != nil {
		o.Namer = newAviNamer(s.Avi, ctrllog.Log.WithName("live-view"))
	}
	return o
}

// Stop stops the operator, the simulator (saving its state) and the control plane, in
// that order, waits for each, and makes sure no child process is left: a process group
// that outlived its graceful stop is killed, and reported. Calling Stop again is safe.
func (s *Stack) Stop() error {
	var errs []error
	if s.operator != nil {
		s.progress("stopping the operator")
		if err := s.operator.stop(30 * time.Second); err != nil {
			errs = append(errs, err)
		}
		s.operator = nil
	}
	if s.sim != nil {
		s.progress("stopping the Avi simulator")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, s.sim.stop(ctx))
		cancel()
		s.sim = nil
	}
	if s.cp != nil {
		s.progress("stopping kube-apiserver and etcd")
		errs = append(errs, s.cp.stop())
		s.cp = nil
	}
	for _, p := range s.children {
		if groupAlive(p.PID) {
			errs = append(errs, fmt.Errorf("%s (pid %d) was still running after stop; killed its process group", p.Name, p.PID))
			errs = append(errs, stopGroup(p.PID, 5*time.Second))
		}
	}
	if len(s.children) > 0 && errors.Join(errs...) == nil {
		if err := os.Remove(s.files.pids()); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if s.logFile != nil {
		_ = s.logFile.Close()
		s.logFile = nil
	}
	return errors.Join(errs...)
}
