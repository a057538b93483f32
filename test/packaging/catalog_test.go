package packaging

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The bundle goes into a file-based catalog the way an OperatorHub index is built
// (opm init, opm render of the bundle directory, a stable channel), and opm validates
// the catalog. A channel that does not carry our bundle must be refused.
func TestBundleRendersIntoAValidCatalog(t *testing.T) {
	opm := tool(t, "opm")
	csv := loadBundle(t).CSV.GetName()
	build := func(entry string) (string, error) {
		dir := filepath.Join(t.TempDir(), "catalog", "ako-operator")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		pkg, err := run(t, nil, opm, "init", "ako-operator", "--default-channel=stable", "--output=yaml")
		if err != nil {
			t.Fatalf("opm init: %v\n%s", err, pkg)
		}
		bundle, err := run(t, nil, opm, "render", bundleDir, "--output=yaml")
		if err != nil {
			t.Fatalf("opm render bundle/: %v\n%s", err, bundle)
		}
		channel := "---\nschema: olm.channel\npackage: ako-operator\nname: stable\nentries:\n  - name: " + entry + "\n"
		if err := os.WriteFile(filepath.Join(dir, "index.yaml"), []byte(pkg+bundle+channel), 0o644); err != nil {
			t.Fatal(err)
		}
		return run(t, nil, opm, "validate", filepath.Dir(dir))
	}
	if out, err := build(csv); err != nil {
		t.Fatalf("opm validate: %v\n%s", err, out)
	}
	out, err := build("ako-operator.v9.9.9")
	if err == nil || !strings.Contains(out, "not found in any channel entries") {
		t.Errorf("a catalog whose channel misses the bundle was accepted: %v\n%s", err, out)
	}
}
