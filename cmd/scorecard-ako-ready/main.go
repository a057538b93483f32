// Command scorecard-ako-ready is a custom scorecard test: it creates the bundle's sample
// AKOConfig (the CSV's alm-examples) in the test namespace and passes when the operator
// reports it Ready in time: status.state Ready and no Degraded=True condition, plus, with
// -available, condition Available=True (the AKO pods run, which needs a reachable Avi
// Controller). Like every
// scorecard test it reads the bundle at /bundle and prints exactly one v1alpha3
// TestStatus JSON document to stdout; the state, not the exit code, is the verdict.
//
//	scorecard-ako-ready ako-ready [-bundle /bundle] [-timeout 2m] [-available] [-keep]
//
// The cluster comes from the pod's service account or $KUBECONFIG; the namespace from
// $SCORECARD_NAMESPACE (set by scorecard), else the sample's own.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	scapi "github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
	"github.com/operator-framework/api/pkg/manifests"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/config"
)

const testName = "ako-ready"

func main() {
	fs := flag.NewFlagSet("scorecard-ako-ready", flag.ContinueOnError)
	bundleDir := fs.String("bundle", "/bundle", "bundle directory")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long the AKOConfig may take to become Ready")
	keep := fs.Bool("keep", false, "leave the AKOConfig in place afterwards")
	needAvailable := fs.Bool("available", false, "also require condition Available=True (AKO pods running)")
	fs.SetOutput(os.Stderr)

	var name string
	args := os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	r := scapi.TestResult{Name: testName, State: scapi.PassState, Errors: []string{}, Suggestions: []string{}}
	switch err := fs.Parse(args); {
	case err != nil:
		r.State, r.Errors = scapi.ErrorState, []string{err.Error()}
	case name != "" && name != testName:
		r.State, r.Errors = scapi.FailState, []string{fmt.Sprintf("unknown test %q; this image runs %q", name, testName)}
	default:
		ctx, cancel := context.WithTimeout(context.Background(), *timeout+30*time.Second)
		r = runReady(ctx, *bundleDir, *timeout, *keep, *needAvailable)
		cancel()
	}
	out, _ := json.MarshalIndent(scapi.TestStatus{Results: []scapi.TestResult{r}}, "", "  ")
	fmt.Println(string(out))
}

// logf collects the test's log, shown by scorecard with -o text.
type logf struct{ b strings.Builder }

func (l *logf) printf(format string, a ...any) { fmt.Fprintf(&l.b, format+"\n", a...) }

func runReady(ctx context.Context, bundleDir string, timeout time.Duration, keep, needAvailable bool) scapi.TestResult {
	var log logf
	fail := func(state scapi.State, err error, suggestions ...string) scapi.TestResult {
		if suggestions == nil {
			suggestions = []string{}
		}
		return scapi.TestResult{Name: testName, State: state, Log: log.b.String(), Errors: []string{err.Error()}, Suggestions: suggestions}
	}

	sample, err := sampleAKOConfig(bundleDir)
	if err != nil {
		return fail(scapi.ErrorState, err)
	}
	if ns := os.Getenv("SCORECARD_NAMESPACE"); ns != "" {
		sample.SetNamespace(ns)
	}
	log.printf("sample AKOConfig %s/%s from the CSV's alm-examples", sample.GetNamespace(), sample.GetName())

	cfg, err := config.GetConfig()
	if err != nil {
		return fail(scapi.ErrorState, fmt.Errorf("reaching the cluster: %w", err))
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return fail(scapi.ErrorState, fmt.Errorf("creating a client: %w", err))
	}

	key := types.NamespacedName{Namespace: sample.GetNamespace(), Name: sample.GetName()}
	switch err := c.Create(ctx, sample.DeepCopy()); {
	case err == nil:
		log.printf("created AKOConfig %s", key)
		if !keep {
			defer func() {
				del := sample.DeepCopy()
				if err := c.Delete(context.Background(), del); err != nil && !apierrors.IsNotFound(err) {
					log.printf("deleting AKOConfig %s: %v", key, err)
				}
			}()
		}
	case apierrors.IsAlreadyExists(err):
		log.printf("AKOConfig %s exists; watching it", key)
	default:
		return fail(scapi.FailState, fmt.Errorf("creating the sample AKOConfig %s: %w", key, err),
			"the sample in alm-examples must be accepted by the AKOConfig CRD")
	}

	deadline := time.Now().Add(timeout)
	var last string
	for {
		cur := &unstructured.Unstructured{}
		cur.SetGroupVersionKind(sample.GroupVersionKind())
		err := c.Get(ctx, key, cur)
		if err == nil {
			ready, summary := readiness(cur, needAvailable)
			if summary != last {
				log.printf("status: %s", summary)
				last = summary
			}
			if ready {
				return scapi.TestResult{Name: testName, State: scapi.PassState, Log: log.b.String(), Errors: []string{}, Suggestions: []string{}}
			}
		} else {
			log.printf("reading AKOConfig %s: %v", key, err)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fail(scapi.FailState, fmt.Errorf("AKOConfig %s not Ready after %s; last status: %s", key, timeout, last),
				"check the operator's logs and that Secret avi-secret exists in the AKOConfig's namespace")
		}
		time.Sleep(time.Second)
	}
}

// readiness says whether the AKOConfig is Ready and summarises its status for the log.
func readiness(cfg *unstructured.Unstructured, needAvailable bool) (bool, string) {
	state, _, _ := unstructured.NestedString(cfg.Object, "status", "state")
	conds, _, _ := unstructured.NestedSlice(cfg.Object, "status", "conditions")
	available, degraded := false, false
	parts := []string{"state=" + state}
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		t, _ := m["type"].(string)
		s, _ := m["status"].(string)
		reason, _ := m["reason"].(string)
		msg, _ := m["message"].(string)
		parts = append(parts, fmt.Sprintf("%s=%s (%s: %s)", t, s, reason, msg))
		switch {
		case t == "Available" && s == "True":
			available = true
		case t == "Degraded" && s == "True":
			degraded = true
		}
	}
	ready := state == "Ready" && !degraded && (available || !needAvailable)
	return ready, strings.Join(parts, "; ")
}

// sampleAKOConfig is the first AKOConfig in the CSV's alm-examples.
func sampleAKOConfig(bundleDir string) (*unstructured.Unstructured, error) {
	b, err := manifests.GetBundleFromDir(filepath.Join(bundleDir, "manifests"))
	if err != nil {
		return nil, fmt.Errorf("reading the bundle at %s: %w", bundleDir, err)
	}
	if b.CSV == nil {
		return nil, errors.New("the bundle has no ClusterServiceVersion")
	}
	raw := b.CSV.GetAnnotations()["alm-examples"]
	var examples []map[string]any
	if err := json.Unmarshal([]byte(raw), &examples); err != nil {
		return nil, fmt.Errorf("alm-examples of %s is not a JSON list: %w", b.CSV.GetName(), err)
	}
	for _, e := range examples {
		u := &unstructured.Unstructured{Object: e}
		if u.GetKind() == "AKOConfig" {
			// The example may carry a status for the console; the API server ignores it
			// on create, and so do we.
			unstructured.RemoveNestedField(u.Object, "status")
			return u, nil
		}
	}
	return nil, fmt.Errorf("alm-examples of %s has no AKOConfig", b.CSV.GetName())
}
