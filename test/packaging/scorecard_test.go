package packaging

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akoproject/ako/test/kubeenv"
	"github.com/akoproject/ako/test/packaging/scorecardrun"
	scapi "github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
)

// The six basic/OLM scorecard tests of the real upstream binary pass on bundle/ and
// leave no suggestion.
func TestScorecardBuiltins(t *testing.T) {
	root, err := scorecardrun.Prepare(bundleDir, tool(t, "scorecard-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, name := range scorecardrun.BuiltinTests {
		status, err := root.Run(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, p := range scorecardrun.Problems(status) {
			t.Errorf("%s", p)
		}
	}
}

// The scorecard config lists the built-in tests and our custom test.
func TestScorecardConfigListsEveryTest(t *testing.T) {
	out, err := run(t, nil, tool(t, "kustomize"), "build", filepath.Join(repoRoot, "config", "scorecard"))
	if err != nil {
		t.Fatalf("kustomize build config/scorecard: %v\n%s", err, out)
	}
	bundled, err := readFile(filepath.Join(bundleDir, "tests", "scorecard", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(scorecardrun.BuiltinTests, "scorecard-ako-ready") {
		if !strings.Contains(bundled, "- "+name) {
			t.Errorf("bundle/tests/scorecard/config.yaml does not run %s", name)
		}
	}
}

// The custom scorecard test, built from cmd/scorecard-ako-ready and run as scorecard runs
// it (test name argument, one TestStatus on stdout), against a real API server with the
// operator running: it fails while avi-secret is missing and passes once it exists.
func TestScorecardAKOReady(t *testing.T) {
	test := binary(t, "scorecard-ako-ready")
	_, admin, kubeconfig := startCluster(t, kubeenv.Options{})
	createNamespace(t, admin, operatorNamespace)
	startOperator(t, kubeconfig)

	runTest := func(timeout string) scapi.TestResult {
		t.Helper()
		cmd := exec.Command(test, "ako-ready", "-bundle", bundleDir, "-timeout", timeout)
		cmd.Env = []string{"KUBECONFIG=" + kubeconfig, "SCORECARD_NAMESPACE=" + operatorNamespace, "HOME=" + t.TempDir()}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("scorecard-ako-ready: %v\n%s", err, out)
		}
		var status scapi.TestStatus
		if err := json.Unmarshal(out, &status); err != nil || len(status.Results) != 1 {
			t.Fatalf("output is not one TestStatus with one result (%v):\n%s", err, out)
		}
		return status.Results[0]
	}

	r := runTest("5s")
	if r.State != scapi.FailState || len(r.Errors) == 0 || !strings.Contains(r.Log, "SecretMissing") {
		t.Errorf("without avi-secret: state %s, errors %v, log:\n%s", r.State, r.Errors, r.Log)
	}

	createAviSecret(t, admin)
	r = runTest("2m")
	if r.State != scapi.PassState || len(r.Errors) != 0 {
		t.Errorf("with avi-secret: state %s, errors %v, log:\n%s", r.State, r.Errors, r.Log)
	}
	if !strings.Contains(r.Log, "state=Ready") {
		t.Errorf("log does not show the Ready status:\n%s", r.Log)
	}
}
