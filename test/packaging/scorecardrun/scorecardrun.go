// Package scorecardrun runs the upstream scorecard test binary (operator-sdk
// images/scorecard-test) against a bundle directory without a cluster. The binary reads
// the bundle at the fixed path /bundle, as it does inside its scorecard pod, so each run
// happens in a chroot of a temporary directory holding the bundle and the binary. That
// needs root, which the build machines have.
package scorecardrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	scapi "github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
)

// BuiltinTests are the basic and OLM suite tests the bundle's scorecard config lists.
var BuiltinTests = []string{
	"basic-check-spec",
	"olm-bundle-validation",
	"olm-crds-have-validation",
	"olm-crds-have-resources",
	"olm-spec-descriptors",
	"olm-status-descriptors",
}

// Root is a prepared chroot: the bundle at /bundle and the test binary at /scorecard-test.
type Root struct {
	dir string
}

// Prepare copies bundleDir and the scorecard-test binary into a fresh temporary root.
func Prepare(bundleDir, binary string) (*Root, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("running scorecard-test in a chroot needs root")
	}
	dir, err := os.MkdirTemp("", "scorecard-root-")
	if err != nil {
		return nil, fmt.Errorf("creating the chroot: %w", err)
	}
	r := &Root{dir: dir}
	if err := copyTree(bundleDir, filepath.Join(dir, "bundle")); err != nil {
		r.Close()
		return nil, fmt.Errorf("copying bundle %s into the chroot: %w", bundleDir, err)
	}
	if err := copyFile(binary, filepath.Join(dir, "scorecard-test"), 0o755); err != nil {
		r.Close()
		return nil, fmt.Errorf("copying %s into the chroot: %w", binary, err)
	}
	// The binary is static; it only needs a writable /tmp.
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o1777); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Close removes the root.
func (r *Root) Close() error { return os.RemoveAll(r.dir) }

// Run runs one test and decodes the single TestStatus document it prints.
func (r *Root) Run(test string) (scapi.TestStatus, error) {
	var status scapi.TestStatus
	cmd := exec.Command("chroot", r.dir, "/scorecard-test", test)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = []string{"HOME=/tmp", "TMPDIR=/tmp"}
	if err := cmd.Run(); err != nil {
		return status, fmt.Errorf("scorecard-test %s: %w (stderr: %s)", test, err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(stdout.Bytes(), &status); err != nil {
		return status, fmt.Errorf("scorecard-test %s printed no TestStatus: %w; output: %s", test, err, stdout.String())
	}
	if len(status.Results) == 0 {
		return status, fmt.Errorf("scorecard-test %s returned no results", test)
	}
	return status, nil
}

// Problems lists, per result, what keeps a test from being clean: a state other than
// pass, errors, and suggestions (we answer every suggestion rather than leave it).
func Problems(status scapi.TestStatus) []string {
	var out []string
	for _, res := range status.Results {
		if res.State != scapi.PassState {
			out = append(out, fmt.Sprintf("%s: state %s", res.Name, res.State))
		}
		for _, e := range res.Errors {
			out = append(out, fmt.Sprintf("%s: error: %s", res.Name, e))
		}
		for _, s := range res.Suggestions {
			out = append(out, fmt.Sprintf("%s: suggestion: %s", res.Name, s))
		}
	}
	return out
}

func copyTree(src, dst string) error {
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		return copyFile(path, target, 0o644)
	})
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src) // follows symlinks: bin/ holds links into the tool cache
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
