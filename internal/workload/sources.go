package workload

import (
	"github.com/akoproject/ako/controllers/route"
	"github.com/akoproject/ako/controllers/service"
	"github.com/akoproject/ako/controllers/staticroute"
	"github.com/akoproject/ako/controllers/vstree"
)

// DefaultSources are the input kinds every workload runs. A new input kind (Routes,
// Ingresses, ...) implements vstree.Source and is added here; see docs/workload.md.
func DefaultSources() []vstree.Source {
	return []vstree.Source{
		service.New(),
		staticroute.New(),
		route.New(), // does nothing unless route.openshift.io is served
	}
}
