package avisim

import (
	"reflect"
	"strings"

	"github.com/vmware/alb-sdk/go/models"
)

// kindInfo describes one object type served under /api/<kind>.
type kindInfo struct {
	// model is the Avi model name used in error messages ("Pool object not found!").
	model string
	// cloudScoped types carry a cloud_ref (defaulting to Default-Cloud) and have names unique
	// per (tenant, cloud) rather than per tenant.
	cloudScoped bool
	// shared types owned by admin are visible from every tenant (provider objects).
	shared bool
	// modelType is the SDK struct a request body must decode into (nil: no schema check).
	modelType reflect.Type
}

func modelOf(v any) reflect.Type { return reflect.TypeOf(v).Elem() }

// kinds is the registry of every object type the simulator stores.
var kinds = map[string]kindInfo{
	"virtualservice":                {model: "VirtualService", cloudScoped: true, modelType: modelOf(&models.VirtualService{})},
	"vsvip":                         {model: "VsVip", cloudScoped: true, modelType: modelOf(&models.VsVip{})},
	"pool":                          {model: "Pool", cloudScoped: true, modelType: modelOf(&models.Pool{})},
	"poolgroup":                     {model: "PoolGroup", cloudScoped: true, modelType: modelOf(&models.PoolGroup{})},
	"httppolicyset":                 {model: "HTTPPolicySet", modelType: modelOf(&models.HTTPPolicySet{})},
	"l4policyset":                   {model: "L4PolicySet", modelType: modelOf(&models.L4PolicySet{})},
	"vsdatascriptset":               {model: "VSDataScriptSet", modelType: modelOf(&models.VSDataScriptSet{})},
	"sslkeyandcertificate":          {model: "SSLKeyAndCertificate", shared: true, modelType: modelOf(&models.SSLKeyAndCertificate{})},
	"stringgroup":                   {model: "StringGroup", modelType: modelOf(&models.StringGroup{})},
	"pkiprofile":                    {model: "PKIProfile", modelType: modelOf(&models.PKIprofile{})},
	"applicationpersistenceprofile": {model: "ApplicationPersistenceProfile", shared: true, modelType: modelOf(&models.ApplicationPersistenceProfile{})},
	"tenant":                        {model: "Tenant", shared: true, modelType: modelOf(&models.Tenant{})},
	"cloud":                         {model: "Cloud", shared: true, modelType: modelOf(&models.Cloud{})},
	"network":                       {model: "Network", cloudScoped: true, shared: true, modelType: modelOf(&models.Network{})},
	"vrfcontext":                    {model: "VrfContext", cloudScoped: true, shared: true, modelType: modelOf(&models.VrfContext{})},
	"serviceenginegroup":            {model: "ServiceEngineGroup", cloudScoped: true, shared: true, modelType: modelOf(&models.ServiceEngineGroup{})},
	"ipamdnsproviderprofile":        {model: "IpamDnsProviderProfile", shared: true, modelType: modelOf(&models.IPAMDNSProviderProfile{})},
	"applicationprofile":            {model: "ApplicationProfile", shared: true, modelType: modelOf(&models.ApplicationProfile{})},
	"networkprofile":                {model: "NetworkProfile", shared: true, modelType: modelOf(&models.NetworkProfile{})},
	"healthmonitor":                 {model: "HealthMonitor", shared: true, modelType: modelOf(&models.HealthMonitor{})},
	"sslprofile":                    {model: "SSLProfile", shared: true, modelType: modelOf(&models.SSLProfile{})},
	"analyticsprofile":              {model: "AnalyticsProfile", shared: true, modelType: modelOf(&models.AnalyticsProfile{})},
	"protocolparser":                {model: "ProtocolParser", shared: true, modelType: modelOf(&models.ProtocolParser{})},
	// Types AKO only looks up by name when validating CRDs; empty unless seeded or created.
	"wafpolicy":        {model: "WafPolicy", shared: true, modelType: modelOf(&models.WafPolicy{})},
	"errorpageprofile": {model: "ErrorPageProfile", shared: true, modelType: modelOf(&models.ErrorPageProfile{})},
}

// kindFromUUID derives the type from a uuid's "<type>-" prefix; "" when it has none.
func kindFromUUID(uuid string) string {
	if uuid == "admin" {
		return "tenant"
	}
	if i := strings.IndexByte(uuid, '-'); i > 0 {
		if _, ok := kinds[uuid[:i]]; ok {
			return uuid[:i]
		}
	}
	return ""
}
