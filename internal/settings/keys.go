// Package settings holds the AKO workload settings: the ConfigMap avi-k8s-config keys
// (Helm spellings), their parsing, defaults and validation. The operator renders the
// ConfigMap with these keys, the Helm chart renders the same keys, and the workload reads
// them back through Parse: one vocabulary for all three.
package settings

// ConfigMapName is the ConfigMap the operator (or the chart) renders and AKO reads.
const ConfigMapName = "avi-k8s-config"

// SecretName is the credentials Secret in the AKO namespace.
const SecretName = "avi-secret"

// Keys of ConfigMap avi-k8s-config, spelled as in the upstream Helm chart
// (ako-spec.md §3). The operator writes every one of them.
const (
	KeyControllerIP           = "controllerIP"
	KeyControllerVersion      = "controllerVersion"
	KeyCNIPlugin              = "cniPlugin"
	KeyShardVSSize            = "shardVSSize"
	KeyPassthroughShardSize   = "passthroughShardSize"
	KeyFullSyncFrequency      = "fullSyncFrequency"
	KeyCloudName              = "cloudName"
	KeyClusterName            = "clusterName"
	KeyServicesAPI            = "servicesAPI"
	KeyEnableEVH              = "enableEVH"
	KeyLayer7Only             = "layer7Only"
	KeyVIPPerNamespace        = "vipPerNamespace"
	KeyTenantName             = "tenantName"
	KeyVRFName                = "vrfName"
	KeyDefaultDomain          = "defaultDomain"
	KeyDisableStaticRouteSync = "disableStaticRouteSync"
	KeyDefaultIngController   = "defaultIngController"
	KeyDefaultLBController    = "defaultLBController"
	KeyNoPGForSNI             = "noPGForSNI"
	KeyEnableRHI              = "enableRHI"
	KeyNSXTT1LR               = "nsxtT1LR"
	KeyEnableEvents           = "enableEvents"
	KeyLogLevel               = "logLevel"
	KeyDeleteConfig           = "deleteConfig"
	KeyAutoFQDN               = "autoFQDN"
	KeyNSSyncLabelKey         = "nsSyncLabelKey"
	KeyNSSyncLabelValue       = "nsSyncLabelValue"
	KeyServiceType            = "serviceType"
	KeyNodeKey                = "nodeKey"
	KeyNodeValue              = "nodeValue"
	KeyServiceEngineGroupName = "serviceEngineGroupName"
	KeyBGPPeerLabels          = "bgpPeerLabels"
	KeyNodeNetworkList        = "nodeNetworkList"
	KeyVIPNetworkList         = "vipNetworkList"
	KeyAPIServerPort          = "apiServerPort"
	KeyEnableMCI              = "enableMCI"
	KeyBlockedNamespaceList   = "blockedNamespaceList"
	KeyIPFamily               = "ipFamily"
	KeyIstioEnabled           = "istioEnabled"
	KeyUseDefaultSecretsOnly  = "useDefaultSecretsOnly"
	KeyEnablePrometheus       = "enablePrometheus"
	KeyFQDNReusePolicy        = "fqdnReusePolicy"
	KeyPrimaryInstance        = "primaryInstance"
	KeyEnableEndpointSlice    = "enableEndpointSlice"
)

// LiveKeys are applied by a running workload without a restart; a change to any other
// key restarts the AKO pod (the operator puts a checksum of the others on the pod template).
var LiveKeys = map[string]bool{KeyLogLevel: true, KeyDeleteConfig: true, KeyEnableEvents: true}

// Secret keys of avi-secret.
const (
	SecretKeyUsername  = "username"
	SecretKeyPassword  = "password"
	SecretKeyAuthToken = "authtoken"
	SecretKeyCA        = "certificateAuthorityData"
)

// DeletionStatusAnnotation is set by the workload on StatefulSet ako (or, when the
// workload runs in-process and no StatefulSet exists, on ConfigMap avi-k8s-config)
// while deleteConfig is true: Started, then Done or Timeout.
const DeletionStatusAnnotation = "AviObjectDeletionStatus"

// Values of DeletionStatusAnnotation.
const (
	DeletionStarted = "Started"
	DeletionDone    = "Done"
	DeletionTimeout = "Timeout"
)
