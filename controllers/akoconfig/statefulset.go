package akoconfig

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/api/v1beta1"
)

const (
	logVolumeName   = "ako-pv-storage"
	istioVolumeName = "istio-certs"
	istioCertsPath  = "/etc/istio-output-certs/"
	statusPath      = "/api/status" // liveness: the process answers
	readyPath       = "/readyz"     // readiness: settings valid and the Controller reachable
)

// managedPodAnnotations are the pod template annotations the operator sets or removes;
// any other annotation (kubectl rollout restart, admission webhooks) is left alone.
var managedPodAnnotations = []string{
	RestartChecksumAnnotation,
	"prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path",
	"sidecar.istio.io/inject", "traffic.sidecar.istio.io/includeInboundPorts",
	"traffic.sidecar.istio.io/includeOutboundIPRanges", "proxy.istio.io/config",
	"sidecar.istio.io/userVolume", "sidecar.istio.io/userVolumeMount",
}

// DesiredStatefulSet renders StatefulSet ako. restartChecksum (RestartChecksum of the
// desired ConfigMap) goes on the pod template so that a change to any setting AKO reads
// only at start rolls the pods. Fields the API server would default are set explicitly so
// that the rendered object compares equal to the stored one.
func DesiredStatefulSet(cfg *v1beta1.AKOConfig, namespace, restartChecksum string) *appsv1.StatefulSet {
	s := cfg.Spec
	port := s.AKOSettings.APIServerPort
	if port == 0 {
		port = defaultAPIServerPort
	}
	image := s.ImageRepository
	if image == "" {
		image = DefaultImage
	}
	pullPolicy := corev1.PullPolicy(s.ImagePullPolicy)
	if pullPolicy == "" {
		pullPolicy = corev1.PullIfNotPresent
	}
	replicas := ptr.Deref(s.ReplicaCount, 1)

	annotations := map[string]string{RestartChecksumAnnotation: restartChecksum}
	if s.FeatureGates.EnablePrometheus {
		annotations["prometheus.io/scrape"] = "true"
		annotations["prometheus.io/port"] = strconv.Itoa(port)
		annotations["prometheus.io/path"] = "/metrics"
	}
	if s.AKOSettings.IstioEnabled {
		annotations["sidecar.istio.io/inject"] = "true"
		annotations["traffic.sidecar.istio.io/includeInboundPorts"] = ""
		annotations["traffic.sidecar.istio.io/includeOutboundIPRanges"] = ""
		annotations["proxy.istio.io/config"] = "proxyMetadata:\n  OUTPUT_CERTS: /etc/istio-output-certs\n"
		annotations["sidecar.istio.io/userVolume"] = `[{"name": "istio-certs", "emptyDir": {"medium": "Memory"}}]`
		annotations["sidecar.istio.io/userVolumeMount"] = `[{"name": "istio-certs", "mountPath": "/etc/istio-output-certs"}]`
	}

	container := corev1.Container{
		Name:                     ContainerName,
		Image:                    image,
		ImagePullPolicy:          pullPolicy,
		Env:                      desiredEnv(cfg, namespace),
		Resources:                desiredResources(s.Resources),
		LivenessProbe:            httpProbe(statusPath, port, 5, 10),
		ReadinessProbe:           httpProbe(readyPath, port, 5, 10),
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			RunAsNonRoot:             ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
	if s.FeatureGates.EnablePrometheus {
		container.Ports = []corev1.ContainerPort{{Name: "prometheus-port", ContainerPort: int32(port), Protocol: corev1.ProtocolTCP}}
	}
	var volumes []corev1.Volume
	if s.PVC != "" {
		volumes = append(volumes, corev1.Volume{
			Name:         logVolumeName,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: s.PVC}},
		})
		container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: logVolumeName, MountPath: mountPath(cfg)})
	}
	if s.AKOSettings.IstioEnabled {
		// The volume itself is injected by the Istio sidecar (userVolume annotation).
		container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: istioVolumeName, MountPath: istioCertsPath})
	}
	var pullSecrets []corev1.LocalObjectReference
	for _, ps := range s.ImagePullSecrets {
		pullSecrets = append(pullSecrets, corev1.LocalObjectReference{Name: ps.Name})
	}

	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: StatefulSetName, Namespace: namespace, Labels: objectLabels()},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To(replicas),
			ServiceName: StatefulSetName,
			Selector:    &metav1.LabelSelector{MatchLabels: podLabels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels(), Annotations: annotations},
				Spec: corev1.PodSpec{
					ServiceAccountName: ServiceAccountName,
					ImagePullSecrets:   pullSecrets,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr.To(true),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
							TopologyKey: corev1.LabelHostname,
							LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
								Key: labelName, Operator: metav1.LabelSelectorOpIn, Values: []string{"ako"},
							}}},
						}},
					}},
					Volumes:    volumes,
					Containers: []corev1.Container{container},
				},
			},
		},
	}
}

func mountPath(cfg *v1beta1.AKOConfig) string {
	if cfg.Spec.MountPath == "" {
		return "/log"
	}
	return cfg.Spec.MountPath
}

// desiredEnv passes every ConfigMap key as an environment variable of the same name
// (sorted), then the pod identity and the log file settings.
func desiredEnv(cfg *v1beta1.AKOConfig, namespace string) []corev1.EnvVar {
	data := DesiredConfigMap(cfg, namespace).Data
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	env := make([]corev1.EnvVar, 0, len(keys)+5)
	for _, k := range keys {
		env = append(env, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{
			ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMapName}, Key: k},
		}})
	}
	field := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}}
	}
	env = append(env, field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"))
	if cfg.Spec.PVC != "" {
		env = append(env, corev1.EnvVar{Name: "USE_PVC", Value: "true"})
	}
	logFile := cfg.Spec.LogFile
	if logFile == "" {
		logFile = "avi.log"
	}
	env = append(env, corev1.EnvVar{Name: "LOG_FILE_PATH", Value: mountPath(cfg)}, corev1.EnvVar{Name: "LOG_FILE_NAME", Value: logFile})
	return env
}

// The CRD's resource defaults, applied here as well: an AKOConfig written through a
// typed Go client carries empty limits/requests objects, which the API server does not
// default, and a StatefulSet without resources is what the upstream operator renders.
var (
	defaultLimits   = v1beta1.ResourceAmounts{CPU: "350m", Memory: "400Mi"}
	defaultRequests = v1beta1.ResourceAmounts{CPU: "200m", Memory: "300Mi"}
)

// desiredResources converts the spec's quantities (the CRD has already validated them);
// an empty one takes its documented default.
func desiredResources(r v1beta1.Resources) corev1.ResourceRequirements {
	list := func(a, def v1beta1.ResourceAmounts) corev1.ResourceList {
		out := corev1.ResourceList{}
		for name, value := range map[corev1.ResourceName][2]string{
			corev1.ResourceCPU:    {a.CPU, def.CPU},
			corev1.ResourceMemory: {a.Memory, def.Memory},
		} {
			q, err := resource.ParseQuantity(value[0])
			if value[0] == "" || err != nil {
				q = resource.MustParse(value[1])
			}
			out[name] = q
		}
		return out
	}
	return corev1.ResourceRequirements{Limits: list(r.Limits, defaultLimits), Requests: list(r.Requests, defaultRequests)}
}

func httpProbe(path string, port int, initialDelay, period int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: intstr.FromInt32(int32(port)), Scheme: corev1.URISchemeHTTP,
		}},
		InitialDelaySeconds: initialDelay,
		PeriodSeconds:       period,
		TimeoutSeconds:      1,
		SuccessThreshold:    1,
		FailureThreshold:    3,
	}
}

// statefulSetChanged compares the fields the operator owns. replace reports a difference
// in an immutable field (selector, serviceName): the StatefulSet must be recreated.
func statefulSetChanged(current, desired *appsv1.StatefulSet) (changed, replace bool, updated *appsv1.StatefulSet) {
	if !equality.Semantic.DeepEqual(current.Spec.Selector, desired.Spec.Selector) || current.Spec.ServiceName != desired.Spec.ServiceName {
		return true, true, nil
	}
	cur, want := &current.Spec.Template, &desired.Spec.Template
	same := ptr.Deref(current.Spec.Replicas, 1) == ptr.Deref(desired.Spec.Replicas, 1) &&
		!labelsChanged(current.Labels, desired.Labels) &&
		!ownerChanged(current, desired) &&
		!labelsChanged(cur.Labels, want.Labels) &&
		!podAnnotationsChanged(cur.Annotations, want.Annotations) &&
		cur.Spec.ServiceAccountName == want.Spec.ServiceAccountName &&
		equality.Semantic.DeepEqual(cur.Spec.ImagePullSecrets, want.Spec.ImagePullSecrets) &&
		equality.Semantic.DeepEqual(cur.Spec.SecurityContext, want.Spec.SecurityContext) &&
		equality.Semantic.DeepEqual(cur.Spec.Affinity, want.Spec.Affinity) &&
		equality.Semantic.DeepEqual(cur.Spec.Volumes, want.Spec.Volumes) &&
		len(cur.Spec.Containers) == 1 && !containerChanged(&cur.Spec.Containers[0], &want.Spec.Containers[0])
	if same {
		return false, false, nil
	}
	updated = current.DeepCopy()
	updated.Labels = mergeLabels(current.Labels, desired.Labels)
	updated.OwnerReferences = mergeOwner(current.OwnerReferences, desired.OwnerReferences)
	updated.Spec.Replicas = desired.Spec.Replicas
	t := &updated.Spec.Template
	t.Labels = mergeLabels(t.Labels, want.Labels)
	t.Annotations = mergePodAnnotations(t.Annotations, want.Annotations)
	t.Spec.ServiceAccountName = want.Spec.ServiceAccountName
	t.Spec.DeprecatedServiceAccount = ""
	t.Spec.ImagePullSecrets = want.Spec.ImagePullSecrets
	t.Spec.SecurityContext = want.Spec.SecurityContext
	t.Spec.Affinity = want.Spec.Affinity
	t.Spec.Volumes = want.Spec.Volumes
	t.Spec.Containers = want.Spec.Containers
	return true, false, updated
}

// containerChanged compares the container fields the operator sets.
func containerChanged(current, desired *corev1.Container) bool {
	return current.Name != desired.Name ||
		current.Image != desired.Image ||
		current.ImagePullPolicy != desired.ImagePullPolicy ||
		!equality.Semantic.DeepEqual(current.Env, desired.Env) ||
		!equality.Semantic.DeepEqual(current.EnvFrom, desired.EnvFrom) ||
		!equality.Semantic.DeepEqual(current.Ports, desired.Ports) ||
		!equality.Semantic.DeepEqual(current.Resources, desired.Resources) ||
		!equality.Semantic.DeepEqual(current.LivenessProbe, desired.LivenessProbe) ||
		!equality.Semantic.DeepEqual(current.ReadinessProbe, desired.ReadinessProbe) ||
		!equality.Semantic.DeepEqual(current.SecurityContext, desired.SecurityContext) ||
		!equality.Semantic.DeepEqual(current.VolumeMounts, desired.VolumeMounts) ||
		!equality.Semantic.DeepEqual(current.Command, desired.Command) ||
		!equality.Semantic.DeepEqual(current.Args, desired.Args)
}

func podAnnotationsChanged(current, desired map[string]string) bool {
	for _, k := range managedPodAnnotations {
		c, haveC := current[k]
		d, haveD := desired[k]
		if haveC != haveD || c != d {
			return true
		}
	}
	return false
}

func mergePodAnnotations(current, desired map[string]string) map[string]string {
	out := make(map[string]string, len(current)+len(desired))
	for k, v := range current {
		out[k] = v
	}
	for _, k := range managedPodAnnotations {
		if v, ok := desired[k]; ok {
			out[k] = v
		} else {
			delete(out, k)
		}
	}
	return out
}

func (r *Reconciler) currentStatefulSet(ctx context.Context) (*appsv1.StatefulSet, error) {
	sts := &appsv1.StatefulSet{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: StatefulSetName}, sts)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading StatefulSet %s/%s: %w", r.Namespace, StatefulSetName, err)
	}
	return sts, nil
}

// ensureStatefulSet creates or updates StatefulSet ako and returns what is stored.
func (r *Reconciler) ensureStatefulSet(ctx context.Context, cfg *v1beta1.AKOConfig, cm *corev1.ConfigMap) (*appsv1.StatefulSet, error) {
	withImage := cfg
	if cfg.Spec.ImageRepository == "" && r.Image != "" {
		withImage = cfg.DeepCopy()
		withImage.Spec.ImageRepository = r.Image
	}
	desired := DesiredStatefulSet(withImage, r.Namespace, RestartChecksum(cm))
	setOwner(desired, cfg)
	current, err := r.currentStatefulSet(ctx)
	if err != nil {
		return nil, err
	}
	if current != nil {
		changed, replace, updated := statefulSetChanged(current, desired)
		switch {
		case !changed:
			return current, nil
		case !replace:
			if err := r.Client.Update(ctx, updated); err != nil {
				return nil, fmt.Errorf("updating StatefulSet %s/%s: %w", r.Namespace, StatefulSetName, err)
			}
			return updated, nil
		}
		if err := r.Client.Delete(ctx, current); err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("replacing StatefulSet %s/%s (selector is immutable): %w", r.Namespace, StatefulSetName, err)
		}
		// The old object may still be terminating; the delete event brings us back.
		return nil, errRequeue
	}
	if err := r.Client.Create(ctx, desired); err != nil {
		return nil, fmt.Errorf("creating StatefulSet %s/%s: %w", r.Namespace, StatefulSetName, err)
	}
	return desired, nil
}
