package packaging

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/operator-framework/api/pkg/manifests"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

var bundleDir = filepath.Join(repoRoot, "bundle")

func loadBundle(t *testing.T) *manifests.Bundle {
	t.Helper()
	b, err := manifests.GetBundleFromDir(filepath.Join(bundleDir, "manifests"))
	if err != nil {
		t.Fatalf("loading bundle/: %v (run 'make bundle')", err)
	}
	if b.CSV == nil {
		t.Fatal("bundle/ has no CSV")
	}
	return b
}

// The real operator-sdk validator, with the optional OperatorHub suite, finds nothing:
// no error and no warning.
func TestBundleValidates(t *testing.T) {
	out, err := run(t, nil, tool(t, "operator-sdk"), "bundle", "validate", bundleDir, "--select-optional", "suite=operatorframework")
	if err != nil {
		t.Fatalf("operator-sdk bundle validate: %v\n%s", err, out)
	}
	if regexp.MustCompile(`level=(warning|error)`).MatchString(out) {
		t.Fatalf("bundle validate reported findings:\n%s", out)
	}
	if !strings.Contains(out, "All validation tests have completed successfully") {
		t.Fatalf("unexpected output:\n%s", out)
	}
}

// What OperatorHub and the OpenShift console need from the CSV, item by item.
func TestCSVIsCompleteForOperatorHub(t *testing.T) {
	csv := loadBundle(t).CSV
	ann := csv.GetAnnotations()
	// make bundle --version sets both; they must agree (OperatorHub naming convention).
	if version := csv.Spec.Version.String(); version == "0.0.0" || csv.GetName() != "ako-operator.v"+version {
		t.Errorf("CSV %s has version %s, want ako-operator.v<version> with a real version", csv.GetName(), version)
	}
	for _, k := range []string{"description", "containerImage", "createdAt", "repository", "support", "alm-examples"} {
		if strings.TrimSpace(ann[k]) == "" {
			t.Errorf("annotation %s is empty", k)
		}
	}
	if ann["categories"] != "Networking" {
		t.Errorf("categories %q, want Networking", ann["categories"])
	}
	if ann["capabilities"] == "" {
		t.Errorf("no capabilities level")
	}
	if ann["operatorframework.io/suggested-namespace"] != "avi-system" {
		t.Errorf("suggested namespace %q", ann["operatorframework.io/suggested-namespace"])
	}
	for _, f := range []string{"disconnected", "fips-compliant", "proxy-aware", "tls-profiles", "token-auth-aws",
		"token-auth-azure", "token-auth-gcp", "cnf", "cni", "csi"} {
		if v := ann["features.operators.openshift.io/"+f]; v != "true" && v != "false" {
			t.Errorf("features.operators.openshift.io/%s = %q, want \"true\" or \"false\"", f, v)
		}
	}
	s := csv.Spec
	if s.DisplayName == "" || len(s.Description) < 200 || len(s.Keywords) == 0 || len(s.Maintainers) == 0 ||
		len(s.Links) == 0 || s.Provider.Name == "" || s.MinKubeVersion == "" || s.Maturity == "" {
		t.Errorf("CSV spec misses display name, description, keywords, maintainers, links, provider, maturity or minKubeVersion")
	}
	if len(s.Icon) != 1 || s.Icon[0].MediaType != "image/svg+xml" || s.Icon[0].Data == "" {
		t.Errorf("want one SVG icon, got %+v", s.Icon)
	}
	modes := map[operatorsv1alpha1.InstallModeType]bool{}
	for _, m := range s.InstallModes {
		modes[m.Type] = m.Supported
	}
	want := map[operatorsv1alpha1.InstallModeType]bool{
		operatorsv1alpha1.InstallModeTypeOwnNamespace: true, operatorsv1alpha1.InstallModeTypeSingleNamespace: true,
		operatorsv1alpha1.InstallModeTypeMultiNamespace: false, operatorsv1alpha1.InstallModeTypeAllNamespaces: false,
	}
	for m, supported := range want {
		if got, ok := modes[m]; !ok || got != supported {
			t.Errorf("install mode %s supported=%v (listed %v), want %v", m, got, ok, supported)
		}
	}

	// The operator image is the deployment's, and every image it runs is a related image.
	deps := s.InstallStrategy.StrategySpec.DeploymentSpecs
	if len(deps) != 1 {
		t.Fatalf("want one deployment, got %d", len(deps))
	}
	mgr := deps[0].Spec.Template.Spec.Containers[0]
	if mgr.Image != ann["containerImage"] {
		t.Errorf("containerImage %q is not the deployment image %q", ann["containerImage"], mgr.Image)
	}
	related := map[string]bool{}
	for _, r := range s.RelatedImages {
		related[r.Image] = true
	}
	if !related[mgr.Image] {
		t.Errorf("relatedImages %v lack the operator image %s", s.RelatedImages, mgr.Image)
	}
	akoImage := ""
	for _, e := range mgr.Env {
		if e.Name == "RELATED_IMAGE_AKO" {
			akoImage = e.Value
		}
	}
	if akoImage == "" || !related[akoImage] {
		t.Errorf("relatedImages %v lack the AKO image (RELATED_IMAGE_AKO=%q)", s.RelatedImages, akoImage)
	}
	if len(s.InstallStrategy.StrategySpec.ClusterPermissions) == 0 {
		t.Errorf("CSV grants no cluster permissions; the operator needs them to create ako-cr")
	}

	// alm-examples is the repository's sample.
	var examples []map[string]any
	if err := json.Unmarshal([]byte(ann["alm-examples"]), &examples); err != nil || len(examples) != 1 {
		t.Fatalf("alm-examples: %v, %d examples", err, len(examples))
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "samples", "ako_v1beta1_akoconfig.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var sample map[string]any
	if err := yaml.Unmarshal(raw, &sample); err != nil {
		t.Fatal(err)
	}
	gotSpec, _ := json.Marshal(examples[0]["spec"])
	wantSpec, _ := json.Marshal(sample["spec"])
	if string(gotSpec) != string(wantSpec) {
		t.Errorf("alm-examples spec %s is not the sample's %s", gotSpec, wantSpec)
	}
}

// Every field a person sets has a console descriptor; fields kept only for upstream
// compatibility (and ignored by this operator) are left out on purpose.
func TestCSVDescribesEverySettableField(t *testing.T) {
	b := loadBundle(t)
	if len(b.V1CRDs) != 1 {
		t.Fatalf("want the AKOConfig CRD in the bundle, got %d CRDs", len(b.V1CRDs))
	}
	crd := b.V1CRDs[0]
	var schema *apiextensionsv1.JSONSchemaProps
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			schema = v.Schema.OpenAPIV3Schema
		}
	}
	if schema == nil {
		t.Fatal("no storage version schema")
	}
	owned := b.CSV.Spec.CustomResourceDefinitions.Owned
	if len(owned) != 1 || owned[0].Name != crd.Name || owned[0].DisplayName == "" || owned[0].Description == "" || len(owned[0].Resources) == 0 {
		t.Fatalf("owned CRD entry incomplete: %+v", owned)
	}
	described := map[string]bool{}
	for _, d := range owned[0].SpecDescriptors {
		described[d.Path] = true
		if d.DisplayName == "" {
			t.Errorf("spec descriptor %s has no display name", d.Path)
		}
	}
	notForTheConsole := map[string]bool{
		"akoGatewayLogFile": true, "gatewayAPI.image.repository": true, "gatewayAPI.image.pullPolicy": true,
		"featureGates.gatewayAPI": true, "featureGates.enableEndpointSlice": true,
	}
	var missing []string
	for _, p := range leafPaths(schema.Properties["spec"], "") {
		if !described[p] && !notForTheConsole[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("spec fields without a descriptor: %v", missing)
	}
	status := map[string][]string{}
	for _, d := range owned[0].StatusDescriptors {
		status[d.Path] = d.XDescriptors
	}
	if !contains(status["conditions"], "urn:alm:descriptor:io.kubernetes.conditions") || len(status["state"]) == 0 {
		t.Errorf("status descriptors %v lack conditions/state", status)
	}
}

// leafPaths lists descriptor paths of the settable leaves of a schema: scalars, lists of
// scalars, and the items of lists of objects as path[0].field.
func leafPaths(s apiextensionsv1.JSONSchemaProps, prefix string) []string {
	var out []string
	switch {
	case s.Type == "object" && len(s.Properties) > 0:
		if prefix == "resources" { // one console widget for limits and requests
			return []string{prefix}
		}
		for name, p := range s.Properties {
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			out = append(out, leafPaths(p, path)...)
		}
	case s.Type == "array" && s.Items != nil && s.Items.Schema != nil && s.Items.Schema.Type == "object":
		out = append(out, leafPaths(*s.Items.Schema, prefix+"[0]")...)
	default:
		out = append(out, prefix)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
