// Package v1beta1 contains the AKOConfig API, group ako.vmware.com, version v1beta1 (the
// storage version). Field names are those of the upstream AKO operator so existing
// manifests keep working; unlike upstream, the schema carries real defaults and validation.
// +kubebuilder:object:generate=true
// +groupName=ako.vmware.com
package v1beta1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of these objects.
	GroupVersion = schema.GroupVersion{Group: "ako.vmware.com", Version: "v1beta1"}

	// SchemeBuilder registers the types of this package.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
