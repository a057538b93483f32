package akoconfig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/internal/settings"
)

// DesiredConfigMap renders ConfigMap avi-k8s-config from the AKOConfig: every key of
// ako-spec §3 with the Helm spellings of internal/settings. Booleans are "true"/"false",
// lists are JSON with sorted object keys, or "" when empty.
func DesiredConfigMap(cfg *v1beta1.AKOConfig, namespace string) *corev1.ConfigMap {
	s := cfg.Spec
	a, n, l7, l4, c := s.AKOSettings, s.NetworkSettings, s.L7Settings, s.L4Settings, s.ControllerSettings
	defaultDomain := n.DefaultDomain
	if defaultDomain == "" {
		defaultDomain = l4.DefaultDomain
	}
	vips := make([]settings.VIPNetwork, 0, len(n.VipNetworkList))
	for _, v := range n.VipNetworkList {
		vips = append(vips, settings.VIPNetwork{NetworkName: v.NetworkName, NetworkUUID: v.NetworkUUID, CIDR: v.Cidr, V6CIDR: v.V6Cidr})
	}
	nodes := make([]settings.NodeNetwork, 0, len(n.NodeNetworkList))
	for _, v := range n.NodeNetworkList {
		nodes = append(nodes, settings.NodeNetwork{NetworkName: v.NetworkName, NetworkUUID: v.NetworkUUID, CIDRs: v.Cidrs})
	}
	apiPort := a.APIServerPort
	if apiPort == 0 {
		apiPort = defaultAPIServerPort
	}
	data := map[string]string{
		settings.KeyControllerIP:           c.ControllerIP,
		settings.KeyControllerVersion:      c.ControllerVersion,
		settings.KeyCNIPlugin:              a.CNIPlugin,
		settings.KeyShardVSSize:            l7.ShardVSSize,
		settings.KeyPassthroughShardSize:   l7.PassthroughShardSize,
		settings.KeyFullSyncFrequency:      a.FullSyncFrequency,
		settings.KeyCloudName:              c.CloudName,
		settings.KeyClusterName:            a.ClusterName,
		settings.KeyServicesAPI:            strconv.FormatBool(a.ServicesAPI),
		settings.KeyEnableEVH:              strconv.FormatBool(a.EnableEVH),
		settings.KeyLayer7Only:             strconv.FormatBool(a.Layer7Only),
		settings.KeyVIPPerNamespace:        strconv.FormatBool(a.VipPerNamespace),
		settings.KeyTenantName:             c.TenantName,
		settings.KeyVRFName:                c.VRFName,
		settings.KeyDefaultDomain:          defaultDomain,
		settings.KeyDisableStaticRouteSync: strconv.FormatBool(a.DisableStaticRouteSync),
		settings.KeyDefaultIngController:   strconv.FormatBool(boolOr(l7.DefaultIngController, true)),
		settings.KeyDefaultLBController:    strconv.FormatBool(boolOr(l4.DefaultLBController, true)),
		settings.KeyNoPGForSNI:             strconv.FormatBool(l7.NoPGForSNI),
		settings.KeyEnableRHI:              strconv.FormatBool(n.EnableRHI),
		settings.KeyNSXTT1LR:               n.NsxtT1LR,
		settings.KeyEnableEvents:           strconv.FormatBool(boolOr(a.EnableEvents, true)),
		settings.KeyLogLevel:               a.LogLevel,
		settings.KeyDeleteConfig:           strconv.FormatBool(a.DeleteConfig),
		settings.KeyAutoFQDN:               l4.AutoFQDN,
		settings.KeyNSSyncLabelKey:         a.NamespaceSelector.LabelKey,
		settings.KeyNSSyncLabelValue:       a.NamespaceSelector.LabelValue,
		settings.KeyServiceType:            l7.ServiceType,
		settings.KeyNodeKey:                "",
		settings.KeyNodeValue:              "",
		settings.KeyServiceEngineGroupName: c.ServiceEngineGroupName,
		settings.KeyBGPPeerLabels:          jsonList(n.BGPPeerLabels),
		settings.KeyNodeNetworkList:        jsonList(nodes),
		settings.KeyVIPNetworkList:         jsonList(vips),
		settings.KeyAPIServerPort:          strconv.Itoa(apiPort),
		settings.KeyEnableMCI:              "false",
		settings.KeyBlockedNamespaceList:   jsonList(a.BlockedNamespaceList),
		settings.KeyIPFamily:               a.IPFamily,
		settings.KeyIstioEnabled:           strconv.FormatBool(a.IstioEnabled),
		settings.KeyUseDefaultSecretsOnly:  strconv.FormatBool(a.UseDefaultSecretsOnly),
		settings.KeyEnablePrometheus:       strconv.FormatBool(s.FeatureGates.EnablePrometheus),
		settings.KeyFQDNReusePolicy:        l7.FqdnReusePolicy,
		settings.KeyPrimaryInstance:        "true",
		settings.KeyEnableEndpointSlice:    strconv.FormatBool(boolOr(s.FeatureGates.EnableEndpointSlice, true)),
	}
	// The node label filter only means something for NodePort (upstream emits it only then).
	if l7.ServiceType == "NodePort" {
		data[settings.KeyNodeKey] = s.NodePortSelector.Key
		data[settings.KeyNodeValue] = s.NodePortSelector.Value
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: namespace, Labels: objectLabels()},
		Data:       data,
	}
}

// defaultAPIServerPort is AKO's API port when akoSettings.apiServerPort is unset.
const defaultAPIServerPort = 8080

// RestartChecksum is the hex SHA-256 of the JSON object (sorted keys) of the ConfigMap data
// without settings.LiveKeys: it changes exactly when a setting AKO reads only at start
// changes. The Helm chart computes the same value.
func RestartChecksum(cm *corev1.ConfigMap) string {
	restart := make(map[string]string, len(cm.Data))
	for k, v := range cm.Data {
		if !settings.LiveKeys[k] {
			restart[k] = v
		}
	}
	raw, _ := json.Marshal(restart) // a map[string]string always marshals
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// jsonList renders a list as JSON with object keys sorted (the form Helm's toJson
// produces), or "" when the list is empty.
func jsonList[T any](list []T) string {
	if len(list) == 0 {
		return ""
	}
	raw, err := json.Marshal(list)
	if err != nil {
		return ""
	}
	// Round-trip through generic values so struct fields come out in sorted key order.
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return string(raw)
	}
	sorted, err := json.Marshal(generic)
	if err != nil {
		return string(raw)
	}
	return string(sorted)
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// configMapChanged compares what the operator owns (data, labels, controller reference)
// and returns the updated copy of current when they differ.
func configMapChanged(current, desired *corev1.ConfigMap) (bool, *corev1.ConfigMap) {
	dataSame := maps.Equal(current.Data, desired.Data)
	if dataSame && !labelsChanged(current.Labels, desired.Labels) && !ownerChanged(current, desired) {
		return false, nil
	}
	updated := current.DeepCopy()
	updated.Data = maps.Clone(desired.Data)
	updated.BinaryData = nil
	updated.Labels = mergeLabels(current.Labels, desired.Labels)
	updated.OwnerReferences = mergeOwner(current.OwnerReferences, desired.OwnerReferences)
	return true, updated
}

func (r *Reconciler) currentConfigMap(ctx context.Context) (*corev1.ConfigMap, error) {
	cm := &corev1.ConfigMap{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: ConfigMapName}, cm)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading ConfigMap %s/%s: %w", r.Namespace, ConfigMapName, err)
	}
	return cm, nil
}

// ensureConfigMap creates or updates avi-k8s-config. deleteConfig forces deleteConfig
// "true" (the AKOConfig is being deleted and AKO must remove its Avi objects).
func (r *Reconciler) ensureConfigMap(ctx context.Context, cfg *v1beta1.AKOConfig, deleteConfig bool) (*corev1.ConfigMap, error) {
	desired := DesiredConfigMap(cfg, r.Namespace)
	if deleteConfig {
		desired.Data[settings.KeyDeleteConfig] = "true"
	}
	setOwner(desired, cfg)
	current, err := r.currentConfigMap(ctx)
	if err != nil {
		return nil, err
	}
	if current == nil {
		if err := r.Client.Create(ctx, desired); err != nil {
			return nil, fmt.Errorf("creating ConfigMap %s/%s: %w", r.Namespace, ConfigMapName, err)
		}
		return desired, nil
	}
	changed, updated := configMapChanged(current, desired)
	if !changed {
		return current, nil
	}
	if err := r.Client.Update(ctx, updated); err != nil {
		return nil, fmt.Errorf("updating ConfigMap %s/%s: %w", r.Namespace, ConfigMapName, err)
	}
	return updated, nil
}
