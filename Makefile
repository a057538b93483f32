# Everything a developer or CI runs. Tools are built from Go modules into bin/ (hack/tools).
SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

BIN            := $(CURDIR)/bin
CONTROLLER_GEN := $(BIN)/controller-gen
KUSTOMIZE      := $(BIN)/kustomize
HELM           := $(BIN)/helm
OPERATOR_SDK   := $(BIN)/operator-sdk
SCORECARD_TEST := $(BIN)/scorecard-test
BUNDLE_PACKAGE := ako-operator
BUNDLE_CHANNEL := stable
VERSION        ?= 0.1.0
export KUBEBUILDER_ASSETS := $(BIN)

# Test binaries run in parallel by package; envtest suites each start their own
# kube-apiserver and etcd, so keep the package parallelism at the core count.
GO_TEST_FLAGS ?= -count=1 -timeout 20m

.PHONY: all
all: build

##@ Tools

.PHONY: tools
tools: ## Build every tool into bin/ (cached outside the clone; first time ~15 min)
	hack/tools/build.sh

$(CONTROLLER_GEN):
	hack/tools/build.sh controller-gen

$(KUSTOMIZE) $(HELM) $(OPERATOR_SDK) $(SCORECARD_TEST):
	hack/tools/build.sh $(notdir $@)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRD and RBAC manifests from the Go markers
	$(CONTROLLER_GEN) rbac:roleName=ako-operator-manager-role crd paths="./api/..." paths="./controllers/..." output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy code
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## gofmt the tree
	gofmt -l -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## go vet
	go vet ./...

.PHONY: build
build: ## Build the binaries into bin/
	go build -o $(BIN)/ ./cmd/...

##@ Test

.PHONY: test
test: tools manifests generate bundle check-generated vet bundle-validate scorecard helm-lint ## Build tools, check generated files, run every test
	go test $(GO_TEST_FLAGS) ./...

.PHONY: check-generated
check-generated: ## Fail when generated files differ from what is committed
	@if [ -n "$$(git status --porcelain -- api config bundle charts 2>/dev/null)" ]; then \
	  echo "generated files are stale; run 'make manifests generate bundle' and commit:"; \
	  git status --porcelain -- api config bundle charts; exit 1; fi

.PHONY: bench
bench: tools ## Benchmarks: end-to-end scale runs once each, micro-benchmarks for the default time
	go test -run '^$$' -bench . -benchmem -benchtime 1x -timeout 60m ./test/bench/...
	go test -run '^$$' -bench . -benchmem -timeout 30m ./internal/...

##@ Packaging

.PHONY: bundle
bundle: manifests $(KUSTOMIZE) $(OPERATOR_SDK) ## Generate bundle/, bundle.Dockerfile and the chart's CRDs from config/ (same input, same bytes)
	cp config/crd/bases/*.yaml charts/ako/crds/
	$(OPERATOR_SDK) generate kustomize manifests -q --apis-dir api --package $(BUNDLE_PACKAGE)
	$(KUSTOMIZE) build config/manifests | $(OPERATOR_SDK) generate bundle -q --overwrite \
	  --version $(VERSION) --package $(BUNDLE_PACKAGE) --channels $(BUNDLE_CHANNEL) --default-channel $(BUNDLE_CHANNEL)
	@# operator-sdk stamps createdAt with the current time; keep the base CSV's (the release date).
	@created=$$(sed -n 's/^    createdAt: //p' config/manifests/bases/$(BUNDLE_PACKAGE).clusterserviceversion.yaml); \
	  sed -i "s/^    createdAt: .*/    createdAt: $$created/" bundle/manifests/$(BUNDLE_PACKAGE).clusterserviceversion.yaml

.PHONY: bundle-validate
bundle-validate: $(OPERATOR_SDK) ## operator-sdk bundle validate (operatorframework suite); any warning fails
	@git diff --exit-code --stat -- bundle.Dockerfile || { echo "bundle.Dockerfile is stale: run 'make bundle' and commit"; exit 1; }
	@out=$$($(OPERATOR_SDK) bundle validate ./bundle --select-optional suite=operatorframework 2>&1); echo "$$out"; \
	  if grep -Eq 'level=(warning|error)' <<<"$$out"; then echo "bundle validation reported warnings or errors"; exit 1; fi

.PHONY: scorecard
scorecard: $(SCORECARD_TEST) ## Run the basic and OLM scorecard tests on bundle/ offline (chroot, needs root)
	hack/scorecard.sh

.PHONY: helm-lint
helm-lint: $(HELM) ## helm lint --strict charts/ako
	$(HELM) lint --strict charts/ako -f charts/ako/ci/test-values.yaml

##@ Run

# make run                  the local stack (docs/local-stack.md): etcd + kube-apiserver from bin/,
#                           the Avi simulator, the operator with the in-process AKO workload, the
#                           demo application, and a live view. Ctrl-C stops all of it.
# make run KEEP=1           resume from the previous run's state in .local/ (default: start clean)
# make run KUBECONFIG=F     run the operator locally against that cluster (only when given on the
#                           make command line, so an exported KUBECONFIG never targets a cluster by
#                           accident); AVI_CONTROLLER, AVI_USERNAME, AVI_PASSWORD name a real
#                           Controller (avi-secret and controllerIP), AKO_IMAGE the workload image.
KEEP           ?=
AVI_SIM_ADDR   ?= 127.0.0.1:0
AKOCONFIG      ?=
AKO_IMAGE      ?=
RUN_KUBECONFIG := $(if $(filter command line,$(origin KUBECONFIG)),$(KUBECONFIG))

.PHONY: run
run: ## Run the local stack; KEEP=1 resumes; KUBECONFIG=... runs the operator against a real cluster
ifeq ($(RUN_KUBECONFIG),)
	@hack/tools/build.sh etcd kube-apiserver kubectl
endif
	@echo ">> building bin/ako-local (the first build compiles the Kubernetes libraries: a few minutes)"
	@go build $(if $(wildcard $(BIN)/ako-local),,-v) -o $(BIN)/ako-local ./cmd/ako-local
	@$(BIN)/ako-local --repo "$(CURDIR)" --sim-addr "$(AVI_SIM_ADDR)" \
	  $(if $(filter 1 true yes,$(KEEP)),--keep) \
	  $(if $(RUN_KUBECONFIG),--kubeconfig "$(RUN_KUBECONFIG)") \
	  $(if $(AKOCONFIG),--akoconfig "$(AKOCONFIG)") \
	  $(if $(AKO_IMAGE),--ako-image "$(AKO_IMAGE)")

.PHONY: help
help: ## This help
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*##/ { printf "  %-18s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)
