{{/*
Names are fixed: AKO looks its objects up by these names, and the operator uses the same
ones, so a cluster can move between the chart and the operator.
*/}}
{{- define "ako.labels" -}}
app.kubernetes.io/name: ako
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* "true"/"false" from a boolean or the strings upstream values files use. */}}
{{- define "ako.bool" -}}
{{- ternary "true" "false" (eq (toString .) "true") -}}
{{- end -}}

{{/* JSON list, "[]"-free: an empty list renders as "" like the operator does. */}}
{{- define "ako.jsonList" -}}
{{- if . }}{{ toJson . }}{{ end -}}
{{- end -}}

{{/*
ako.configData is the data of ConfigMap avi-k8s-config as YAML: one place that maps the
upstream value names to the ConfigMap keys (internal/settings/keys.go). The ConfigMap and
the restart checksum both read it.
*/}}
{{- define "ako.configData" -}}
{{- $a := .Values.AKOSettings -}}
{{- $n := .Values.NetworkSettings -}}
{{- $l7 := .Values.L7Settings -}}
{{- $l4 := .Values.L4Settings -}}
{{- $c := .Values.ControllerSettings -}}
{{- $fg := .Values.featureGates -}}
{{- $d := dict -}}
{{- $_ := set $d "controllerIP" (toString $c.controllerHost) -}}
{{- $_ := set $d "controllerVersion" (toString $c.controllerVersion) -}}
{{- $_ := set $d "cniPlugin" (toString $a.cniPlugin) -}}
{{- $_ := set $d "shardVSSize" (toString $l7.shardVSSize) -}}
{{- $_ := set $d "passthroughShardSize" (toString $l7.passthroughShardSize) -}}
{{- $_ := set $d "fullSyncFrequency" (toString $a.fullSyncFrequency) -}}
{{- $_ := set $d "cloudName" (toString $c.cloudName) -}}
{{- $_ := set $d "clusterName" (toString $a.clusterName) -}}
{{- $_ := set $d "servicesAPI" (include "ako.bool" $a.servicesAPI) -}}
{{- $_ := set $d "enableEVH" (include "ako.bool" $a.enableEVH) -}}
{{- $_ := set $d "layer7Only" (include "ako.bool" $a.layer7Only) -}}
{{- $_ := set $d "vipPerNamespace" (include "ako.bool" $a.vipPerNamespace) -}}
{{- $_ := set $d "tenantName" (toString $c.tenantName) -}}
{{- $_ := set $d "vrfName" (toString $c.vrfName) -}}
{{- $_ := set $d "defaultDomain" (toString (default $l4.defaultDomain $n.defaultDomain)) -}}
{{- $_ := set $d "disableStaticRouteSync" (include "ako.bool" $a.disableStaticRouteSync) -}}
{{- $_ := set $d "defaultIngController" (include "ako.bool" $l7.defaultIngController) -}}
{{- $_ := set $d "defaultLBController" (include "ako.bool" $l4.defaultLBController) -}}
{{- $_ := set $d "noPGForSNI" (include "ako.bool" $l7.noPGForSNI) -}}
{{- $_ := set $d "enableRHI" (include "ako.bool" $n.enableRHI) -}}
{{- $_ := set $d "nsxtT1LR" (toString $n.nsxtT1LR) -}}
{{- $_ := set $d "enableEvents" (include "ako.bool" $a.enableEvents) -}}
{{- $_ := set $d "logLevel" (toString $a.logLevel) -}}
{{- $_ := set $d "deleteConfig" (include "ako.bool" $a.deleteConfig) -}}
{{- $_ := set $d "autoFQDN" (toString $l4.autoFQDN) -}}
{{- $_ := set $d "nsSyncLabelKey" (toString $a.namespaceSelector.labelKey) -}}
{{- $_ := set $d "nsSyncLabelValue" (toString $a.namespaceSelector.labelValue) -}}
{{- $_ := set $d "serviceType" (toString $l7.serviceType) -}}
{{- /* The node label filter only means something for NodePort. */ -}}
{{- $nodePort := eq (toString $l7.serviceType) "NodePort" -}}
{{- $_ := set $d "nodeKey" (ternary (toString .Values.nodePortSelector.key) "" $nodePort) -}}
{{- $_ := set $d "nodeValue" (ternary (toString .Values.nodePortSelector.value) "" $nodePort) -}}
{{- $_ := set $d "serviceEngineGroupName" (toString $c.serviceEngineGroupName) -}}
{{- $_ := set $d "bgpPeerLabels" (include "ako.jsonList" $n.bgpPeerLabels) -}}
{{- $_ := set $d "nodeNetworkList" (include "ako.jsonList" $n.nodeNetworkList) -}}
{{- $_ := set $d "vipNetworkList" (include "ako.jsonList" $n.vipNetworkList) -}}
{{- $_ := set $d "apiServerPort" (toString $a.apiServerPort) -}}
{{- $_ := set $d "enableMCI" "false" -}}
{{- $_ := set $d "blockedNamespaceList" (include "ako.jsonList" $a.blockedNamespaceList) -}}
{{- $_ := set $d "ipFamily" (toString $a.ipFamily) -}}
{{- $_ := set $d "istioEnabled" (include "ako.bool" $a.istioEnabled) -}}
{{- $_ := set $d "useDefaultSecretsOnly" (include "ako.bool" $a.useDefaultSecretsOnly) -}}
{{- $_ := set $d "enablePrometheus" (include "ako.bool" $fg.EnablePrometheus) -}}
{{- $_ := set $d "fqdnReusePolicy" (toString $l7.fqdnReusePolicy) -}}
{{- $_ := set $d "primaryInstance" (include "ako.bool" $a.primaryInstance) -}}
{{- $_ := set $d "enableEndpointSlice" (include "ako.bool" $fg.EnableEndpointSlice) -}}
{{- toYaml $d -}}
{{- end -}}

{{/*
ako.restartChecksum hashes every ConfigMap value AKO reads only at start, so the pod
template changes (and the pod restarts) exactly when one of them changes. logLevel,
deleteConfig and enableEvents are applied live and left out.
*/}}
{{- define "ako.restartChecksum" -}}
{{- $d := include "ako.configData" . | fromYaml -}}
{{- $_ := unset $d "logLevel" -}}
{{- $_ := unset $d "deleteConfig" -}}
{{- $_ := unset $d "enableEvents" -}}
{{- toJson $d | sha256sum -}}
{{- end -}}
