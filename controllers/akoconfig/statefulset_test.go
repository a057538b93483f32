package akoconfig

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/internal/settings"
)

func container(sts *appsv1.StatefulSet) *corev1.Container {
	return &sts.Spec.Template.Spec.Containers[0]
}

func envByName(c *corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}

func TestDesiredStatefulSet(t *testing.T) {
	cases := []struct {
		name  string
		cfg   *v1beta1.AKOConfig
		check func(t *testing.T, sts *appsv1.StatefulSet)
	}{
		{"defaults", defaultedConfig(), func(t *testing.T, sts *appsv1.StatefulSet) {
			c := container(sts)
			if *sts.Spec.Replicas != 1 || c.Image != DefaultImage || c.ImagePullPolicy != corev1.PullIfNotPresent {
				t.Errorf("replicas %d image %s policy %s", *sts.Spec.Replicas, c.Image, c.ImagePullPolicy)
			}
			if sts.Spec.Template.Annotations[RestartChecksumAnnotation] != "sum" {
				t.Error("checksum annotation missing")
			}
			if sts.Spec.Template.Spec.ServiceAccountName != "ako-sa" {
				t.Error("service account")
			}
			if c.Resources.Limits.Cpu().Cmp(resource.MustParse("350m")) != 0 || c.Resources.Requests.Memory().Cmp(resource.MustParse("300Mi")) != 0 {
				t.Errorf("resources %v", c.Resources)
			}
			for path, p := range map[string]*corev1.Probe{"/api/status": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
				if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path || p.HTTPGet.Port.IntValue() != 8080 {
					t.Errorf("probe %+v, want %s on 8080", p, path)
				}
			}
			if len(c.Ports) != 0 || len(sts.Spec.Template.Spec.Volumes) != 0 {
				t.Error("no ports or volumes without Prometheus or a PVC")
			}
		}},
		{"restricted-v2 security context", defaultedConfig(), func(t *testing.T, sts *appsv1.StatefulSet) {
			pod := sts.Spec.Template.Spec.SecurityContext
			sc := container(sts).SecurityContext
			if pod == nil || !ptr.Deref(pod.RunAsNonRoot, false) || pod.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("pod security context %+v", pod)
			}
			if sc == nil || ptr.Deref(sc.AllowPrivilegeEscalation, true) || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" ||
				!ptr.Deref(sc.RunAsNonRoot, false) || sc.RunAsUser != nil || ptr.Deref(sc.Privileged, false) {
				t.Errorf("container security context %+v", sc)
			}
		}},
		{"required anti-affinity per node", defaultedConfig(), func(t *testing.T, sts *appsv1.StatefulSet) {
			terms := sts.Spec.Template.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
			if len(terms) != 1 || terms[0].TopologyKey != "kubernetes.io/hostname" ||
				terms[0].LabelSelector.MatchExpressions[0].Values[0] != sts.Spec.Template.Labels["app.kubernetes.io/name"] {
				t.Errorf("anti-affinity %+v", terms)
			}
		}},
		{"env carries every ConfigMap key and the pod identity", defaultedConfig(), func(t *testing.T, sts *appsv1.StatefulSet) {
			env := envByName(container(sts))
			for k := range DesiredConfigMap(defaultedConfig(), "avi-system").Data {
				e, ok := env[k]
				if !ok || e.ValueFrom == nil || e.ValueFrom.ConfigMapKeyRef == nil || e.ValueFrom.ConfigMapKeyRef.Name != ConfigMapName || e.ValueFrom.ConfigMapKeyRef.Key != k {
					t.Errorf("env %s: %+v", k, e)
				}
			}
			if env["POD_NAME"].ValueFrom.FieldRef.FieldPath != "metadata.name" || env["POD_NAMESPACE"].ValueFrom.FieldRef.FieldPath != "metadata.namespace" {
				t.Error("pod identity env")
			}
			if _, ok := env["USE_PVC"]; ok {
				t.Error("USE_PVC without a PVC")
			}
		}},
		{"explicit image, pull secrets, 2 replicas", with(func(c *v1beta1.AKOConfig) {
			c.Spec.ImageRepository = "registry.example.com/ako:9"
			c.Spec.ImagePullPolicy = "Always"
			c.Spec.ImagePullSecrets = []v1beta1.ImagePullSecret{{Name: "regcred"}}
			c.Spec.ReplicaCount = ptr.To[int32](2)
		}), func(t *testing.T, sts *appsv1.StatefulSet) {
			if container(sts).Image != "registry.example.com/ako:9" || container(sts).ImagePullPolicy != corev1.PullAlways ||
				*sts.Spec.Replicas != 2 || sts.Spec.Template.Spec.ImagePullSecrets[0].Name != "regcred" {
				t.Errorf("%+v", sts.Spec)
			}
		}},
		{"replicaCount 0 is kept", with(func(c *v1beta1.AKOConfig) { c.Spec.ReplicaCount = ptr.To[int32](0) }),
			func(t *testing.T, sts *appsv1.StatefulSet) {
				if *sts.Spec.Replicas != 0 {
					t.Errorf("replicas %d", *sts.Spec.Replicas)
				}
			}},
		{"prometheus", with(func(c *v1beta1.AKOConfig) {
			c.Spec.FeatureGates.EnablePrometheus = true
			c.Spec.AKOSettings.APIServerPort = 9090
		}), func(t *testing.T, sts *appsv1.StatefulSet) {
			a := sts.Spec.Template.Annotations
			if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != "9090" || container(sts).Ports[0].ContainerPort != 9090 ||
				container(sts).LivenessProbe.HTTPGet.Port.IntValue() != 9090 {
				t.Errorf("annotations %v ports %v", a, container(sts).Ports)
			}
		}},
		{"log PVC", with(func(c *v1beta1.AKOConfig) { c.Spec.PVC = "ako-logs"; c.Spec.MountPath = "/var/log/ako" }),
			func(t *testing.T, sts *appsv1.StatefulSet) {
				v := sts.Spec.Template.Spec.Volumes
				m := container(sts).VolumeMounts
				env := envByName(container(sts))
				if len(v) != 1 || v[0].PersistentVolumeClaim.ClaimName != "ako-logs" || len(m) != 1 || m[0].MountPath != "/var/log/ako" ||
					env["USE_PVC"].Value != "true" || env["LOG_FILE_PATH"].Value != "/var/log/ako" {
					t.Errorf("volumes %v mounts %v", v, m)
				}
			}},
		{"istio", with(func(c *v1beta1.AKOConfig) { c.Spec.AKOSettings.IstioEnabled = true }),
			func(t *testing.T, sts *appsv1.StatefulSet) {
				if sts.Spec.Template.Annotations["sidecar.istio.io/inject"] != "true" || container(sts).VolumeMounts[0].Name != "istio-certs" {
					t.Error("istio annotations or mount missing")
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, DesiredStatefulSet(c.cfg, "avi-system", "sum"))
		})
	}
}

// serverDefaulted mimics what the API server adds to a stored StatefulSet.
func serverDefaulted(sts *appsv1.StatefulSet) *appsv1.StatefulSet {
	s := sts.DeepCopy()
	s.ResourceVersion = "42"
	s.Spec.RevisionHistoryLimit = ptr.To[int32](10)
	s.Spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}
	p := &s.Spec.Template.Spec
	p.RestartPolicy = corev1.RestartPolicyAlways
	p.DNSPolicy = corev1.DNSClusterFirst
	p.SchedulerName = "default-scheduler"
	p.TerminationGracePeriodSeconds = ptr.To[int64](30)
	p.DeprecatedServiceAccount = p.ServiceAccountName
	return s
}

func TestStatefulSetChanged(t *testing.T) {
	cfg := defaultedConfig()
	desired := DesiredStatefulSet(cfg, "avi-system", "sum")
	setOwner(desired, cfg)
	stored := func(edit func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
		s := serverDefaulted(desired)
		edit(s)
		return s
	}
	cases := []struct {
		name             string
		current          *appsv1.StatefulSet
		changed, replace bool
	}{
		{"server defaults only", stored(func(*appsv1.StatefulSet) {}), false, false},
		{"foreign pod annotation kept", stored(func(s *appsv1.StatefulSet) {
			s.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] = "now"
			s.Annotations = map[string]string{settings.DeletionStatusAnnotation: "Started"}
		}), false, false},
		{"checksum differs", stored(func(s *appsv1.StatefulSet) { s.Spec.Template.Annotations[RestartChecksumAnnotation] = "old" }), true, false},
		{"image edited", stored(func(s *appsv1.StatefulSet) { container(s).Image = "evil:1" }), true, false},
		{"env edited", stored(func(s *appsv1.StatefulSet) { container(s).Env = container(s).Env[1:] }), true, false},
		{"replicas edited", stored(func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](0) }), true, false},
		{"security context weakened", stored(func(s *appsv1.StatefulSet) { container(s).SecurityContext.AllowPrivilegeEscalation = ptr.To(true) }), true, false},
		{"resources edited", stored(func(s *appsv1.StatefulSet) {
			container(s).Resources.Limits[corev1.ResourceMemory] = resource.MustParse("1Gi")
		}), true, false},
		{"same quantity spelled differently", stored(func(s *appsv1.StatefulSet) {
			container(s).Resources.Limits[corev1.ResourceCPU] = resource.MustParse("0.35")
		}), false, false},
		{"sidecar added", stored(func(s *appsv1.StatefulSet) {
			s.Spec.Template.Spec.Containers = append(s.Spec.Template.Spec.Containers, corev1.Container{Name: "x"})
		}), true, false},
		{"selector differs", stored(func(s *appsv1.StatefulSet) { s.Spec.Selector.MatchLabels["x"] = "y" }), true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changed, replace, updated := statefulSetChanged(c.current, desired)
			if changed != c.changed || replace != c.replace {
				t.Fatalf("changed, replace = %v, %v; want %v, %v", changed, replace, c.changed, c.replace)
			}
			if !changed || replace {
				return
			}
			if again, _, _ := statefulSetChanged(updated, desired); again {
				t.Error("the updated copy still differs from desired")
			}
			if updated.ResourceVersion != "42" || updated.Spec.Template.Spec.SchedulerName != "default-scheduler" {
				t.Error("the update must start from the stored object")
			}
			if v, ok := c.current.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]; ok && updated.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] != v {
				t.Error("foreign pod annotation dropped")
			}
		})
	}
}

func TestDesiredResourcesFillsEmptyQuantities(t *testing.T) {
	cases := []struct {
		name           string
		in             v1beta1.Resources
		limCPU, limMem string
		reqCPU, reqMem string
	}{
		{"empty, as a typed client sends it", v1beta1.Resources{}, "350m", "400Mi", "200m", "300Mi"},
		{"only limits cpu", v1beta1.Resources{Limits: v1beta1.ResourceAmounts{CPU: "1"}}, "1", "400Mi", "200m", "300Mi"},
		{"all set", v1beta1.Resources{
			Limits:   v1beta1.ResourceAmounts{CPU: "2", Memory: "1Gi"},
			Requests: v1beta1.ResourceAmounts{CPU: "500m", Memory: "512Mi"},
		}, "2", "1Gi", "500m", "512Mi"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := desiredResources(c.in)
			check := func(what string, q resource.Quantity, want string) {
				if q.Cmp(resource.MustParse(want)) != 0 {
					t.Errorf("%s = %s, want %s", what, q.String(), want)
				}
			}
			check("limits.cpu", got.Limits[corev1.ResourceCPU], c.limCPU)
			check("limits.memory", got.Limits[corev1.ResourceMemory], c.limMem)
			check("requests.cpu", got.Requests[corev1.ResourceCPU], c.reqCPU)
			check("requests.memory", got.Requests[corev1.ResourceMemory], c.reqMem)
		})
	}
}
