package packaging

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"testing"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/controllers/akoconfig"
	"github.com/akoproject/ako/test/kubeenv"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// One source of truth: for the same settings, spelled once as an AKOConfig and once as
// chart values, the chart renders the same workload as the operator. The AKOConfig goes
// through a real API server first, so the CRD's defaults apply exactly as in a cluster;
// the chart's values.yaml defaults must match them.
var equivalentInputs = []struct {
	name   string
	spec   string // AKOConfig spec
	values string // chart values (on top of values.yaml)
}{
	{
		name: "defaults",
		spec: `
akoSettings: {clusterName: my-cluster}
controllerSettings: {controllerIP: 10.0.0.10}
networkSettings:
  vipNetworkList: [{networkName: vip-net, cidr: 10.10.10.0/24}]
`,
		values: `
AKOSettings: {clusterName: my-cluster}
ControllerSettings: {controllerHost: 10.0.0.10}
NetworkSettings:
  vipNetworkList: [{networkName: vip-net, cidr: 10.10.10.0/24}]
`,
	},
	{
		name: "every setting",
		spec: `
imageRepository: registry.example.com/ako:9.9.9
imagePullPolicy: Always
imagePullSecrets: [{name: regcred}]
replicaCount: 2
akoSettings:
  logLevel: DEBUG
  fullSyncFrequency: "600"
  apiServerPort: 9090
  deleteConfig: true
  disableStaticRouteSync: true
  clusterName: prod_east-1
  cniPlugin: ovn-kubernetes
  enableEvents: false
  namespaceSelector: {labelKey: ako, labelValue: "on"}
  servicesAPI: true
  vipPerNamespace: true
  enableEVH: true
  layer7Only: true
  istioEnabled: true
  blockedNamespaceList: [kube-system, default]
  ipFamily: V4_V6
  useDefaultSecretsOnly: true
networkSettings:
  nodeNetworkList:
    - {networkName: node-net, networkUUID: net-1, cidrs: [10.0.0.0/24, 10.0.1.0/24]}
  enableRHI: true
  nsxtT1LR: /infra/tier-1s/t1
  bgpPeerLabels: [peer-a, peer-b]
  vipNetworkList:
    - {networkName: vip-a, cidr: 10.10.10.0/24, v6cidr: "2001:db8::/64"}
    - {networkUUID: uuid-b, cidr: 10.20.0.0/16}
l7Settings:
  defaultIngController: false
  serviceType: NodePort
  shardVSSize: DEDICATED
  passthroughShardSize: MEDIUM
  noPGForSNI: true
  fqdnReusePolicy: Strict
l4Settings:
  defaultDomain: l4.example.com
  autoFQDN: flat
  defaultLBController: false
controllerSettings:
  serviceEngineGroupName: seg-1
  controllerVersion: "22.1.3"
  cloudName: nsxt
  controllerIP: avi.example.com:8443
  tenantName: team-a
  vrfName: vrf-1
nodePortSelector: {key: node-role, value: ako}
resources:
  limits: {cpu: "1", memory: 1Gi}
  requests: {cpu: 500m, memory: 512Mi}
pvc: ako-logs
mountPath: /var/log/ako
logFile: ako.log
featureGates: {enablePrometheus: true, enableEndpointSlice: false}
`,
		values: `
image: {repository: registry.example.com/ako:9.9.9, pullPolicy: Always, pullSecrets: [{name: regcred}]}
replicaCount: 2
AKOSettings:
  logLevel: DEBUG
  fullSyncFrequency: "600"
  apiServerPort: 9090
  deleteConfig: "true"
  disableStaticRouteSync: true
  clusterName: prod_east-1
  cniPlugin: ovn-kubernetes
  enableEvents: "false"
  namespaceSelector: {labelKey: ako, labelValue: "on"}
  servicesAPI: true
  vipPerNamespace: "true"
  enableEVH: true
  layer7Only: true
  istioEnabled: true
  blockedNamespaceList: [kube-system, default]
  ipFamily: V4_V6
  useDefaultSecretsOnly: true
NetworkSettings:
  nodeNetworkList:
    - {networkName: node-net, networkUUID: net-1, cidrs: [10.0.0.0/24, 10.0.1.0/24]}
  enableRHI: true
  nsxtT1LR: /infra/tier-1s/t1
  bgpPeerLabels: [peer-a, peer-b]
  vipNetworkList:
    - {networkName: vip-a, cidr: 10.10.10.0/24, v6cidr: "2001:db8::/64"}
    - {networkUUID: uuid-b, cidr: 10.20.0.0/16}
L7Settings:
  defaultIngController: false
  serviceType: NodePort
  shardVSSize: DEDICATED
  passthroughShardSize: MEDIUM
  noPGForSNI: true
  fqdnReusePolicy: Strict
L4Settings:
  defaultDomain: l4.example.com
  autoFQDN: flat
  defaultLBController: false
ControllerSettings:
  serviceEngineGroupName: seg-1
  controllerVersion: "22.1.3"
  cloudName: nsxt
  controllerHost: avi.example.com:8443
  tenantName: team-a
  vrfName: vrf-1
nodePortSelector: {key: node-role, value: ako}
resources:
  limits: {cpu: "1", memory: 1Gi}
  requests: {cpu: 500m, memory: 512Mi}
persistentVolumeClaim: ako-logs
mountPath: /var/log/ako
logFile: ako.log
featureGates: {EnablePrometheus: true, EnableEndpointSlice: false}
`,
	},
}

func TestChartRendersWhatTheOperatorRenders(t *testing.T) {
	_, c, _ := startCluster(t, kubeenv.Options{})
	if err := v1beta1.AddToScheme(c.Scheme()); err != nil {
		t.Fatal(err)
	}
	createNamespace(t, c, "avi-system")
	const ns = "avi-system"

	for i, in := range equivalentInputs {
		t.Run(in.name, func(t *testing.T) {
			cfg := defaultedAKOConfig(t, c, ns, i, in.spec)
			objs := renderChart(t, "-f", writeValues(t, in.values))

			var cm corev1.ConfigMap
			objs.into(t, "ConfigMap", "avi-k8s-config", &cm)
			wantCM := akoconfig.DesiredConfigMap(cfg, ns)
			if !maps.Equal(cm.Data, wantCM.Data) {
				for k, v := range wantCM.Data {
					if got, ok := cm.Data[k]; !ok || got != v {
						t.Errorf("ConfigMap %s: chart %q, operator %q", k, got, v)
					}
				}
				for k, v := range cm.Data {
					if _, ok := wantCM.Data[k]; !ok {
						t.Errorf("ConfigMap %s=%q only in the chart", k, v)
					}
				}
			}

			var sts appsv1.StatefulSet
			objs.into(t, "StatefulSet", "ako", &sts)
			want := akoconfig.DesiredStatefulSet(cfg, ns, akoconfig.RestartChecksum(wantCM))
			sameJSON(t, "replicas", sts.Spec.Replicas, want.Spec.Replicas)
			sameJSON(t, "serviceName", sts.Spec.ServiceName, want.Spec.ServiceName)
			sameJSON(t, "selector", sts.Spec.Selector, want.Spec.Selector)
			sameJSON(t, "pod labels", sts.Spec.Template.Labels, want.Spec.Template.Labels)
			sameJSON(t, "pod annotations (restart checksum)", sts.Spec.Template.Annotations, want.Spec.Template.Annotations)
			gotPod, wantPod := sts.Spec.Template.Spec, want.Spec.Template.Spec
			sameJSON(t, "serviceAccountName", gotPod.ServiceAccountName, wantPod.ServiceAccountName)
			sameJSON(t, "imagePullSecrets", gotPod.ImagePullSecrets, wantPod.ImagePullSecrets)
			sameJSON(t, "pod securityContext", gotPod.SecurityContext, wantPod.SecurityContext)
			sameJSON(t, "affinity", gotPod.Affinity, wantPod.Affinity)
			sameJSON(t, "volumes", gotPod.Volumes, wantPod.Volumes)
			if len(gotPod.Containers) != len(wantPod.Containers) {
				t.Fatalf("chart has %d containers, operator %d", len(gotPod.Containers), len(wantPod.Containers))
			}
			gc, wc := gotPod.Containers[0], wantPod.Containers[0]
			sameJSON(t, "container name", gc.Name, wc.Name)
			sameJSON(t, "image", gc.Image, wc.Image)
			sameJSON(t, "imagePullPolicy", gc.ImagePullPolicy, wc.ImagePullPolicy)
			sameJSON(t, "env", gc.Env, wc.Env)
			sameJSON(t, "ports", gc.Ports, wc.Ports)
			sameJSON(t, "resources", gc.Resources, wc.Resources)
			sameJSON(t, "livenessProbe", gc.LivenessProbe, wc.LivenessProbe)
			sameJSON(t, "readinessProbe", gc.ReadinessProbe, wc.ReadinessProbe)
			sameJSON(t, "container securityContext", gc.SecurityContext, wc.SecurityContext)
			sameJSON(t, "volumeMounts", gc.VolumeMounts, wc.VolumeMounts)
			sameJSON(t, "command", gc.Command, wc.Command)
			sameJSON(t, "args", gc.Args, wc.Args)
			// Whatever the field-by-field checks above do not name, the whole container must
			// still be equal.
			sameJSON(t, "container", gc, wc)

			var cr rbacv1.ClusterRole
			objs.into(t, "ClusterRole", "ako-cr", &cr)
			sameJSON(t, "ClusterRole rules", cr.Rules, akoconfig.DesiredClusterRole().Rules)

			var crb rbacv1.ClusterRoleBinding
			objs.into(t, "ClusterRoleBinding", "ako-crb", &crb)
			wantCRB := akoconfig.DesiredClusterRoleBinding(ns)
			sameJSON(t, "ClusterRoleBinding roleRef", crb.RoleRef, wantCRB.RoleRef)
			sameJSON(t, "ClusterRoleBinding subjects", crb.Subjects, wantCRB.Subjects)

			var sa corev1.ServiceAccount
			objs.into(t, "ServiceAccount", "ako-sa", &sa)
			wantSA := akoconfig.DesiredServiceAccount(ns)
			sameJSON(t, "ServiceAccount", sa.Namespace+"/"+sa.Name, wantSA.Namespace+"/"+wantSA.Name)

			var ic networkingv1.IngressClass
			objs.into(t, "IngressClass", "avi-lb", &ic)
			wantIC := akoconfig.DesiredIngressClass(cfg)
			sameJSON(t, "IngressClass spec", ic.Spec, wantIC.Spec)
			sameJSON(t, "IngressClass default", ic.Annotations[akoconfig.DefaultIngressClassAnnotation], wantIC.Annotations[akoconfig.DefaultIngressClassAnnotation])
		})
	}
}

// defaultedAKOConfig creates the AKOConfig from the spec YAML as a user's "oc apply" would
// (only the fields written there), so the CRD's defaults and validation apply, and returns
// what the API server stored.
func defaultedAKOConfig(t *testing.T, c client.Client, ns string, i int, spec string) *v1beta1.AKOConfig {
	t.Helper()
	var s map[string]any
	if err := yaml.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatalf("spec: %v", err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"spec": s}}
	u.SetGroupVersionKind(v1beta1.GroupVersion.WithKind("AKOConfig"))
	u.SetNamespace(ns)
	u.SetName(fmt.Sprintf("equivalence-%d", i))
	if err := c.Create(context.Background(), u); err != nil {
		t.Fatalf("creating AKOConfig: %v", err)
	}
	stored := &v1beta1.AKOConfig{}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(u), stored); err != nil {
		t.Fatal(err)
	}
	return stored
}

func sameJSON(t *testing.T, what string, chart, operator any) {
	t.Helper()
	g, err := json.Marshal(chart)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(operator)
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Errorf("%s differs\n chart:    %s\n operator: %s", what, g, w)
	}
}
