package avisim

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/alb-sdk/go/models"
)

type systemConfigurationModel = models.SystemConfiguration

// fieldInfo is one JSON field of an SDK model struct.
type fieldInfo struct {
	typ      reflect.Type
	required bool // tagged without omitempty: the SDK sends null when unset (spec §5.1)
}

var modelFields sync.Map // reflect.Type -> map[string]fieldInfo

func fieldsOf(t reflect.Type) map[string]fieldInfo {
	if v, ok := modelFields.Load(t); ok {
		return v.(map[string]fieldInfo)
	}
	out := map[string]fieldInfo{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "" || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		out[name] = fieldInfo{typ: f.Type, required: !strings.Contains(opts, "omitempty")}
	}
	modelFields.Store(t, out)
	return out
}

// validateModel checks a request body against the SDK model struct t, the way a strict
// json.Decoder with DisallowUnknownFields would, plus required fields, and answers 400
// naming the offending field path (e.g. "servers[0].port: ...").
func validateModel(t reflect.Type, body map[string]any) *apiError {
	if t == nil {
		return nil
	}
	if msg := checkValue("", t, body); msg != "" {
		return errorf(http.StatusBadRequest, "%s", msg)
	}
	return nil
}

func checkValue(path string, t reflect.Type, v any) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return ""
	}
	at := func(reason string) string {
		if path == "" {
			return reason
		}
		return path + ": " + reason
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return at("expected an object")
		}
		fields := fieldsOf(t)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				return joinPath(path, k) + ": unknown field"
			}
			if msg := checkValue(joinPath(path, k), f.typ, m[k]); msg != "" {
				return msg
			}
		}
		names := make([]string, 0, len(fields))
		for k, f := range fields {
			if f.required {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			if x, ok := m[k]; !ok || x == nil {
				return joinPath(path, k) + ": This field is required."
			}
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return at("expected a list")
		}
		for i, x := range list {
			if msg := checkValue(path+"["+strconv.Itoa(i)+"]", t.Elem(), x); msg != "" {
				return msg
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return at("expected a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return at("expected a boolean")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if _, err := strconv.ParseInt(numberText(v), 10, t.Bits()); err != nil {
			return at("expected an integer that fits " + t.Kind().String())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if _, err := strconv.ParseUint(numberText(v), 10, t.Bits()); err != nil {
			return at("expected a non-negative integer that fits " + t.Kind().String())
		}
	case reflect.Float32, reflect.Float64:
		if _, err := strconv.ParseFloat(numberText(v), t.Bits()); err != nil {
			return at("expected a number")
		}
	}
	return ""
}

// numberText returns the literal of a JSON number ("" for anything else).
func numberText(v any) string {
	switch n := v.(type) {
	case json.Number:
		return n.String()
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	case int:
		return strconv.Itoa(n)
	}
	return ""
}
