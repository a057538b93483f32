package akoconfig

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/akoproject/ako/api/v1beta1"
)

// defaultedConfig is an AKOConfig as the API server stores the minimal sample: every
// documented default filled in.
func defaultedConfig() *v1beta1.AKOConfig {
	return &v1beta1.AKOConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "ako-config", Namespace: "avi-system", UID: "uid-1", Generation: 1},
		Spec: v1beta1.AKOConfigSpec{
			ImagePullPolicy: "IfNotPresent",
			ReplicaCount:    ptr.To[int32](1),
			AKOSettings: v1beta1.AKOSettings{
				LogLevel: "INFO", FullSyncFrequency: "1800", APIServerPort: 8080, ClusterName: "my-cluster",
				EnableEvents: ptr.To(true), IPFamily: "V4",
			},
			NetworkSettings: v1beta1.NetworkSettings{
				VipNetworkList: []v1beta1.VipNetwork{{NetworkName: "vip-net", Cidr: "10.10.10.0/24"}},
			},
			L7Settings: v1beta1.L7Settings{
				DefaultIngController: ptr.To(true), ServiceType: "ClusterIP", ShardVSSize: "LARGE",
				PassthroughShardSize: "SMALL", FqdnReusePolicy: "InterNamespaceAllowed",
			},
			L4Settings: v1beta1.L4Settings{AutoFQDN: "default", DefaultLBController: ptr.To(true)},
			ControllerSettings: v1beta1.ControllerSettings{
				ServiceEngineGroupName: "Default-Group", CloudName: "Default-Cloud", ControllerIP: "10.0.0.1", TenantName: "admin",
			},
			Resources: v1beta1.Resources{
				Limits:   v1beta1.ResourceAmounts{CPU: "350m", Memory: "400Mi"},
				Requests: v1beta1.ResourceAmounts{CPU: "200m", Memory: "300Mi"},
			},
			MountPath: "/log", LogFile: "avi.log", AKOGatewayLogFile: "avi-gw.log",
			FeatureGates: v1beta1.FeatureGates{EnableEndpointSlice: ptr.To(true)},
		},
	}
}

// with returns a copy of the defaulted config changed by edit.
func with(edit func(*v1beta1.AKOConfig)) *v1beta1.AKOConfig {
	c := defaultedConfig()
	edit(c)
	return c
}
