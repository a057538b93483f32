// Command ako-local runs the local stack behind `make run`: a local control plane, the Avi
// simulator and the operator with its in-process AKO workload, plus a live view. With
// --kubeconfig it runs the operator against that cluster instead. Ctrl-C stops everything.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/akoproject/ako/internal/localstack"
)

func main() {
	// An own flag set: controller-runtime registers --kubeconfig on the global one.
	flags := flag.NewFlagSet("ako-local", flag.ExitOnError)
	wd, _ := os.Getwd()
	repo := flags.String("repo", wd, "repository root (bin/, config/)")
	stateDir := flags.String("state-dir", "", "state directory (default <repo>/.local)")
	keep := flags.Bool("keep", false, "resume from the previous run's state instead of starting clean")
	kubeconfig := flags.String("kubeconfig", "", "run the operator against this cluster instead of a local control plane")
	simAddr := flags.String("sim-addr", "127.0.0.1:0", "address of the Avi simulator (local stack)")
	akoConfig := flags.String("akoconfig", "", "AKOConfig manifest to apply (default config/samples/ako_v1beta1_akoconfig.yaml)")
	demo := flags.Bool("demo", true, "apply the demo application (config/demo) on the local stack")
	akoImage := flags.String("ako-image", "", "AKO image of the StatefulSet workload (real cluster)")
	view := flags.Bool("view", true, "show the live view")
	_ = flags.Parse(os.Args[1:])
	// The Avi SDK calls flag.Parse() on the global set when nobody has, which would exit on
	// our flags and orphan etcd and kube-apiserver: mark it parsed.
	_ = flag.CommandLine.Parse(nil)

	os.Exit(run(localstack.Options{
		RepoRoot:      *repo,
		StateDir:      *stateDir,
		Keep:          *keep,
		Kubeconfig:    *kubeconfig,
		SimAddr:       *simAddr,
		AKOConfigFile: *akoConfig,
		Demo:          *demo && *kubeconfig == "",
		AKOImage:      *akoImage,
		// A real Controller (with --kubeconfig), or the simulator's credentials.
		Avi: localstack.AviEndpoint{
			Address:  os.Getenv("AVI_CONTROLLER"),
			Username: os.Getenv("AVI_USERNAME"),
			Password: os.Getenv("AVI_PASSWORD"),
		},
		Progress:       os.Stdout,
		OwnProcessLogs: true,
	}, *view))
}

func run(opts localstack.Options, view bool) int {
	// Signals are caught for the whole run, also while stopping: a second Ctrl-C must not
	// kill this process and orphan etcd and kube-apiserver (they are in their own groups).
	// A closed terminal (SIGHUP) stops the stack like Ctrl-C. When the output goes through
	// a pipe (make run | tee log) Ctrl-C also ends the reader; ignoring SIGPIPE turns the
	// next write into an error instead of killing this process before it has stopped
	// etcd and kube-apiserver.
	signal.Ignore(syscall.SIGPIPE)
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-signals
		fmt.Println("\n>> stopping (Ctrl-C again does not skip this; it waits at most about a minute)")
		cancel()
		for range signals {
			fmt.Println(">> still stopping...")
		}
	}()

	stack, err := localstack.Start(ctx, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ako-local: %v\n", err)
		return 1
	}
	header := usage(stack)
	fmt.Print(header)

	exit := 0
	viewDone := make(chan struct{})
	viewCtx, stopView := context.WithCancel(ctx)
	go func() {
		defer close(viewDone)
		if view {
			localstack.Watch(viewCtx, stack.Observer(), os.Stdout, localstack.WatchOptions{
				Header: header, Terminal: term.IsTerminal(int(os.Stdout.Fd())),
			})
		}
	}()
	select {
	case <-ctx.Done():
	case err := <-stack.OperatorDone():
		fmt.Fprintf(os.Stderr, "ako-local: the operator stopped: %v (log: %s)\n", err, filepath.Join(stack.LogDir, "operator.log"))
		exit = 1
	}
	stopView()
	<-viewDone
	if err := stack.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "ako-local: %v\n", err)
		return 1
	}
	fmt.Println(">> stopped; nothing is left running")
	return exit
}

// usage says how to reach what the stack started, with paths relative to the repository.
func usage(s *localstack.Stack) string {
	rel := func(p string) string {
		if r, err := filepath.Rel(mustWd(), p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return p
	}
	if !s.Local {
		return fmt.Sprintf("\nThe operator runs against %s (kubeconfig %s); logs in %s.\n\n", s.Config.Host, s.KubeconfigPath, rel(s.LogDir))
	}
	kc := rel(s.KubeconfigPath)
	env := rel(s.AviEnvPath)
	return fmt.Sprintf(`
The local stack is up (logs in %s).
  kubectl:  bin/kubectl --kubeconfig %s get akoconfig,routes,svc -A
  Avi:      source %s; curl -s --cacert "$AVI_CACERT" "$AVI_URL/_sim/dump"   (simulator at %s, user %s)
`, rel(s.LogDir), kc, env, s.AviURL, s.Avi.Username)
}

func mustWd() string {
	wd, _ := os.Getwd()
	return wd
}
