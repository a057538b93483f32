package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AKOConfigSpec is the desired AKO installation. Field names and meanings are those of the
// upstream AKO operator (ako.vmware.com/v1beta1); see docs/configuration.md.
// +kubebuilder:validation:XValidation:rule="!has(self.networkSettings.bgpPeerLabels) || size(self.networkSettings.bgpPeerLabels) == 0 || (has(self.networkSettings.enableRHI) && self.networkSettings.enableRHI)",message="networkSettings.bgpPeerLabels needs networkSettings.enableRHI: true"
type AKOConfigSpec struct {
	// ImageRepository is the full AKO image reference, including the tag. When empty the
	// operator uses the image it was built with (flag --ako-image).
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="AKO Image",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:advanced"}
	ImageRepository string `json:"imageRepository,omitempty"`

	// ImagePullPolicy of the AKO container.
	// +optional
	// +kubebuilder:default=IfNotPresent
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Image Pull Policy",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:imagePullPolicy","urn:alm:descriptor:com.tectonic.ui:advanced"}
	ImagePullPolicy string `json:"imagePullPolicy,omitempty"`

	// ImagePullSecrets are copied to the AKO pod's imagePullSecrets.
	// +optional
	// +listType=atomic
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Image Pull Secrets",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:advanced"}
	ImagePullSecrets []ImagePullSecret `json:"imagePullSecrets,omitempty"`

	// ReplicaCount is the number of AKO pods (0 to 2; one is the leader, a second is a
	// warm standby). 0 stops AKO without deleting anything.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Replicas",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:podCount"}
	ReplicaCount *int32 `json:"replicaCount,omitempty"`

	// AKOSettings are the general AKO settings.
	// +required
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="AKO Settings"
	AKOSettings AKOSettings `json:"akoSettings"`

	// NetworkSettings name the Avi networks for VIPs and nodes.
	// +required
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Network Settings"
	NetworkSettings NetworkSettings `json:"networkSettings"`

	// L7Settings tune how Routes and Ingresses become virtual services.
	// +optional
	// +kubebuilder:default={}
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="L7 Settings"
	L7Settings L7Settings `json:"l7Settings,omitempty"`

	// L4Settings tune how Services of type LoadBalancer become virtual services.
	// +optional
	// +kubebuilder:default={}
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="L4 Settings"
	L4Settings L4Settings `json:"l4Settings,omitempty"`

	// ControllerSettings say how to reach the Avi Controller and where to create objects.
	// +required
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Controller Settings"
	ControllerSettings ControllerSettings `json:"controllerSettings"`

	// NodePortSelector filters the nodes used as pool members when l7Settings.serviceType
	// is NodePort (nodes carrying label key=value).
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Node Port Selector"
	NodePortSelector NodePortSelector `json:"nodePortSelector,omitempty"`

	// Resources of the AKO container.
	// +optional
	// +kubebuilder:default={}
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Resources",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:resourceRequirements"}
	Resources Resources `json:"resources,omitempty"`

	// PVC is the name of a PersistentVolumeClaim in the AKO namespace for log files. Empty
	// means logs go to stdout only.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Log Volume Claim",xDescriptors={"urn:alm:descriptor:io.kubernetes:PersistentVolumeClaim","urn:alm:descriptor:com.tectonic.ui:advanced"}
	PVC string `json:"pvc,omitempty"`

	// MountPath is where the log volume is mounted in the AKO container.
	// +optional
	// +kubebuilder:default=/log
	// +kubebuilder:validation:MaxLength=4096
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Log Mount Path",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:advanced"}
	MountPath string `json:"mountPath,omitempty"`

	// LogFile is the name of AKO's log file under mountPath.
	// +optional
	// +kubebuilder:default=avi.log
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Log File",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:advanced"}
	LogFile string `json:"logFile,omitempty"`

	// AKOGatewayLogFile is the log file name of the Gateway API container (upstream
	// compatibility; this operator runs no Gateway API container).
	// +optional
	// +kubebuilder:default=avi-gw.log
	// +kubebuilder:validation:MaxLength=253
	AKOGatewayLogFile string `json:"akoGatewayLogFile,omitempty"`

	// FeatureGates switch optional features on or off.
	// +optional
	// +kubebuilder:default={}
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Feature Gates"
	FeatureGates FeatureGates `json:"featureGates,omitempty"`

	// GatewayAPI configures the Gateway API container (upstream compatibility; accepted
	// but not used by this operator).
	// +optional
	GatewayAPI GatewayAPI `json:"gatewayAPI,omitempty"`
}

// ImagePullSecret names a Secret of type kubernetes.io/dockerconfigjson.
type ImagePullSecret struct {
	// Name of the Secret in the AKO namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Pull Secret",xDescriptors={"urn:alm:descriptor:io.kubernetes:Secret","urn:alm:descriptor:com.tectonic.ui:arrayFieldGroup:imagePullSecrets"}
	Name string `json:"name"`
}

// AKOSettings are the general AKO settings.
type AKOSettings struct {
	// LogLevel of AKO. Applied live, without restarting AKO.
	// +optional
	// +kubebuilder:default=INFO
	// +kubebuilder:validation:Enum=INFO;DEBUG;WARN;ERROR
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Log Level",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:INFO","urn:alm:descriptor:com.tectonic.ui:select:DEBUG","urn:alm:descriptor:com.tectonic.ui:select:WARN","urn:alm:descriptor:com.tectonic.ui:select:ERROR","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings"}
	LogLevel string `json:"logLevel,omitempty"`

	// FullSyncFrequency is the interval in seconds of AKO's full sync, which recomputes
	// every object and repairs drift on the Avi Controller. "0" turns it off.
	// +optional
	// +kubebuilder:default="1800"
	// +kubebuilder:validation:MaxLength=10
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]+$')",message="fullSyncFrequency must be a whole number of seconds, for example \"1800\""
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Full Sync Frequency (seconds)",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings"}
	FullSyncFrequency string `json:"fullSyncFrequency,omitempty"`

	// APIServerPort is the port of AKO's HTTP API (health probes, /metrics).
	// +optional
	// +kubebuilder:default=8080
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="API Server Port",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:number","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	APIServerPort int `json:"apiServerPort,omitempty"`

	// DeleteConfig set to true makes AKO delete every Avi object it created for this
	// cluster (and stop creating new ones). Applied live.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Delete Avi Objects",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings"}
	DeleteConfig bool `json:"deleteConfig,omitempty"`

	// DisableStaticRouteSync stops AKO from adding static routes for pod CIDRs in ClusterIP
	// mode.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Disable Static Route Sync",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings"}
	DisableStaticRouteSync bool `json:"disableStaticRouteSync,omitempty"`

	// ClusterName identifies this cluster on the Avi Controller: it prefixes every Avi
	// object name and sets created_by to ako-<clusterName>. Must be unique per Controller.
	// +required
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-zA-Z0-9_-]+$')",message="clusterName must be non-empty and contain only letters, digits, '-' and '_'"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Cluster Name",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings"}
	ClusterName string `json:"clusterName"`

	// CNIPlugin is the cluster's CNI (calico, canal, flannel, openshift, antrea, ncp,
	// ovn-kubernetes, cilium); it decides how AKO learns pod CIDRs for static routes.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="CNI Plugin",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:calico","urn:alm:descriptor:com.tectonic.ui:select:canal","urn:alm:descriptor:com.tectonic.ui:select:flannel","urn:alm:descriptor:com.tectonic.ui:select:openshift","urn:alm:descriptor:com.tectonic.ui:select:antrea","urn:alm:descriptor:com.tectonic.ui:select:ncp","urn:alm:descriptor:com.tectonic.ui:select:ovn-kubernetes","urn:alm:descriptor:com.tectonic.ui:select:cilium","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings"}
	CNIPlugin string `json:"cniPlugin,omitempty"`

	// EnableEvents makes AKO emit Normal Kubernetes Events (Warning Events are always
	// emitted). Applied live.
	// +optional
	// +kubebuilder:default=true
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Enable Events",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings"}
	EnableEvents *bool `json:"enableEvents,omitempty"`

	// NamespaceSelector limits AKO to namespaces carrying label labelKey=labelValue
	// (both must be set).
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Namespace Selector",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	NamespaceSelector NamespaceSelector `json:"namespaceSelector,omitempty"`

	// ServicesAPI enables the Gateway API (networking.x-k8s.io) L4 mode.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Services API",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	ServicesAPI bool `json:"servicesAPI,omitempty"`

	// VipPerNamespace creates one EVH parent virtual service per namespace.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="VIP Per Namespace",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	VipPerNamespace bool `json:"vipPerNamespace,omitempty"`

	// EnableEVH switches to Enhanced Virtual Hosting (Kubernetes only).
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Enhanced Virtual Hosting",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	EnableEVH bool `json:"enableEVH,omitempty"`

	// Layer7Only makes AKO ignore Services of type LoadBalancer.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Layer 7 Only",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings"}
	Layer7Only bool `json:"layer7Only,omitempty"`

	// IstioEnabled integrates with an Istio service mesh.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Istio",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	IstioEnabled bool `json:"istioEnabled,omitempty"`

	// BlockedNamespaceList are namespaces AKO ignores.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:items:MaxLength=63
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Blocked Namespaces",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	BlockedNamespaceList []string `json:"blockedNamespaceList,omitempty"`

	// IPFamily of the VIPs: V4, V6 or both (V4_V6).
	// +optional
	// +kubebuilder:default=V4
	// +kubebuilder:validation:Enum=V4;V6;V4_V6
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="IP Family",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:V4","urn:alm:descriptor:com.tectonic.ui:select:V6","urn:alm:descriptor:com.tectonic.ui:select:V4_V6","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings"}
	IPFamily string `json:"ipFamily,omitempty"`

	// UseDefaultSecretsOnly limits AKO to TLS Secrets in its own namespace (OpenShift).
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Use Default Secrets Only",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:akoSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	UseDefaultSecretsOnly bool `json:"useDefaultSecretsOnly,omitempty"`
}

// NamespaceSelector selects namespaces by one label.
type NamespaceSelector struct {
	// LabelKey is the label key.
	// +optional
	// +kubebuilder:validation:MaxLength=317
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Label Key",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:advanced"}
	LabelKey string `json:"labelKey,omitempty"`
	// LabelValue is the label value.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Label Value",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:advanced"}
	LabelValue string `json:"labelValue,omitempty"`
}

// NetworkSettings name the Avi networks for VIPs and nodes.
type NetworkSettings struct {
	// NodeNetworkList are the networks (and CIDRs) the cluster nodes are on; used by
	// Avi to place Service Engines. At most 5.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=5
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Node Networks",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:fieldGroup:networkSettings"}
	NodeNetworkList []NodeNetwork `json:"nodeNetworkList,omitempty"`

	// EnableRHI advertises VIPs to BGP peers (Route Health Injection).
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Route Health Injection",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:networkSettings"}
	EnableRHI bool `json:"enableRHI,omitempty"`

	// NsxtT1LR is the NSX-T tier-1 logical router path, /infra/tier-1s/<name>.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="NSX-T Tier-1 Router",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:networkSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	NsxtT1LR string `json:"nsxtT1LR,omitempty"`

	// BGPPeerLabels select the BGP peers VIPs are advertised to (needs enableRHI).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="BGP Peer Labels",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:fieldGroup:networkSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	BGPPeerLabels []string `json:"bgpPeerLabels,omitempty"`

	// VipNetworkList are the Avi networks VIPs are allocated from. At least one entry with
	// a CIDR; more than one only on AWS clouds.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:XValidation:rule="self.exists(n, has(n.cidr) || has(n.v6cidr))",message="vipNetworkList needs at least one entry with a cidr or v6cidr"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="VIP Networks",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:fieldGroup:networkSettings"}
	VipNetworkList []VipNetwork `json:"vipNetworkList"`

	// DefaultDomain is the preferred DNS subdomain for automatically generated FQDNs;
	// it wins over l4Settings.defaultDomain.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Default Domain",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:networkSettings"}
	DefaultDomain string `json:"defaultDomain,omitempty"`
}

// NodeNetwork is one Avi network the nodes are on.
// +kubebuilder:validation:XValidation:rule="has(self.networkName) || has(self.networkUUID)",message="a node network needs networkName or networkUUID"
type NodeNetwork struct {
	// NetworkName is the Avi network name.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Network Name",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:arrayFieldGroup:nodeNetworkList"}
	NetworkName string `json:"networkName,omitempty"`
	// NetworkUUID is the Avi network UUID (instead of the name).
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Network UUID",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:arrayFieldGroup:nodeNetworkList"}
	NetworkUUID string `json:"networkUUID,omitempty"`
	// Cidrs are the node subnets in this network.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.all(c, isCIDR(c))",message="every entry of cidrs must be a CIDR such as 10.0.0.0/24"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="CIDRs",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:arrayFieldGroup:nodeNetworkList"}
	Cidrs []string `json:"cidrs,omitempty"`
}

// VipNetwork is one Avi network VIPs come from.
// +kubebuilder:validation:XValidation:rule="has(self.networkName) || has(self.networkUUID)",message="a VIP network needs networkName or networkUUID"
type VipNetwork struct {
	// NetworkName is the Avi network name.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Network Name",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:arrayFieldGroup:vipNetworkList"}
	NetworkName string `json:"networkName,omitempty"`
	// NetworkUUID is the Avi network UUID (instead of the name).
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Network UUID",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:arrayFieldGroup:vipNetworkList"}
	NetworkUUID string `json:"networkUUID,omitempty"`
	// Cidr is the IPv4 subnet of the network, such as 10.10.10.0/24.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="isCIDR(self) && cidr(self).ip().family() == 4",message="cidr must be an IPv4 CIDR such as 10.10.10.0/24"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="IPv4 CIDR",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:arrayFieldGroup:vipNetworkList"}
	Cidr string `json:"cidr,omitempty"`
	// V6Cidr is the IPv6 subnet of the network, such as 2001:db8::/64.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="isCIDR(self) && cidr(self).ip().family() == 6",message="v6cidr must be an IPv6 CIDR such as 2001:db8::/64"
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="IPv6 CIDR",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:arrayFieldGroup:vipNetworkList"}
	V6Cidr string `json:"v6cidr,omitempty"`
}

// L7Settings tune how Routes and Ingresses become virtual services.
type L7Settings struct {
	// DefaultIngController makes IngressClass avi-lb the cluster's default IngressClass
	// (Kubernetes only; OpenShift has no IngressClass for AKO).
	// +optional
	// +kubebuilder:default=true
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Default Ingress Controller",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:l7Settings"}
	DefaultIngController *bool `json:"defaultIngController,omitempty"`

	// ServiceType is how pool members are reached: ClusterIP (pod IPs, needs static routes
	// or a routable pod network), NodePort (node IPs), NodePortLocal (Antrea).
	// +optional
	// +kubebuilder:default=ClusterIP
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;NodePortLocal
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Service Type",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:ClusterIP","urn:alm:descriptor:com.tectonic.ui:select:NodePort","urn:alm:descriptor:com.tectonic.ui:select:NodePortLocal","urn:alm:descriptor:com.tectonic.ui:fieldGroup:l7Settings"}
	ServiceType string `json:"serviceType,omitempty"`

	// ShardVSSize is the number of shared L7 virtual services: LARGE 8, MEDIUM 4,
	// SMALL 1, DEDICATED one per host name.
	// +optional
	// +kubebuilder:default=LARGE
	// +kubebuilder:validation:Enum=LARGE;MEDIUM;SMALL;DEDICATED
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Shard VS Size",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:LARGE","urn:alm:descriptor:com.tectonic.ui:select:MEDIUM","urn:alm:descriptor:com.tectonic.ui:select:SMALL","urn:alm:descriptor:com.tectonic.ui:select:DEDICATED","urn:alm:descriptor:com.tectonic.ui:fieldGroup:l7Settings"}
	ShardVSSize string `json:"shardVSSize,omitempty"`

	// PassthroughShardSize is the number of shared TLS passthrough virtual services:
	// LARGE 8, MEDIUM 4, SMALL 1.
	// +optional
	// +kubebuilder:default=SMALL
	// +kubebuilder:validation:Enum=LARGE;MEDIUM;SMALL
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Passthrough Shard Size",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:LARGE","urn:alm:descriptor:com.tectonic.ui:select:MEDIUM","urn:alm:descriptor:com.tectonic.ui:select:SMALL","urn:alm:descriptor:com.tectonic.ui:fieldGroup:l7Settings"}
	PassthroughShardSize string `json:"passthroughShardSize,omitempty"`

	// NoPGForSNI attaches pools directly to SNI child virtual services instead of pool
	// groups.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="No Pool Group For SNI",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:l7Settings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	NoPGForSNI bool `json:"noPGForSNI,omitempty"`

	// FqdnReusePolicy says whether one host name may be used from several namespaces.
	// +optional
	// +kubebuilder:default=InterNamespaceAllowed
	// +kubebuilder:validation:Enum=InterNamespaceAllowed;Strict
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="FQDN Reuse Policy",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:InterNamespaceAllowed","urn:alm:descriptor:com.tectonic.ui:select:Strict","urn:alm:descriptor:com.tectonic.ui:fieldGroup:l7Settings"}
	FqdnReusePolicy string `json:"fqdnReusePolicy,omitempty"`
}

// L4Settings tune how Services of type LoadBalancer become virtual services.
type L4Settings struct {
	// DefaultDomain is used for generated FQDNs when networkSettings.defaultDomain is empty.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Default Domain",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:l4Settings"}
	DefaultDomain string `json:"defaultDomain,omitempty"`

	// AutoFQDN is how a DNS name is generated for a LoadBalancer Service:
	// default (<svc>.<namespace>.<domain>), flat (<svc>-<namespace>.<domain>) or disabled.
	// +optional
	// +kubebuilder:default=default
	// +kubebuilder:validation:Enum=default;flat;disabled
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Auto FQDN",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:select:default","urn:alm:descriptor:com.tectonic.ui:select:flat","urn:alm:descriptor:com.tectonic.ui:select:disabled","urn:alm:descriptor:com.tectonic.ui:fieldGroup:l4Settings"}
	AutoFQDN string `json:"autoFQDN,omitempty"`

	// DefaultLBController makes AKO handle LoadBalancer Services without a
	// loadBalancerClass.
	// +optional
	// +kubebuilder:default=true
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Default LoadBalancer Controller",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:l4Settings"}
	DefaultLBController *bool `json:"defaultLBController,omitempty"`
}

// ControllerSettings say how to reach the Avi Controller and where to create objects.
type ControllerSettings struct {
	// ServiceEngineGroupName is the Avi Service Engine Group virtual services are placed in.
	// +optional
	// +kubebuilder:default=Default-Group
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Service Engine Group",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:controllerSettings"}
	ServiceEngineGroupName string `json:"serviceEngineGroupName,omitempty"`

	// ControllerVersion is the Avi API version to speak; empty means detect it.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Controller Version",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:controllerSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	ControllerVersion string `json:"controllerVersion,omitempty"`

	// CloudName is the Avi cloud the cluster's objects go to.
	// +optional
	// +kubebuilder:default=Default-Cloud
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Cloud Name",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:controllerSettings"}
	CloudName string `json:"cloudName,omitempty"`

	// ControllerIP is the Avi Controller address: IP or host name, optionally with :port.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Controller Address",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:controllerSettings"}
	ControllerIP string `json:"controllerIP"`

	// TenantName is the Avi tenant AKO creates objects in.
	// +optional
	// +kubebuilder:default=admin
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Tenant",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:controllerSettings"}
	TenantName string `json:"tenantName,omitempty"`

	// VRFName is the Avi VRF context for static routes and objects.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="VRF Name",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:controllerSettings","urn:alm:descriptor:com.tectonic.ui:advanced"}
	VRFName string `json:"vrfName,omitempty"`
}

// NodePortSelector selects nodes by one label.
type NodePortSelector struct {
	// Key is the node label key.
	// +optional
	// +kubebuilder:validation:MaxLength=317
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Node Label Key",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:nodePortSelector"}
	Key string `json:"key,omitempty"`
	// Value is the node label value.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Node Label Value",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text","urn:alm:descriptor:com.tectonic.ui:fieldGroup:nodePortSelector"}
	Value string `json:"value,omitempty"`
}

// Resources are the AKO container's limits and requests.
type Resources struct {
	// Limits of the AKO container.
	// +optional
	// +kubebuilder:default={cpu: "350m", memory: "400Mi"}
	Limits ResourceAmounts `json:"limits,omitempty"`
	// Requests of the AKO container.
	// +optional
	// +kubebuilder:default={cpu: "200m", memory: "300Mi"}
	Requests ResourceAmounts `json:"requests,omitempty"`
}

// ResourceAmounts are CPU and memory quantities.
type ResourceAmounts struct {
	// CPU quantity, such as 200m.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="isQuantity(self)",message="cpu must be a quantity such as 200m or 1"
	CPU string `json:"cpu,omitempty"`
	// Memory quantity, such as 300Mi.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="isQuantity(self)",message="memory must be a quantity such as 300Mi"
	Memory string `json:"memory,omitempty"`
}

// FeatureGates switch optional features on or off.
type FeatureGates struct {
	// GatewayAPI runs the Gateway API container (upstream compatibility; not supported by
	// this operator, which logs a warning when it is set).
	// +optional
	GatewayAPI bool `json:"gatewayAPI,omitempty"`
	// EnablePrometheus serves Prometheus metrics on AKO's API port at /metrics.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Prometheus Metrics",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch","urn:alm:descriptor:com.tectonic.ui:fieldGroup:featureGates"}
	EnablePrometheus bool `json:"enablePrometheus,omitempty"`
	// EnableEndpointSlice is kept for compatibility; AKO always uses EndpointSlices.
	// +optional
	// +kubebuilder:default=true
	EnableEndpointSlice *bool `json:"enableEndpointSlice,omitempty"`
}

// GatewayAPI configures the upstream Gateway API container.
type GatewayAPI struct {
	// Image of the Gateway API container.
	// +optional
	Image GatewayAPIImage `json:"image,omitempty"`
}

// GatewayAPIImage is an image reference and pull policy.
type GatewayAPIImage struct {
	// Repository is the full image reference.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Repository string `json:"repository,omitempty"`
	// PullPolicy of the image.
	// +optional
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	PullPolicy string `json:"pullPolicy,omitempty"`
}

// State is the upstream summary of an AKOConfig's status.
// +kubebuilder:validation:Enum=Processing;Ready;Error
type State string

// States of an AKOConfig.
const (
	StateProcessing State = "Processing"
	StateReady      State = "Ready"
	StateError      State = "Error"
)

// Condition types of an AKOConfig.
const (
	// ConditionAvailable is True when every object is rendered and the AKO workload runs.
	ConditionAvailable = "Available"
	// ConditionProgressing is True while the workload rolls out or cleans up.
	ConditionProgressing = "Progressing"
	// ConditionDegraded is True when the operator cannot do what the AKOConfig asks.
	ConditionDegraded = "Degraded"
)

// AKOConfigStatus is what the operator observed.
type AKOConfigStatus struct {
	// State is Processing, Ready (every object rendered) or Error.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="State",xDescriptors={"urn:alm:descriptor:io.kubernetes.phase"}
	State State `json:"state,omitempty"`

	// Conditions Available, Progressing and Degraded, each with a reason and message.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Conditions",xDescriptors={"urn:alm:descriptor:io.kubernetes.conditions"}
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the generation of the spec the status describes.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Observed Generation",xDescriptors={"urn:alm:descriptor:text"}
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// AKOConfig configures the AKO workload: the operator renders ConfigMap avi-k8s-config,
// StatefulSet ako and their RBAC from it. Only one AKOConfig, in the operator's namespace,
// is honoured.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Controller",type=string,JSONPath=`.spec.controllerSettings.controllerIP`
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.spec.akoSettings.clusterName`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +operator-sdk:csv:customresourcedefinitions:displayName="AKO Config",resources={{ConfigMap,v1,avi-k8s-config},{Secret,v1,avi-secret},{StatefulSet,v1,ako},{ServiceAccount,v1,ako-sa},{ClusterRole,v1,ako-cr},{ClusterRoleBinding,v1,ako-crb},{Event,v1,""},{EndpointSlice,v1,""}}
type AKOConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired AKO installation.
	// +required
	Spec AKOConfigSpec `json:"spec"`
	// Status is what the operator observed.
	// +optional
	Status AKOConfigStatus `json:"status,omitempty"`
}

// AKOConfigList is a list of AKOConfig.
// +kubebuilder:object:root=true
type AKOConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AKOConfig `json:"items"`
}

func init() {
	SchemeBuilder.Register(&AKOConfig{}, &AKOConfigList{})
}
