package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Shard sizes by name (ako-spec.md §5). DEDICATED is 0 shards: one VS per host.
var shardCounts = map[string]int{"LARGE": 8, "MEDIUM": 4, "SMALL": 1, "DEDICATED": 0}

// VIPNetwork is one entry of vipNetworkList.
type VIPNetwork struct {
	NetworkName string `json:"networkName,omitempty"`
	NetworkUUID string `json:"networkUUID,omitempty"`
	CIDR        string `json:"cidr,omitempty"`
	V6CIDR      string `json:"v6cidr,omitempty"`
}

// NodeNetwork is one entry of nodeNetworkList.
type NodeNetwork struct {
	NetworkName string   `json:"networkName,omitempty"`
	NetworkUUID string   `json:"networkUUID,omitempty"`
	CIDRs       []string `json:"cidrs,omitempty"`
}

// Settings is the parsed, validated content of ConfigMap avi-k8s-config.
type Settings struct {
	ControllerIP           string
	ControllerVersion      string
	CNIPlugin              string
	ShardVSSize            string // LARGE, MEDIUM, SMALL, DEDICATED
	PassthroughShardSize   string // LARGE, MEDIUM, SMALL
	FullSyncFrequency      int    // seconds; 0 = no periodic full sync
	CloudName              string
	ClusterName            string
	Layer7Only             bool
	TenantName             string
	VRFName                string
	DefaultDomain          string
	DisableStaticRouteSync bool
	DefaultIngController   bool
	DefaultLBController    bool
	NoPGForSNI             bool
	EnableRHI              bool
	NSXTT1LR               string
	EnableEvents           bool
	LogLevel               string // DEBUG, INFO, WARN, ERROR
	DeleteConfig           bool
	AutoFQDN               string // default, flat, disabled
	NSSyncLabelKey         string
	NSSyncLabelValue       string
	ServiceType            string // ClusterIP, NodePort, NodePortLocal
	NodeKey                string
	NodeValue              string
	ServiceEngineGroupName string
	BGPPeerLabels          []string
	NodeNetworkList        []NodeNetwork
	VIPNetworkList         []VIPNetwork
	APIServerPort          int
	BlockedNamespaces      []string
	IPFamily               string
	UseDefaultSecretsOnly  bool
	EnablePrometheus       bool
	FQDNReusePolicy        string // InterNamespaceAllowed, Strict
	PrimaryInstance        bool
}

// ShardCount is the number of shared L7 virtual services (0 for DEDICATED).
func (s Settings) ShardCount() int { return shardCounts[s.ShardVSSize] }

// PassthroughShardCount is the number of shared passthrough virtual services.
func (s Settings) PassthroughShardCount() int { return shardCounts[s.PassthroughShardSize] }

// CreatedBy is the created_by value of every Avi object this cluster's AKO owns.
func (s Settings) CreatedBy() string { return "ako-" + s.ClusterName }

// NamePrefix starts the name of every Avi object this cluster's AKO owns.
func (s Settings) NamePrefix() string { return s.ClusterName + "--" }

// NamespaceBlocked reports whether ns is in blockedNamespaceList.
func (s Settings) NamespaceBlocked(ns string) bool {
	for _, b := range s.BlockedNamespaces {
		if b == ns {
			return true
		}
	}
	return false
}

var clusterNamePattern = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)

// Parse reads ConfigMap data, fills the documented defaults for absent keys and validates
// the result. The error names every bad key, so it can be shown to a person as it is.
func Parse(data map[string]string) (Settings, error) {
	var errs []error
	str := func(key, def string) string {
		if v, ok := data[key]; ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	boolean := func(key string, def bool) bool {
		v := str(key, "")
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not true or false", key, v))
			return def
		}
		return b
	}
	integer := func(key string, def int) int {
		v := str(key, "")
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a non-negative whole number", key, v))
			return def
		}
		return n
	}
	oneOf := func(key, def string, allowed ...string) string {
		v := str(key, def)
		for _, a := range allowed {
			if strings.EqualFold(v, a) {
				return a
			}
		}
		errs = append(errs, fmt.Errorf("%s: %q is not one of %s", key, v, strings.Join(allowed, ", ")))
		return def
	}
	jsonList := func(key string, into any) {
		v := str(key, "")
		if v == "" || v == "null" {
			return
		}
		if err := json.Unmarshal([]byte(v), into); err != nil {
			errs = append(errs, fmt.Errorf("%s: not a JSON list: %v", key, err))
		}
	}

	s := Settings{
		ControllerIP:           str(KeyControllerIP, ""),
		ControllerVersion:      str(KeyControllerVersion, ""),
		CNIPlugin:              strings.ToLower(str(KeyCNIPlugin, "")),
		ShardVSSize:            oneOf(KeyShardVSSize, "LARGE", "LARGE", "MEDIUM", "SMALL", "DEDICATED"),
		PassthroughShardSize:   oneOf(KeyPassthroughShardSize, "SMALL", "LARGE", "MEDIUM", "SMALL"),
		FullSyncFrequency:      integer(KeyFullSyncFrequency, 1800),
		CloudName:              str(KeyCloudName, "Default-Cloud"),
		ClusterName:            str(KeyClusterName, ""),
		Layer7Only:             boolean(KeyLayer7Only, false),
		TenantName:             str(KeyTenantName, "admin"),
		VRFName:                str(KeyVRFName, ""),
		DefaultDomain:          str(KeyDefaultDomain, ""),
		DisableStaticRouteSync: boolean(KeyDisableStaticRouteSync, false),
		DefaultIngController:   boolean(KeyDefaultIngController, true),
		DefaultLBController:    boolean(KeyDefaultLBController, true),
		NoPGForSNI:             boolean(KeyNoPGForSNI, false),
		EnableRHI:              boolean(KeyEnableRHI, false),
		NSXTT1LR:               str(KeyNSXTT1LR, ""),
		EnableEvents:           boolean(KeyEnableEvents, true),
		LogLevel:               oneOf(KeyLogLevel, "INFO", "DEBUG", "INFO", "WARN", "ERROR"),
		DeleteConfig:           boolean(KeyDeleteConfig, false),
		AutoFQDN:               oneOf(KeyAutoFQDN, "default", "default", "flat", "disabled"),
		NSSyncLabelKey:         str(KeyNSSyncLabelKey, ""),
		NSSyncLabelValue:       str(KeyNSSyncLabelValue, ""),
		ServiceType:            oneOf(KeyServiceType, "ClusterIP", "ClusterIP", "NodePort", "NodePortLocal"),
		NodeKey:                str(KeyNodeKey, ""),
		NodeValue:              str(KeyNodeValue, ""),
		ServiceEngineGroupName: str(KeyServiceEngineGroupName, "Default-Group"),
		APIServerPort:          integer(KeyAPIServerPort, 8080),
		IPFamily:               oneOf(KeyIPFamily, "V4", "V4", "V6", "V4_V6"),
		UseDefaultSecretsOnly:  boolean(KeyUseDefaultSecretsOnly, false),
		EnablePrometheus:       boolean(KeyEnablePrometheus, false),
		FQDNReusePolicy:        oneOf(KeyFQDNReusePolicy, "InterNamespaceAllowed", "InterNamespaceAllowed", "Strict"),
		PrimaryInstance:        boolean(KeyPrimaryInstance, true),
	}
	jsonList(KeyBGPPeerLabels, &s.BGPPeerLabels)
	jsonList(KeyNodeNetworkList, &s.NodeNetworkList)
	jsonList(KeyVIPNetworkList, &s.VIPNetworkList)
	jsonList(KeyBlockedNamespaceList, &s.BlockedNamespaces)

	if s.ControllerIP == "" {
		errs = append(errs, fmt.Errorf("%s: required", KeyControllerIP))
	}
	if !clusterNamePattern.MatchString(s.ClusterName) {
		errs = append(errs, fmt.Errorf("%s: %q must be non-empty and contain only letters, digits, '-' and '_'", KeyClusterName, s.ClusterName))
	}
	if len(s.VIPNetworkList) == 0 {
		errs = append(errs, fmt.Errorf("%s: at least one VIP network is required", KeyVIPNetworkList))
	}
	for i, n := range s.VIPNetworkList {
		if n.NetworkName == "" && n.NetworkUUID == "" {
			errs = append(errs, fmt.Errorf("%s[%d]: networkName or networkUUID is required", KeyVIPNetworkList, i))
		}
		if n.CIDR != "" {
			if _, _, err := net.ParseCIDR(n.CIDR); err != nil {
				errs = append(errs, fmt.Errorf("%s[%d].cidr: %q is not a CIDR", KeyVIPNetworkList, i, n.CIDR))
			}
		}
		if n.V6CIDR != "" {
			if _, _, err := net.ParseCIDR(n.V6CIDR); err != nil {
				errs = append(errs, fmt.Errorf("%s[%d].v6cidr: %q is not a CIDR", KeyVIPNetworkList, i, n.V6CIDR))
			}
		}
	}
	if len(s.NodeNetworkList) > 5 {
		errs = append(errs, fmt.Errorf("%s: at most 5 entries, got %d", KeyNodeNetworkList, len(s.NodeNetworkList)))
	}
	if len(s.BGPPeerLabels) > 0 && !s.EnableRHI {
		errs = append(errs, fmt.Errorf("%s: needs %s to be true", KeyBGPPeerLabels, KeyEnableRHI))
	}
	if s.APIServerPort == 0 {
		s.APIServerPort = 8080
	}
	if s.APIServerPort > 65535 {
		errs = append(errs, fmt.Errorf("%s: %d is not a port", KeyAPIServerPort, s.APIServerPort))
	}
	return s, errors.Join(errs...)
}
