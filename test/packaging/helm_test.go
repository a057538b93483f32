package packaging

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akoproject/ako/test/kubeenv"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

var (
	repoRoot       = kubeenv.RepoRoot()
	chartDir       = filepath.Join(repoRoot, "charts", "ako")
	testValuesFile = filepath.Join(chartDir, "ci", "test-values.yaml")
)

// tool returns the path of a binary in bin/, failing the test when it is not built:
// a missing tool is a failure, never a skip.
func tool(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(repoRoot, "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found: run 'make tools' first: %v", p, err)
	}
	return p
}

// run runs a command and returns its combined output.
func run(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// helmTemplate renders the chart with the test values plus extra helm arguments.
func helmTemplate(t *testing.T, extra ...string) (string, error) {
	t.Helper()
	args := append([]string{"template", "ako", chartDir, "--namespace", "avi-system", "-f", testValuesFile}, extra...)
	return run(t, nil, tool(t, "helm"), args...)
}

// writeValues writes a values file into the test's temp dir and returns its path.
func writeValues(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// rendered is helm output split into objects by kind and name.
type rendered map[string]*unstructured.Unstructured

func (r rendered) get(t *testing.T, kind, name string) *unstructured.Unstructured {
	t.Helper()
	o, ok := r[kind+"/"+name]
	if !ok {
		t.Fatalf("rendered chart has no %s %s; it has %v", kind, name, r.keys())
	}
	return o
}

func (r rendered) keys() []string {
	var ks []string
	for k := range r {
		ks = append(ks, k)
	}
	return ks
}

// into converts a rendered object into a typed one.
func (r rendered) into(t *testing.T, kind, name string, obj any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(r.get(t, kind, name).Object, obj); err != nil {
		t.Fatalf("decoding %s %s: %v", kind, name, err)
	}
}

func parseManifests(t *testing.T, manifests string) rendered {
	t.Helper()
	out := rendered{}
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifests), 4096)
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("rendered chart is not YAML: %v\n%s", err, manifests)
		}
		if obj == nil {
			continue
		}
		u := &unstructured.Unstructured{Object: obj}
		key := fmt.Sprintf("%s/%s", u.GetKind(), u.GetName())
		if _, dup := out[key]; dup {
			t.Fatalf("chart renders %s twice", key)
		}
		out[key] = u
	}
	return out
}

// renderChart renders with the test values plus extra arguments and fails on error.
func renderChart(t *testing.T, extra ...string) rendered {
	t.Helper()
	out, err := helmTemplate(t, extra...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", extra, err, out)
	}
	return parseManifests(t, out)
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
