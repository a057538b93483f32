package v1beta1_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/test/kubeenv"
)

// k talks to one real kube-apiserver shared by the tests of this package; the CRD under
// test is the generated one in config/crd/bases.
var k client.Client

func TestMain(m *testing.M) {
	env, err := kubeenv.Start(kubeenv.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scheme := runtime.NewScheme()
	_ = corev1.AddToScheme(scheme)
	_ = v1beta1.AddToScheme(scheme)
	k, err = client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = env.Stop()
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// minimal is the smallest valid AKOConfig, as a user would write it.
const minimal = `
apiVersion: ako.vmware.com/v1beta1
kind: AKOConfig
metadata: {name: NAME, namespace: default}
spec:
  akoSettings: {clusterName: my-cluster}
  controllerSettings: {controllerIP: 10.0.0.1}
  networkSettings:
    vipNetworkList: [{networkName: vip-net, cidr: 10.10.10.0/24}]
`

func TestSampleIsAcceptedAndDefaulted(t *testing.T) {
	raw, err := os.ReadFile(kubeenv.RepoRoot() + "/config/samples/ako_v1beta1_akoconfig.yaml")
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &u.Object); err != nil {
		t.Fatal(err)
	}
	u.SetNamespace("default")
	if err := k.Create(context.Background(), u); err != nil {
		t.Fatalf("sample rejected: %v", err)
	}
	got := &v1beta1.AKOConfig{}
	if err := k.Get(context.Background(), client.ObjectKeyFromObject(u), got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.AKOSettings.ClusterName != "my-cluster" || got.Spec.ControllerSettings.CloudName != "Default-Cloud" {
		t.Errorf("sample content not stored: %+v", got.Spec)
	}
}

// TestDefaults checks that every documented default is applied by the API server when the
// field is omitted (upstream left them to Go zero values).
func TestDefaults(t *testing.T) {
	cfg := create(t, "defaults", minimal)
	s := cfg.Spec
	isTrue := func(b *bool) bool { return b != nil && *b }
	checks := []struct {
		name string
		ok   bool
	}{
		{"enableEvents true", isTrue(s.AKOSettings.EnableEvents)},
		{"defaultIngController true", isTrue(s.L7Settings.DefaultIngController)},
		{"defaultLBController true", isTrue(s.L4Settings.DefaultLBController)},
		{"enableEndpointSlice true", isTrue(s.FeatureGates.EnableEndpointSlice)},
		{"shardVSSize LARGE", s.L7Settings.ShardVSSize == "LARGE"},
		{"passthroughShardSize SMALL", s.L7Settings.PassthroughShardSize == "SMALL"},
		{"serviceType ClusterIP", s.L7Settings.ServiceType == "ClusterIP"},
		{"fqdnReusePolicy InterNamespaceAllowed", s.L7Settings.FqdnReusePolicy == "InterNamespaceAllowed"},
		{"fullSyncFrequency 1800", s.AKOSettings.FullSyncFrequency == "1800"},
		{"apiServerPort 8080", s.AKOSettings.APIServerPort == 8080},
		{"logLevel INFO", s.AKOSettings.LogLevel == "INFO"},
		{"ipFamily V4", s.AKOSettings.IPFamily == "V4"},
		{"cloudName Default-Cloud", s.ControllerSettings.CloudName == "Default-Cloud"},
		{"tenantName admin", s.ControllerSettings.TenantName == "admin"},
		{"serviceEngineGroupName Default-Group", s.ControllerSettings.ServiceEngineGroupName == "Default-Group"},
		{"autoFQDN default", s.L4Settings.AutoFQDN == "default"},
		{"imagePullPolicy IfNotPresent", s.ImagePullPolicy == "IfNotPresent"},
		{"replicaCount 1", s.ReplicaCount != nil && *s.ReplicaCount == 1},
		{"requests 200m/300Mi", s.Resources.Requests.CPU == "200m" && s.Resources.Requests.Memory == "300Mi"},
		{"limits 350m/400Mi", s.Resources.Limits.CPU == "350m" && s.Resources.Limits.Memory == "400Mi"},
		{"mountPath /log", s.MountPath == "/log"},
		{"logFile avi.log", s.LogFile == "avi.log"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("default not applied: %s", c.name)
		}
	}
	for _, q := range []string{s.Resources.Requests.CPU, s.Resources.Limits.Memory} {
		if _, err := resource.ParseQuantity(q); err != nil {
			t.Errorf("default quantity %q does not parse: %v", q, err)
		}
	}
}

// TestExplicitFalseAndZeroKept checks that explicit false / 0 are not overwritten by the
// defaults (the reason these fields are pointers).
func TestExplicitFalseAndZeroKept(t *testing.T) {
	cfg := create(t, "explicit", strings.Replace(minimal, "akoSettings: {clusterName: my-cluster}",
		"akoSettings: {clusterName: my-cluster, enableEvents: false}\n  replicaCount: 0\n  l7Settings: {defaultIngController: false}", 1))
	if e := cfg.Spec.AKOSettings.EnableEvents; e == nil || *e {
		t.Errorf("enableEvents: want explicit false kept, got %v", e)
	}
	if d := cfg.Spec.L7Settings.DefaultIngController; d == nil || *d {
		t.Errorf("defaultIngController: want explicit false kept, got %v", d)
	}
	if r := cfg.Spec.ReplicaCount; r == nil || *r != 0 {
		t.Errorf("replicaCount: want explicit 0 kept, got %v", r)
	}
}

func TestAdmissionRejectsInvalidSpecs(t *testing.T) {
	cases := []struct {
		name    string
		from    string // replaced in minimal
		to      string
		message string // must appear in the API server's error
	}{
		{"bad logLevel enum", "clusterName: my-cluster}", "clusterName: my-cluster, logLevel: VERBOSE}",
			`spec.akoSettings.logLevel: Unsupported value: "VERBOSE"`},
		{"bad shardVSSize enum", "spec:\n", "spec:\n  l7Settings: {shardVSSize: HUGE}\n",
			`spec.l7Settings.shardVSSize: Unsupported value: "HUGE"`},
		{"bad clusterName", "clusterName: my-cluster", "clusterName: my.cluster",
			"clusterName must be non-empty and contain only letters, digits, '-' and '_'"},
		{"empty clusterName", "clusterName: my-cluster", `clusterName: ""`,
			"clusterName must be non-empty and contain only letters, digits, '-' and '_'"},
		{"replicaCount 3", "spec:\n", "spec:\n  replicaCount: 3\n",
			"spec.replicaCount: Invalid value: 3: spec.replicaCount in body should be less than or equal to 2"},
		{"replicaCount negative", "spec:\n", "spec:\n  replicaCount: -1\n",
			"spec.replicaCount in body should be greater than or equal to 0"},
		{"missing controllerIP", "controllerSettings: {controllerIP: 10.0.0.1}", "controllerSettings: {cloudName: c}",
			"spec.controllerSettings.controllerIP: Required value"},
		{"empty controllerIP", "controllerIP: 10.0.0.1", `controllerIP: ""`,
			"spec.controllerSettings.controllerIP: Invalid value: \"\": spec.controllerSettings.controllerIP in body should be at least 1 chars long"},
		{"empty vipNetworkList", "vipNetworkList: [{networkName: vip-net, cidr: 10.10.10.0/24}]", "vipNetworkList: []",
			"spec.networkSettings.vipNetworkList: Invalid value: 0: spec.networkSettings.vipNetworkList in body should have at least 1 items"},
		{"missing vipNetworkList", "vipNetworkList: [{networkName: vip-net, cidr: 10.10.10.0/24}]", "defaultDomain: x.com",
			"spec.networkSettings.vipNetworkList: Required value"},
		{"bad CIDR", "cidr: 10.10.10.0/24", "cidr: 10.10.10.0/33",
			"cidr must be an IPv4 CIDR such as 10.10.10.0/24"},
		{"not a CIDR", "cidr: 10.10.10.0/24", "cidr: vip-subnet",
			"cidr must be an IPv4 CIDR such as 10.10.10.0/24"},
		{"VIP network without CIDR", "{networkName: vip-net, cidr: 10.10.10.0/24}", "{networkName: vip-net}",
			"vipNetworkList needs at least one entry with a cidr or v6cidr"},
		{"VIP network without name", "{networkName: vip-net, cidr: 10.10.10.0/24}", "{cidr: 10.10.10.0/24}",
			"a VIP network needs networkName or networkUUID"},
		{"non-numeric fullSyncFrequency", "clusterName: my-cluster}", `clusterName: my-cluster, fullSyncFrequency: "30m"}`,
			`fullSyncFrequency must be a whole number of seconds, for example "1800"`},
		{"six nodeNetworks", "networkSettings:\n", "networkSettings:\n    nodeNetworkList: [{networkName: a}, {networkName: b}, {networkName: c}, {networkName: d}, {networkName: e}, {networkName: f}]\n",
			"spec.networkSettings.nodeNetworkList: Too many: 6: must have at most 5 items"},
		{"bad node CIDR", "networkSettings:\n", "networkSettings:\n    nodeNetworkList: [{networkName: a, cidrs: [10.0.0.0/8, bogus]}]\n",
			"every entry of cidrs must be a CIDR such as 10.0.0.0/24"},
		{"bad quantity", "spec:\n", "spec:\n  resources: {limits: {cpu: lots, memory: 1Gi}}\n",
			"cpu must be a quantity such as 200m or 1"},
		{"bad imagePullPolicy", "spec:\n", "spec:\n  imagePullPolicy: Sometimes\n",
			`spec.imagePullPolicy: Unsupported value: "Sometimes"`},
		{"bgpPeerLabels without RHI", "networkSettings:\n", "networkSettings:\n    bgpPeerLabels: [peer1]\n",
			"networkSettings.bgpPeerLabels needs networkSettings.enableRHI: true"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			manifest := strings.Replace(minimal, c.from, c.to, 1)
			if manifest == minimal {
				t.Fatalf("test case does not change the manifest: %q", c.from)
			}
			u := parse(t, fmt.Sprintf("invalid-%d", i), manifest)
			err := k.Create(context.Background(), u)
			if err == nil {
				t.Fatalf("accepted, want rejection containing %q", c.message)
			}
			if !strings.Contains(err.Error(), c.message) {
				t.Errorf("rejected with\n  %v\nwant message containing\n  %s", err, c.message)
			}
		})
	}
}

func parse(t *testing.T, name, manifest string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(strings.Replace(manifest, "NAME", name, 1)), &u.Object); err != nil {
		t.Fatalf("test manifest: %v", err)
	}
	return u
}

func create(t *testing.T, name, manifest string) *v1beta1.AKOConfig {
	t.Helper()
	u := parse(t, name, manifest)
	if err := k.Create(context.Background(), u); err != nil {
		t.Fatalf("valid AKOConfig rejected: %v", err)
	}
	got := &v1beta1.AKOConfig{}
	if err := k.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: name}, got); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Delete(context.Background(), got) })
	return got
}
