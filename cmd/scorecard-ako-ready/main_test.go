package main

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestReadiness(t *testing.T) {
	cond := func(typ, status string) any {
		return map[string]any{"type": typ, "status": status, "reason": "R", "message": "m"}
	}
	cases := []struct {
		name          string
		state         string
		conds         []any
		needAvailable bool
		want          bool
	}{
		{"ready", "Ready", []any{cond("Available", "True"), cond("Degraded", "False")}, false, true},
		{"ready without pods", "Ready", []any{cond("Available", "False"), cond("Degraded", "False")}, false, true},
		{"ready without pods, pods required", "Ready", []any{cond("Available", "False")}, true, false},
		{"ready and available, pods required", "Ready", []any{cond("Available", "True")}, true, true},
		{"degraded", "Ready", []any{cond("Degraded", "True")}, false, false},
		{"error", "Error", []any{cond("Degraded", "True")}, false, false},
		{"no status yet", "", nil, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"state": c.state, "conditions": c.conds}}}
			if got, summary := readiness(u, c.needAvailable); got != c.want {
				t.Errorf("readiness = %v (%s), want %v", got, summary, c.want)
			}
		})
	}
}
