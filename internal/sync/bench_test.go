package sync

import (
	"testing"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/internal/model"
)

// BenchmarkApplyL4Trees creates 100 LoadBalancer-Service trees, then measures re-applying
// them unchanged after a restart (Populate + Apply), which must write nothing.
func BenchmarkApplyL4Trees(b *testing.B) {
	sim := avisimtest.Start(b, avisim.Options{})
	cfg := avi.Config{Host: sim.Host, Username: sim.Username, Password: sim.Password, Sessions: 9}
	c, err := avi.Connect(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	trees := make([]model.Tree, 100)
	for i := range trees {
		trees[i] = l4Tree("svc"+itoa(i), 80, 443)
	}
	e := newEngine(c)
	for _, tree := range trees {
		if _, err := e.Apply(b.Context(), tree); err != nil {
			b.Fatal(err)
		}
	}
	sim.ResetRequests()
	b.ResetTimer()
	for b.Loop() {
		fresh := newEngine(c)
		if err := fresh.Populate(b.Context()); err != nil {
			b.Fatal(err)
		}
		for _, tree := range trees {
			if _, err := fresh.Apply(b.Context(), tree); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	if sim.Writes() != 0 {
		b.Fatalf("unchanged re-apply wrote %d times", sim.Writes())
	}
	b.ReportMetric(float64(len(trees)), "trees/op")
}
