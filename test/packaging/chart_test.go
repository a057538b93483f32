package packaging

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akoproject/ako/internal/settings"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

const checksumAnnotation = "ako.vmware.com/restart-checksum"

// Every ConfigMap key the workload reads (internal/settings/keys.go); the chart, like
// the operator, writes all of them.
var configMapKeys = []string{
	settings.KeyControllerIP, settings.KeyControllerVersion, settings.KeyCNIPlugin,
	settings.KeyShardVSSize, settings.KeyPassthroughShardSize, settings.KeyFullSyncFrequency,
	settings.KeyCloudName, settings.KeyClusterName, settings.KeyServicesAPI, settings.KeyEnableEVH,
	settings.KeyLayer7Only, settings.KeyVIPPerNamespace, settings.KeyTenantName, settings.KeyVRFName,
	settings.KeyDefaultDomain, settings.KeyDisableStaticRouteSync, settings.KeyDefaultIngController,
	settings.KeyDefaultLBController, settings.KeyNoPGForSNI, settings.KeyEnableRHI, settings.KeyNSXTT1LR,
	settings.KeyEnableEvents, settings.KeyLogLevel, settings.KeyDeleteConfig, settings.KeyAutoFQDN,
	settings.KeyNSSyncLabelKey, settings.KeyNSSyncLabelValue, settings.KeyServiceType, settings.KeyNodeKey,
	settings.KeyNodeValue, settings.KeyServiceEngineGroupName, settings.KeyBGPPeerLabels,
	settings.KeyNodeNetworkList, settings.KeyVIPNetworkList, settings.KeyAPIServerPort, settings.KeyEnableMCI,
	settings.KeyBlockedNamespaceList, settings.KeyIPFamily, settings.KeyIstioEnabled,
	settings.KeyUseDefaultSecretsOnly, settings.KeyEnablePrometheus, settings.KeyFQDNReusePolicy,
	settings.KeyPrimaryInstance, settings.KeyEnableEndpointSlice,
}

func TestHelmLintStrict(t *testing.T) {
	out, err := run(t, nil, tool(t, "helm"), "lint", "--strict", chartDir, "-f", testValuesFile)
	if err != nil {
		t.Fatalf("helm lint --strict: %v\n%s", err, out)
	}
	if !strings.Contains(out, "1 chart(s) linted, 0 chart(s) failed") {
		t.Fatalf("unexpected lint output:\n%s", out)
	}
	if strings.Contains(out, "[WARNING]") || strings.Contains(out, "[ERROR]") {
		t.Fatalf("lint reported findings:\n%s", out)
	}
}

func TestTemplateRendersTheWorkload(t *testing.T) {
	objs := renderChart(t)
	want := []string{
		"ConfigMap/avi-k8s-config", "Secret/avi-secret", "StatefulSet/ako", "ServiceAccount/ako-sa",
		"ClusterRole/ako-cr", "ClusterRoleBinding/ako-crb", "IngressClass/avi-lb",
	}
	for _, k := range want {
		if _, ok := objs[k]; !ok {
			t.Errorf("missing %s", k)
		}
	}
	if len(objs) != len(want) {
		t.Errorf("rendered %d objects %v, want exactly %v", len(objs), objs.keys(), want)
	}
	for k, o := range objs {
		switch o.GetKind() {
		case "ClusterRole", "ClusterRoleBinding", "IngressClass":
			if o.GetNamespace() != "" {
				t.Errorf("%s is cluster scoped but has namespace %q", k, o.GetNamespace())
			}
		default:
			if o.GetNamespace() != "avi-system" {
				t.Errorf("%s is in namespace %q, want the release namespace avi-system", k, o.GetNamespace())
			}
		}
	}
}

func TestConfigMapIsWhatTheWorkloadReads(t *testing.T) {
	values := writeValues(t, `
AKOSettings:
  clusterName: prod-east
  logLevel: WARN
  enableEvents: "false"
  blockedNamespaceList: [kube-system, openshift-monitoring]
  namespaceSelector: {labelKey: ako, labelValue: "yes"}
ControllerSettings:
  controllerHost: avi.example.com:8443
  cloudName: nsxt-cloud
  tenantName: team-a
NetworkSettings:
  vipNetworkList:
    - networkName: vip-net
      cidr: 10.10.10.0/24
      v6cidr: 2001:db8::/64
  nodeNetworkList:
    - networkName: node-net
      cidrs: [10.0.0.0/24, 10.0.1.0/24]
  enableRHI: true
  bgpPeerLabels: [peer1]
L4Settings:
  defaultDomain: l4.example.com
L7Settings:
  shardVSSize: MEDIUM
  passthroughShardSize: LARGE
  serviceType: NodePort
  fqdnReusePolicy: Strict
nodePortSelector: {key: node, value: ako}
`)
	var cm corev1.ConfigMap
	renderChart(t, "-f", values).into(t, "ConfigMap", "avi-k8s-config", &cm)
	for _, k := range configMapKeys {
		if _, ok := cm.Data[k]; !ok {
			t.Errorf("ConfigMap has no key %s", k)
		}
	}
	if len(cm.Data) != len(configMapKeys) {
		t.Errorf("ConfigMap has %d keys, want %d: %v", len(cm.Data), len(configMapKeys), cm.Data)
	}
	s, err := settings.Parse(cm.Data)
	if err != nil {
		t.Fatalf("the workload rejects the chart's ConfigMap: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"controllerIP", s.ControllerIP, "avi.example.com:8443"},
		{"clusterName", s.ClusterName, "prod-east"},
		{"cloudName", s.CloudName, "nsxt-cloud"},
		{"tenantName", s.TenantName, "team-a"},
		{"logLevel", s.LogLevel, "WARN"},
		{"enableEvents", s.EnableEvents, false},
		{"shardVSSize", s.ShardVSSize, "MEDIUM"},
		{"passthroughShardSize", s.PassthroughShardSize, "LARGE"},
		{"serviceType", s.ServiceType, "NodePort"},
		{"nodeKey", s.NodeKey, "node"},
		{"nodeValue", s.NodeValue, "ako"},
		{"fqdnReusePolicy", s.FQDNReusePolicy, "Strict"},
		{"defaultDomain falls back to L4Settings", s.DefaultDomain, "l4.example.com"},
		{"nsSyncLabelKey", s.NSSyncLabelKey, "ako"},
		{"nsSyncLabelValue", s.NSSyncLabelValue, "yes"},
		{"vip network", s.VIPNetworkList, []settings.VIPNetwork{{NetworkName: "vip-net", CIDR: "10.10.10.0/24", V6CIDR: "2001:db8::/64"}}},
		{"node network", s.NodeNetworkList, []settings.NodeNetwork{{NetworkName: "node-net", CIDRs: []string{"10.0.0.0/24", "10.0.1.0/24"}}}},
		{"blocked namespaces", s.BlockedNamespaces, []string{"kube-system", "openshift-monitoring"}},
		{"bgp peers", s.BGPPeerLabels, []string{"peer1"}},
		{"enableRHI", s.EnableRHI, true},
		{"shard count", s.ShardCount(), 4},
	}
	for _, c := range checks {
		g, _ := json.Marshal(c.got)
		w, _ := json.Marshal(c.want)
		if string(g) != string(w) {
			t.Errorf("%s: got %s, want %s", c.name, g, w)
		}
	}
}

func TestStatefulSetReadsOnlyTheConfigMapKeysItRenders(t *testing.T) {
	objs := renderChart(t)
	var cm corev1.ConfigMap
	var sts appsv1.StatefulSet
	objs.into(t, "ConfigMap", "avi-k8s-config", &cm)
	objs.into(t, "StatefulSet", "ako", &sts)
	pod := sts.Spec.Template.Spec
	if pod.ServiceAccountName != "ako-sa" {
		t.Errorf("serviceAccountName %q, want ako-sa", pod.ServiceAccountName)
	}
	if len(pod.Containers) != 1 || pod.Containers[0].Name != "ako" {
		t.Fatalf("want one container ako, got %+v", pod.Containers)
	}
	c := pod.Containers[0]
	refs := 0
	for _, e := range c.Env {
		if r := e.ValueFrom; r != nil && r.ConfigMapKeyRef != nil {
			refs++
			if r.ConfigMapKeyRef.Name != settings.ConfigMapName {
				t.Errorf("env %s refers to ConfigMap %s", e.Name, r.ConfigMapKeyRef.Name)
			}
			if _, ok := cm.Data[r.ConfigMapKeyRef.Key]; !ok {
				t.Errorf("env %s refers to key %s the ConfigMap does not have", e.Name, r.ConfigMapKeyRef.Key)
			}
		}
	}
	if refs == 0 {
		t.Errorf("container ako reads no ConfigMap keys")
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Port.IntValue() != 8080 {
		t.Errorf("liveness probe %+v, want httpGet on apiServerPort 8080", c.LivenessProbe)
	}
	if got := c.Resources.Requests.Cpu().String(); got != "200m" {
		t.Errorf("cpu request %s, want the default 200m", got)
	}
	if sts.Spec.Template.Annotations[checksumAnnotation] == "" {
		t.Errorf("pod template has no %s annotation", checksumAnnotation)
	}
}

// The checksum on the pod template restarts AKO exactly when a setting it reads at start
// changes; the settings it applies live leave the pod alone.
func TestRestartChecksumFollowsRestartSettings(t *testing.T) {
	checksum := func(t *testing.T, set ...string) string {
		var args []string
		for _, s := range set {
			args = append(args, "--set", s)
		}
		var sts appsv1.StatefulSet
		renderChart(t, args...).into(t, "StatefulSet", "ako", &sts)
		return sts.Spec.Template.Annotations[checksumAnnotation]
	}
	base := checksum(t)
	cases := []struct {
		set     string
		restart bool
	}{
		{"AKOSettings.logLevel=DEBUG", false},
		{"AKOSettings.deleteConfig=true", false},
		{"AKOSettings.enableEvents=false", false},
		{"L7Settings.shardVSSize=SMALL", true},
		{"ControllerSettings.cloudName=other-cloud", true},
		{"AKOSettings.fullSyncFrequency=600", true},
		{"NetworkSettings.vipNetworkList[0].cidr=10.20.0.0/16", true},
	}
	for _, c := range cases {
		t.Run(c.set, func(t *testing.T) {
			changed := checksum(t, c.set) != base
			if changed != c.restart {
				t.Errorf("checksum changed=%v, want %v", changed, c.restart)
			}
		})
	}
}

func TestSecretFromValues(t *testing.T) {
	t.Run("from avicredentials", func(t *testing.T) {
		var s corev1.Secret
		renderChart(t, "--set", "avicredentials.certificateAuthorityData=PEM").into(t, "Secret", "avi-secret", &s)
		if s.StringData[settings.SecretKeyUsername] != "admin" || s.StringData[settings.SecretKeyPassword] != "not-a-real-password" ||
			s.StringData[settings.SecretKeyCA] != "PEM" {
			t.Errorf("secret data %v", s.StringData)
		}
		if _, ok := s.StringData[settings.SecretKeyAuthToken]; ok {
			t.Errorf("empty authtoken was rendered")
		}
	})
	t.Run("existing avi-secret", func(t *testing.T) {
		objs := renderChart(t, "--set", "avicredentials.existingSecret=avi-secret")
		if _, ok := objs["Secret/avi-secret"]; ok {
			t.Errorf("chart renders avi-secret although the user manages it")
		}
	})
	t.Run("existing secret elsewhere is looked up", func(t *testing.T) {
		out, err := helmTemplate(t, "--set", "avicredentials.existingSecret=my-avi-creds")
		if err == nil || !strings.Contains(out, `Secret "my-avi-creds" not found in namespace "avi-system"`) {
			t.Errorf("want a clear not-found error from helm template, got %v\n%s", err, out)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		out, err := helmTemplate(t, "--set", "avicredentials.password=")
		if err == nil || !strings.Contains(out, "avicredentials: set password or authtoken") {
			t.Errorf("want an error naming avicredentials, got %v\n%s", err, out)
		}
	})
}

func TestIngressClassDefault(t *testing.T) {
	for _, tc := range []struct {
		set         string
		wantDefault bool
	}{
		{"L7Settings.defaultIngController=true", true},
		{"L7Settings.defaultIngController=false", false},
	} {
		var ic networkingv1.IngressClass
		renderChart(t, "--set", tc.set).into(t, "IngressClass", "avi-lb", &ic)
		if ic.Spec.Controller != "ako.vmware.com/avi-lb" {
			t.Errorf("controller %q", ic.Spec.Controller)
		}
		isDefault := ic.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true"
		if isDefault != tc.wantDefault {
			t.Errorf("%s: default class=%v, want %v", tc.set, isDefault, tc.wantDefault)
		}
	}
}

// Bad values stop helm before anything reaches the cluster, with a message that names
// the value.
func TestSchemaRejectsBadValues(t *testing.T) {
	cases := []struct {
		name    string
		values  string
		wantMsg []string
	}{
		{"missing vipNetworkList", "NetworkSettings:\n  vipNetworkList: []\n", []string{"/NetworkSettings/vipNetworkList", "minItems"}},
		{"vip network without a name", "NetworkSettings:\n  vipNetworkList: [{cidr: 10.1.0.0/24}]\n", []string{"/NetworkSettings/vipNetworkList/0"}},
		{"unknown shardVSSize", "L7Settings:\n  shardVSSize: HUGE\n", []string{"/L7Settings/shardVSSize", "LARGE"}},
		{"malformed CIDR", "NetworkSettings:\n  vipNetworkList: [{networkName: vip, cidr: 10.10.10.0/33}]\n", []string{"/NetworkSettings/vipNetworkList/0/cidr", "10.10.10.0/33"}},
		{"malformed node CIDR", "NetworkSettings:\n  nodeNetworkList: [{networkName: n, cidrs: [10.0.0.300/24]}]\n", []string{"/NetworkSettings/nodeNetworkList/0/cidrs/0"}},
		{"missing clusterName", "AKOSettings:\n  clusterName: \"\"\n", []string{"/AKOSettings/clusterName"}},
		{"bad clusterName", "AKOSettings:\n  clusterName: \"my cluster\"\n", []string{"/AKOSettings/clusterName"}},
		{"missing controller", "ControllerSettings:\n  controllerHost: \"\"\n", []string{"/ControllerSettings/controllerHost"}},
		{"too many replicas", "replicaCount: 3\n", []string{"/replicaCount"}},
		{"bad pull policy", "image:\n  pullPolicy: Sometimes\n", []string{"/image/pullPolicy"}},
		{"bad boolean", "AKOSettings:\n  layer7Only: \"yes\"\n", []string{"/AKOSettings/layer7Only"}},
		{"bad quantity", "resources:\n  requests: {cpu: lots, memory: 300Mi}\n", []string{"/resources/requests/cpu"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := helmTemplate(t, "-f", writeValues(t, c.values))
			if err == nil {
				t.Fatalf("helm template accepted bad values:\n%s", c.values)
			}
			if !strings.Contains(out, "values don't meet the specifications of the schema") {
				t.Errorf("error is not a schema error:\n%s", out)
			}
			for _, m := range c.wantMsg {
				if !strings.Contains(out, m) {
					t.Errorf("error does not mention %q:\n%s", m, out)
				}
			}
		})
	}
}

// The chart ships the CRDs 'make manifests' generates, unchanged ('make bundle' copies them).
func TestChartCRDsAreTheGeneratedOnes(t *testing.T) {
	generated, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(generated) == 0 {
		t.Fatalf("no generated CRDs (%v)", err)
	}
	shipped, _ := filepath.Glob(filepath.Join(chartDir, "crds", "*.yaml"))
	if len(shipped) != len(generated) {
		t.Errorf("chart ships %d CRDs, config/crd/bases has %d: run 'make bundle'", len(shipped), len(generated))
	}
	for _, g := range generated {
		want, err := readFile(g)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readFile(filepath.Join(chartDir, "crds", filepath.Base(g)))
		if err != nil || got != want {
			t.Errorf("charts/ako/crds/%s is missing or stale (%v): run 'make bundle'", filepath.Base(g), err)
		}
	}
}
