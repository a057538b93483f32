package localstack

import (
	"encoding/base64"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Names the operator expects (spec ako-spec.md §1, §2).
const (
	// AKONamespace is where the AKOConfig, avi-secret and the AKO workload live.
	AKONamespace = "avi-system"
	// AviSecretName is the Controller credentials Secret the operator reads.
	AviSecretName = "avi-secret"
)

// The simulator's built-in seed (internal/avisim): what the AKOConfig must name so that the
// workload finds its cloud, VIP network and SE group.
const (
	simCloud      = "Default-Cloud"
	simSEGroup    = "Default-Group"
	simVIPNetwork = "vip-net"
	simVIPCIDR    = "10.10.10.0/24"
)

// AviEndpoint is a Controller as the workload sees it.
type AviEndpoint struct {
	// Address is host[:port], the AKOConfig's controllerIP.
	Address  string
	Username string
	Password string
	// CACert (PEM), when set, goes into avi-secret as certificateAuthorityData so the
	// workload verifies the Controller's certificate.
	CACert []byte
}

func namespaceObject(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("Namespace")
	u.SetName(name)
	return u
}

// aviSecretObject is avi-secret for ep; the values are base64 in data, never in a log.
func aviSecretObject(namespace string, ep AviEndpoint) *unstructured.Unstructured {
	data := map[string]any{
		"username": base64.StdEncoding.EncodeToString([]byte(ep.Username)),
		"password": base64.StdEncoding.EncodeToString([]byte(ep.Password)),
	}
	if len(ep.CACert) > 0 {
		data["certificateAuthorityData"] = base64.StdEncoding.EncodeToString(ep.CACert)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"type": "Opaque", "data": data}}
	u.SetAPIVersion("v1")
	u.SetKind("Secret")
	u.SetName(AviSecretName)
	u.SetNamespace(namespace)
	return u
}

// stackAKOConfig is the sample AKOConfig pointed at ep in namespace. With forSimulator it
// also names the simulator's cloud, SE group and VIP network, whatever the sample says.
// The sample itself is not modified.
func stackAKOConfig(sample *unstructured.Unstructured, namespace string, ep AviEndpoint, forSimulator bool) (*unstructured.Unstructured, error) {
	if sample.GetKind() != "AKOConfig" {
		return nil, fmt.Errorf("sample AKOConfig %q is a %s", sample.GetName(), sample.GetKind())
	}
	cfg := sample.DeepCopy()
	cfg.SetNamespace(namespace)
	set := func(value any, path ...string) error {
		if err := unstructured.SetNestedField(cfg.Object, value, path...); err != nil {
			return fmt.Errorf("setting spec field %v of AKOConfig %s: %w", path[1:], cfg.GetName(), err)
		}
		return nil
	}
	if ep.Address != "" {
		if err := set(ep.Address, "spec", "controllerSettings", "controllerIP"); err != nil {
			return nil, err
		}
	}
	if !forSimulator {
		return cfg, nil
	}
	for _, f := range []struct {
		value any
		path  []string
	}{
		{simCloud, []string{"spec", "controllerSettings", "cloudName"}},
		{simSEGroup, []string{"spec", "controllerSettings", "serviceEngineGroupName"}},
		{[]any{map[string]any{"networkName": simVIPNetwork, "cidr": simVIPCIDR}}, []string{"spec", "networkSettings", "vipNetworkList"}},
	} {
		if err := set(f.value, f.path...); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}
