package scorecardrun

import (
	"testing"

	scapi "github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
)

func TestProblems(t *testing.T) {
	cases := []struct {
		name   string
		result scapi.TestResult
		want   int
	}{
		{"clean pass", scapi.TestResult{Name: "t", State: scapi.PassState}, 0},
		{"pass with a suggestion", scapi.TestResult{Name: "t", State: scapi.PassState, Suggestions: []string{"add a status"}}, 1},
		{"fail with an error", scapi.TestResult{Name: "t", State: scapi.FailState, Errors: []string{"x"}}, 2},
		{"error state", scapi.TestResult{Name: "t", State: scapi.ErrorState}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Problems(scapi.TestStatus{Results: []scapi.TestResult{c.result}}); len(got) != c.want {
				t.Errorf("Problems = %v, want %d entries", got, c.want)
			}
		})
	}
}
