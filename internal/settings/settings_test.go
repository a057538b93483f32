package settings

import (
	"strings"
	"testing"
)

func validData() map[string]string {
	return map[string]string{
		KeyControllerIP:   "10.0.0.1",
		KeyClusterName:    "my-cluster",
		KeyVIPNetworkList: `[{"networkName":"vip-net","cidr":"10.10.10.0/24"}]`,
	}
}

func TestParseFillsDocumentedDefaults(t *testing.T) {
	s, err := Parse(validData())
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"shardVSSize", s.ShardVSSize, "LARGE"},
		{"shard count", s.ShardCount(), 8},
		{"passthroughShardSize", s.PassthroughShardSize, "SMALL"},
		{"passthrough shard count", s.PassthroughShardCount(), 1},
		{"fullSyncFrequency", s.FullSyncFrequency, 1800},
		{"cloudName", s.CloudName, "Default-Cloud"},
		{"tenantName", s.TenantName, "admin"},
		{"serviceEngineGroupName", s.ServiceEngineGroupName, "Default-Group"},
		{"serviceType", s.ServiceType, "ClusterIP"},
		{"autoFQDN", s.AutoFQDN, "default"},
		{"logLevel", s.LogLevel, "INFO"},
		{"apiServerPort", s.APIServerPort, 8080},
		{"enableEvents", s.EnableEvents, true},
		{"defaultLBController", s.DefaultLBController, true},
		{"defaultIngController", s.DefaultIngController, true},
		{"fqdnReusePolicy", s.FQDNReusePolicy, "InterNamespaceAllowed"},
		{"primaryInstance", s.PrimaryInstance, true},
		{"created_by", s.CreatedBy(), "ako-my-cluster"},
		{"name prefix", s.NamePrefix(), "my-cluster--"},
		{"vip network", s.VIPNetworkList[0].NetworkName, "vip-net"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseReadsValues(t *testing.T) {
	d := validData()
	d[KeyShardVSSize] = "medium"
	d[KeyEnableEvents] = "false"
	d[KeyBlockedNamespaceList] = `["kube-system","blocked"]`
	d[KeyFullSyncFrequency] = "0"
	d[KeyAPIServerPort] = ""
	s, err := Parse(d)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if s.ShardVSSize != "MEDIUM" || s.ShardCount() != 4 {
		t.Errorf("shardVSSize = %q (%d shards), want MEDIUM (4)", s.ShardVSSize, s.ShardCount())
	}
	if s.EnableEvents {
		t.Error("enableEvents \"false\" parsed as true")
	}
	if !s.NamespaceBlocked("blocked") || s.NamespaceBlocked("demo") {
		t.Errorf("blocked namespaces = %v", s.BlockedNamespaces)
	}
	if s.FullSyncFrequency != 0 {
		t.Errorf("fullSyncFrequency = %d, want 0 (no periodic sync)", s.FullSyncFrequency)
	}
	if s.APIServerPort != 8080 {
		t.Errorf("empty apiServerPort = %d, want the default 8080", s.APIServerPort)
	}
}

func TestParseRejectsBadInputNamingTheKey(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(map[string]string)
		wants []string
	}{
		{"no controller", func(d map[string]string) { delete(d, KeyControllerIP) }, []string{"controllerIP: required"}},
		{"empty cluster name", func(d map[string]string) { d[KeyClusterName] = "" }, []string{"clusterName"}},
		{"cluster name with a dot", func(d map[string]string) { d[KeyClusterName] = "a.b" }, []string{"clusterName", "a.b"}},
		{"no vip network", func(d map[string]string) { delete(d, KeyVIPNetworkList) }, []string{"vipNetworkList: at least one"}},
		{"vip network not JSON", func(d map[string]string) { d[KeyVIPNetworkList] = "vip-net" }, []string{"vipNetworkList: not a JSON list"}},
		{"bad cidr", func(d map[string]string) { d[KeyVIPNetworkList] = `[{"networkName":"n","cidr":"10.0.0.0/33"}]` }, []string{"vipNetworkList[0].cidr", "10.0.0.0/33"}},
		{"nameless network", func(d map[string]string) { d[KeyVIPNetworkList] = `[{"cidr":"10.0.0.0/24"}]` }, []string{"vipNetworkList[0]: networkName or networkUUID"}},
		{"unknown shard size", func(d map[string]string) { d[KeyShardVSSize] = "HUGE" }, []string{"shardVSSize", "HUGE"}},
		{"passthrough cannot be dedicated", func(d map[string]string) { d[KeyPassthroughShardSize] = "DEDICATED" }, []string{"passthroughShardSize"}},
		{"bad boolean", func(d map[string]string) { d[KeyLayer7Only] = "maybe" }, []string{"layer7Only", "maybe"}},
		{"bad sync frequency", func(d map[string]string) { d[KeyFullSyncFrequency] = "often" }, []string{"fullSyncFrequency", "often"}},
		{"six node networks", func(d map[string]string) {
			d[KeyNodeNetworkList] = `[{"networkName":"a"},{"networkName":"b"},{"networkName":"c"},{"networkName":"d"},{"networkName":"e"},{"networkName":"f"}]`
		}, []string{"nodeNetworkList: at most 5"}},
		{"bgp labels without rhi", func(d map[string]string) { d[KeyBGPPeerLabels] = `["peer1"]` }, []string{"bgpPeerLabels", "enableRHI"}},
		{"port too large", func(d map[string]string) { d[KeyAPIServerPort] = "70000" }, []string{"apiServerPort", "70000"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := validData()
			c.edit(d)
			_, err := Parse(d)
			if err == nil {
				t.Fatal("Parse accepted bad input")
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Parse(map[string]string{KeyShardVSSize: "HUGE"})
	if err == nil {
		t.Fatal("Parse accepted an empty ConfigMap")
	}
	for _, key := range []string{KeyControllerIP, KeyClusterName, KeyVIPNetworkList, KeyShardVSSize} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not mention %s", err, key)
		}
	}
}
