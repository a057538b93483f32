package avisim

import (
	"reflect"

	"github.com/vmware/alb-sdk/go/models"
)

type systemConfigurationModel = models.SystemConfiguration

// validateModel checks body against the SDK model (filled in by the schema validator).
func validateModel(t reflect.Type, body map[string]any) *apiError {
	return nil
}
