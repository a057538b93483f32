// Package packaging tests what users install: the OLM bundle (validation, scorecard,
// the CSV's permissions against a real RBAC-enforcing apiserver) and the Helm chart
// charts/ako (lint, rendering, schema, install and upgrade into a real apiserver, and
// equality with what the operator renders).
package packaging
