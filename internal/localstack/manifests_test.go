package localstack

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestDecodeManifests(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    []string // kind/name
		wantErr string
	}{
		{name: "multi-document with empty documents",
			in:   "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n# only a comment\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  namespace: a\n",
			want: []string{"Namespace/a", "Service/b"}},
		{name: "json", in: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`, want: []string{"ConfigMap/c"}},
		{name: "empty", in: "", want: nil},
		{name: "no kind", in: "apiVersion: v1\nmetadata:\n  name: a\n", wantErr: "document 1: kind is missing"},
		{name: "no apiVersion", in: "kind: Namespace\nmetadata:\n  name: a\n", wantErr: "document 1: apiVersion is missing"},
		{name: "no name in second document", in: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata: {}\n", wantErr: "document 2 (Service): metadata.name is missing"},
		{name: "broken yaml", in: "apiVersion: v1\nkind: [\n", wantErr: "document 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := DecodeManifests([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.GetKind()+"/"+o.GetName())
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// The demo application is what `make run` shows a newcomer: one Route of each kind, the
// Service they point to with three ready endpoints, and a LoadBalancer Service.
func TestDemoManifests(t *testing.T) {
	objs, err := ReadManifestDir(filepath.Join("..", "..", "config", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		byKey[o.GetKind()+"/"+o.GetName()] = o
	}
	if objs[0].GetKind() != "Namespace" {
		t.Errorf("first object is %s %s; the namespace must come first", objs[0].GetKind(), objs[0].GetName())
	}
	kinds := map[string]string{}
	for _, o := range objs {
		if o.GetKind() != "Route" {
			continue
		}
		r := RouteStateOf(o)
		kinds[r.Kind] = o.GetName()
		if !strings.HasSuffix(r.Host, ".avi.internal") {
			t.Errorf("Route %s host %q is outside the simulator's DNS domain avi.internal", o.GetName(), r.Host)
		}
		to, _, _ := unstructured.NestedString(o.Object, "spec", "to", "name")
		if to != "demo" {
			t.Errorf("Route %s points to %q, want the demo Service", o.GetName(), to)
		}
		checkDemoCertificate(t, o, r.Host)
	}
	for _, kind := range []string{"insecure", "edge", "edge+Redirect", "reencrypt", "passthrough"} {
		if kinds[kind] == "" {
			t.Errorf("no demo Route of kind %s (have %v)", kind, kinds)
		}
	}
	for _, svc := range []struct{ name, typ, slice string }{{"demo", "ClusterIP", "demo-manual"}, {"demo-lb", "LoadBalancer", "demo-lb-manual"}} {
		s := byKey["Service/"+svc.name]
		if s == nil {
			t.Fatalf("no Service %s", svc.name)
		}
		if typ, _, _ := unstructured.NestedString(s.Object, "spec", "type"); typ != svc.typ {
			t.Errorf("Service %s type %q, want %s", svc.name, typ, svc.typ)
		}
		if _, found, _ := unstructured.NestedFieldNoCopy(s.Object, "spec", "selector"); found {
			t.Errorf("Service %s has a selector; its endpoints are hand-made", svc.name)
		}
		es := byKey["EndpointSlice/"+svc.slice]
		if es == nil {
			t.Fatalf("no EndpointSlice %s", svc.slice)
		}
		if es.GetLabels()["kubernetes.io/service-name"] != svc.name {
			t.Errorf("EndpointSlice %s is not labelled for Service %s", svc.slice, svc.name)
		}
		eps, _, _ := unstructured.NestedSlice(es.Object, "endpoints")
		ready := 0
		for _, e := range eps {
			if r, _, _ := unstructured.NestedBool(e.(map[string]any), "conditions", "ready"); r {
				ready++
			}
		}
		if ready != 3 {
			t.Errorf("EndpointSlice %s has %d ready endpoints, want 3", svc.slice, ready)
		}
	}
}

// checkDemoCertificate: an inline certificate must parse, match its key and cover the host.
func checkDemoCertificate(t *testing.T, route *unstructured.Unstructured, host string) {
	t.Helper()
	certPEM, _, _ := unstructured.NestedString(route.Object, "spec", "tls", "certificate")
	keyPEM, _, _ := unstructured.NestedString(route.Object, "spec", "tls", "key")
	if certPEM == "" && keyPEM == "" {
		return
	}
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Errorf("Route %s: certificate and key do not form a pair: %v", route.GetName(), err)
		return
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatalf("Route %s: %v", route.GetName(), err)
	}
	if err := cert.VerifyHostname(host); err != nil {
		t.Errorf("Route %s: certificate does not cover %s: %v", route.GetName(), host, err)
	}
	if ca, _, _ := unstructured.NestedString(route.Object, "spec", "tls", "destinationCACertificate"); ca != "" {
		if block, _ := pem.Decode([]byte(ca)); block == nil {
			t.Errorf("Route %s: destinationCACertificate is not PEM", route.GetName())
		}
	}
}

func TestStackAKOConfig(t *testing.T) {
	sample := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "ako.vmware.com/v1beta1", "kind": "AKOConfig",
		"metadata": map[string]any{"name": "ako-config", "namespace": "elsewhere"},
		"spec": map[string]any{
			"akoSettings":        map[string]any{"clusterName": "my-cluster"},
			"controllerSettings": map[string]any{"controllerIP": "10.0.0.1", "cloudName": "Other-Cloud"},
			"networkSettings":    map[string]any{"vipNetworkList": []any{map[string]any{"networkName": "other", "cidr": "192.168.0.0/24"}}},
		},
	}}
	field := func(u *unstructured.Unstructured, path ...string) any {
		v, _, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
		return v
	}
	cases := []struct {
		name         string
		ep           AviEndpoint
		forSimulator bool
		wantIP       string
		wantCloud    string
		wantNetwork  string
	}{
		{"simulator", AviEndpoint{Address: "127.0.0.1:41443"}, true, "127.0.0.1:41443", "Default-Cloud", "vip-net"},
		{"real controller keeps the rest", AviEndpoint{Address: "avi.example.com"}, false, "avi.example.com", "Other-Cloud", "other"},
		{"no address keeps the sample's", AviEndpoint{}, false, "10.0.0.1", "Other-Cloud", "other"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := stackAKOConfig(sample, AKONamespace, tc.ep, tc.forSimulator)
			if err != nil {
				t.Fatal(err)
			}
			if got.GetNamespace() != AKONamespace {
				t.Errorf("namespace %q", got.GetNamespace())
			}
			if v := field(got, "spec", "controllerSettings", "controllerIP"); v != tc.wantIP {
				t.Errorf("controllerIP %v, want %s", v, tc.wantIP)
			}
			if v := field(got, "spec", "controllerSettings", "cloudName"); v != tc.wantCloud {
				t.Errorf("cloudName %v, want %s", v, tc.wantCloud)
			}
			nets := field(got, "spec", "networkSettings", "vipNetworkList").([]any)
			if n := nets[0].(map[string]any)["networkName"]; len(nets) != 1 || n != tc.wantNetwork {
				t.Errorf("vipNetworkList %v, want one entry %s", nets, tc.wantNetwork)
			}
			if v := field(got, "spec", "akoSettings", "clusterName"); v != "my-cluster" {
				t.Errorf("clusterName %v changed", v)
			}
		})
	}
	if v := field(sample, "spec", "controllerSettings", "controllerIP"); v != "10.0.0.1" {
		t.Errorf("the sample itself was modified: controllerIP %v", v)
	}
	if _, err := stackAKOConfig(namespaceObject("x"), AKONamespace, AviEndpoint{}, true); err == nil {
		t.Error("a Namespace was accepted as the sample AKOConfig")
	}
}

func TestAviSecretObject(t *testing.T) {
	s := aviSecretObject(AKONamespace, AviEndpoint{Username: "admin", Password: "p'w", CACert: []byte("PEM")})
	data, _, _ := unstructured.NestedStringMap(s.Object, "data")
	want := map[string]string{"username": "YWRtaW4=", "password": "cCd3", "certificateAuthorityData": "UEVN"}
	for k, v := range want {
		if data[k] != v {
			t.Errorf("data[%s] = %q, want %q", k, data[k], v)
		}
	}
	if s.GetName() != "avi-secret" || s.GetNamespace() != "avi-system" {
		t.Errorf("secret %s/%s", s.GetNamespace(), s.GetName())
	}
	noCA := aviSecretObject(AKONamespace, AviEndpoint{Username: "a", Password: "b"})
	if _, found, _ := unstructured.NestedString(noCA.Object, "data", "certificateAuthorityData"); found {
		t.Error("certificateAuthorityData set without a CA")
	}
}
