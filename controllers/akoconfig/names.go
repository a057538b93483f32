// Package akoconfig is the operator's reconciler: it turns the one honoured AKOConfig into
// the AKO workload's objects (ConfigMap, ServiceAccount, RBAC, StatefulSet, IngressClass)
// and reports health in the AKOConfig status. One file per managed object, each with a pure
// DesiredX, a currentX read, an ensureX write and an xChanged comparison.
package akoconfig

import (
	"github.com/akoproject/ako/internal/settings"
)

// Fixed names of the objects the operator manages. AKO and the Helm chart use the same
// names, so a cluster can move between the chart and the operator.
const (
	ConfigMapName          = settings.ConfigMapName
	SecretName             = settings.SecretName
	ServiceAccountName     = "ako-sa"
	ClusterRoleName        = "ako-cr"
	ClusterRoleBindingName = "ako-crb"
	StatefulSetName        = "ako"
	IngressClassName       = "avi-lb"
	ContainerName          = "ako"

	// IngressClassController is spec.controller of IngressClass avi-lb.
	IngressClassController = "ako.vmware.com/avi-lb"
	// DefaultIngressClassAnnotation marks the cluster's default IngressClass.
	DefaultIngressClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

	// Finalizer holds an AKOConfig until AKO removed its Avi objects and the operator
	// removed what it created.
	Finalizer = "ako.vmware.com/cleanup"
	// RestartChecksumAnnotation on the pod template changes exactly when a setting that AKO
	// reads only at start changes, which rolls the StatefulSet.
	RestartChecksumAnnotation = "ako.vmware.com/restart-checksum"
	// OwnerAnnotation names the AKOConfig (namespace/name) on cluster-scoped objects, which
	// cannot carry an owner reference to a namespaced object.
	OwnerAnnotation = "ako.vmware.com/owner"

	// DefaultImage is the AKO image used when spec.imageRepository is empty and the
	// operator was given no --ako-image.
	DefaultImage = "ghcr.io/akoproject/ako:0.1.0"
)

// Labels on every object the operator creates.
const (
	labelName      = "app.kubernetes.io/name"
	labelManagedBy = "app.kubernetes.io/managed-by"
	managedBy      = "ako-operator"
)

// podLabels select the AKO pods.
func podLabels() map[string]string {
	return map[string]string{"app": "ako", labelName: "ako"}
}

// objectLabels are the labels of every managed object.
func objectLabels() map[string]string {
	return map[string]string{labelName: "ako", labelManagedBy: managedBy}
}

// labelsChanged reports whether current lacks one of the wanted labels (other labels,
// added by people or tools, are left alone).
func labelsChanged(current, wanted map[string]string) bool {
	for k, v := range wanted {
		if current[k] != v {
			return true
		}
	}
	return false
}

// mergeLabels returns current with the wanted labels set.
func mergeLabels(current, wanted map[string]string) map[string]string {
	out := make(map[string]string, len(current)+len(wanted))
	for k, v := range current {
		out[k] = v
	}
	for k, v := range wanted {
		out[k] = v
	}
	return out
}
