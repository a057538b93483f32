package akoconfig

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/internal/settings"
)

// settingsKeys reads every Key* constant of internal/settings/keys.go, so a key added there
// without being rendered here fails this test.
func settingsKeys(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "..", "internal", "settings", "keys.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if strings.HasPrefix(n.Name, "Key") && i < len(vs.Values) {
					v, _ := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
					keys = append(keys, v)
				}
			}
		}
	}
	if len(keys) < 40 {
		t.Fatalf("found only %d keys in keys.go; parser out of date?", len(keys))
	}
	return keys
}

func TestDesiredConfigMapRendersEverySettingsKey(t *testing.T) {
	cm := DesiredConfigMap(defaultedConfig(), "avi-system")
	for _, k := range settingsKeys(t) {
		if _, ok := cm.Data[k]; !ok {
			t.Errorf("key %q of internal/settings is not rendered", k)
		}
	}
	if len(cm.Data) != len(settingsKeys(t)) {
		t.Errorf("rendered %d keys, settings defines %d", len(cm.Data), len(settingsKeys(t)))
	}
	if cm.Name != "avi-k8s-config" || cm.Namespace != "avi-system" {
		t.Errorf("name %s/%s", cm.Namespace, cm.Name)
	}
}

// TestDesiredConfigMapParsesBack renders AKOConfigs and reads the data with the workload's
// own parser: what the operator writes is what AKO understands.
func TestDesiredConfigMapParsesBack(t *testing.T) {
	cases := []struct {
		name  string
		cfg   *v1beta1.AKOConfig
		check func(t *testing.T, s settings.Settings, data map[string]string)
	}{
		{"defaults", defaultedConfig(), func(t *testing.T, s settings.Settings, data map[string]string) {
			if s.ControllerIP != "10.0.0.1" || s.ClusterName != "my-cluster" || s.CloudName != "Default-Cloud" ||
				s.ShardCount() != 8 || s.PassthroughShardCount() != 1 || s.FullSyncFrequency != 1800 || s.APIServerPort != 8080 ||
				!s.EnableEvents || !s.DefaultLBController || !s.DefaultIngController || s.LogLevel != "INFO" || !s.PrimaryInstance {
				t.Errorf("unexpected settings %+v", s)
			}
			if len(s.VIPNetworkList) != 1 || s.VIPNetworkList[0].CIDR != "10.10.10.0/24" || s.VIPNetworkList[0].NetworkName != "vip-net" {
				t.Errorf("vipNetworkList %+v", s.VIPNetworkList)
			}
			if data[settings.KeyVIPNetworkList] != `[{"cidr":"10.10.10.0/24","networkName":"vip-net"}]` {
				t.Errorf("vipNetworkList JSON %s, want sorted keys and no empty fields", data[settings.KeyVIPNetworkList])
			}
			for _, k := range []string{settings.KeyNodeNetworkList, settings.KeyBGPPeerLabels, settings.KeyBlockedNamespaceList, settings.KeyNodeKey} {
				if data[k] != "" {
					t.Errorf("%s = %q, want empty", k, data[k])
				}
			}
		}},
		{"explicit false booleans", with(func(c *v1beta1.AKOConfig) {
			c.Spec.AKOSettings.EnableEvents = ptr.To(false)
			c.Spec.L4Settings.DefaultLBController = ptr.To(false)
		}), func(t *testing.T, s settings.Settings, _ map[string]string) {
			if s.EnableEvents || s.DefaultLBController {
				t.Errorf("explicit false lost: %+v", s)
			}
		}},
		{"unset pointers mean the documented true", with(func(c *v1beta1.AKOConfig) {
			c.Spec.AKOSettings.EnableEvents = nil
			c.Spec.L7Settings.DefaultIngController = nil
		}), func(t *testing.T, s settings.Settings, data map[string]string) {
			if data[settings.KeyEnableEvents] != "true" || data[settings.KeyDefaultIngController] != "true" {
				t.Errorf("data %v", data)
			}
		}},
		{"NodePort carries the node selector", with(func(c *v1beta1.AKOConfig) {
			c.Spec.L7Settings.ServiceType = "NodePort"
			c.Spec.NodePortSelector = v1beta1.NodePortSelector{Key: "ako", Value: "yes"}
		}), func(t *testing.T, s settings.Settings, _ map[string]string) {
			if s.ServiceType != "NodePort" || s.NodeKey != "ako" || s.NodeValue != "yes" {
				t.Errorf("%+v", s)
			}
		}},
		{"ClusterIP ignores the node selector", with(func(c *v1beta1.AKOConfig) {
			c.Spec.NodePortSelector = v1beta1.NodePortSelector{Key: "ako", Value: "yes"}
		}), func(t *testing.T, s settings.Settings, _ map[string]string) {
			if s.NodeKey != "" || s.NodeValue != "" {
				t.Errorf("%+v", s)
			}
		}},
		{"network defaultDomain wins over l4", with(func(c *v1beta1.AKOConfig) {
			c.Spec.NetworkSettings.DefaultDomain = "net.example.com"
			c.Spec.L4Settings.DefaultDomain = "l4.example.com"
		}), func(t *testing.T, s settings.Settings, _ map[string]string) {
			if s.DefaultDomain != "net.example.com" {
				t.Errorf("defaultDomain %q", s.DefaultDomain)
			}
		}},
		{"l4 defaultDomain used alone", with(func(c *v1beta1.AKOConfig) { c.Spec.L4Settings.DefaultDomain = "l4.example.com" }),
			func(t *testing.T, s settings.Settings, _ map[string]string) {
				if s.DefaultDomain != "l4.example.com" {
					t.Errorf("defaultDomain %q", s.DefaultDomain)
				}
			}},
		{"lists", with(func(c *v1beta1.AKOConfig) {
			c.Spec.NetworkSettings.EnableRHI = true
			c.Spec.NetworkSettings.BGPPeerLabels = []string{"peer1", "peer2"}
			c.Spec.NetworkSettings.NodeNetworkList = []v1beta1.NodeNetwork{{NetworkName: "node-net", Cidrs: []string{"10.1.0.0/16"}}}
			c.Spec.AKOSettings.BlockedNamespaceList = []string{"kube-system"}
		}), func(t *testing.T, s settings.Settings, data map[string]string) {
			if len(s.BGPPeerLabels) != 2 || len(s.NodeNetworkList) != 1 || s.NodeNetworkList[0].CIDRs[0] != "10.1.0.0/16" || !s.NamespaceBlocked("kube-system") {
				t.Errorf("%+v", s)
			}
			if data[settings.KeyNodeNetworkList] != `[{"cidrs":["10.1.0.0/16"],"networkName":"node-net"}]` {
				t.Errorf("nodeNetworkList JSON %s", data[settings.KeyNodeNetworkList])
			}
		}},
		{"apiServerPort 0 is 8080", with(func(c *v1beta1.AKOConfig) { c.Spec.AKOSettings.APIServerPort = 0 }),
			func(t *testing.T, s settings.Settings, data map[string]string) {
				if data[settings.KeyAPIServerPort] != "8080" {
					t.Errorf("apiServerPort %q", data[settings.KeyAPIServerPort])
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cm := DesiredConfigMap(c.cfg, "avi-system")
			s, err := settings.Parse(cm.Data)
			if err != nil {
				t.Fatalf("the workload rejects the rendered ConfigMap: %v", err)
			}
			c.check(t, s, cm.Data)
		})
	}
}

func TestRestartChecksum(t *testing.T) {
	base := RestartChecksum(DesiredConfigMap(defaultedConfig(), "avi-system"))
	if len(base) != 64 {
		t.Fatalf("checksum %q is not hex SHA-256", base)
	}
	cases := []struct {
		name    string
		edit    func(*v1beta1.AKOConfig)
		restart bool
	}{
		{"nothing", func(*v1beta1.AKOConfig) {}, false},
		{"logLevel is live", func(c *v1beta1.AKOConfig) { c.Spec.AKOSettings.LogLevel = "DEBUG" }, false},
		{"deleteConfig is live", func(c *v1beta1.AKOConfig) { c.Spec.AKOSettings.DeleteConfig = true }, false},
		{"enableEvents is live", func(c *v1beta1.AKOConfig) { c.Spec.AKOSettings.EnableEvents = ptr.To(false) }, false},
		{"cloudName restarts", func(c *v1beta1.AKOConfig) { c.Spec.ControllerSettings.CloudName = "other" }, true},
		{"clusterName restarts", func(c *v1beta1.AKOConfig) { c.Spec.AKOSettings.ClusterName = "other" }, true},
		{"vipNetworkList restarts", func(c *v1beta1.AKOConfig) { c.Spec.NetworkSettings.VipNetworkList[0].Cidr = "10.10.11.0/24" }, true},
		{"shardVSSize restarts", func(c *v1beta1.AKOConfig) { c.Spec.L7Settings.ShardVSSize = "SMALL" }, true},
		// Values moving between keys must change the checksum (upstream hashed values only).
		{"value moved to another key", func(c *v1beta1.AKOConfig) {
			c.Spec.ControllerSettings.VRFName = c.Spec.ControllerSettings.TenantName
			c.Spec.ControllerSettings.TenantName = ""
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := RestartChecksum(DesiredConfigMap(with(c.edit), "avi-system"))
			if (got != base) != c.restart {
				t.Errorf("checksum changed = %v, want %v", got != base, c.restart)
			}
		})
	}
}

func TestConfigMapChanged(t *testing.T) {
	cfg := defaultedConfig()
	desired := DesiredConfigMap(cfg, "avi-system")
	setOwner(desired, cfg)
	stored := func(edit func(*corev1.ConfigMap)) *corev1.ConfigMap {
		cm := desired.DeepCopy()
		cm.ResourceVersion = "7"
		edit(cm)
		return cm
	}
	cases := []struct {
		name    string
		current *corev1.ConfigMap
		changed bool
	}{
		{"identical", stored(func(*corev1.ConfigMap) {}), false},
		{"foreign label and annotation kept", stored(func(cm *corev1.ConfigMap) {
			cm.Labels["team"] = "net"
			cm.Annotations = map[string]string{settings.DeletionStatusAnnotation: "Started"}
		}), false},
		{"value edited", stored(func(cm *corev1.ConfigMap) { cm.Data[settings.KeyCloudName] = "x" }), true},
		{"key removed", stored(func(cm *corev1.ConfigMap) { delete(cm.Data, settings.KeyLogLevel) }), true},
		{"key added", stored(func(cm *corev1.ConfigMap) { cm.Data["extra"] = "1" }), true},
		{"owner removed", stored(func(cm *corev1.ConfigMap) { cm.OwnerReferences = nil }), true},
		{"our label removed", stored(func(cm *corev1.ConfigMap) { delete(cm.Labels, labelManagedBy) }), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changed, updated := configMapChanged(c.current, desired)
			if changed != c.changed {
				t.Fatalf("changed = %v, want %v", changed, c.changed)
			}
			if !changed {
				return
			}
			if again, _ := configMapChanged(updated, desired); again {
				t.Error("the updated copy still differs from desired")
			}
			if updated.ResourceVersion != "7" {
				t.Error("the update must carry the stored resourceVersion")
			}
			if c.current.Labels["team"] != "" && updated.Labels["team"] != "net" {
				t.Error("foreign label dropped")
			}
		})
	}
}
