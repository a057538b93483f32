#!/usr/bin/env bash
# Builds the command-line tools the project needs from Go modules (hack/tools/<module>)
# into a cache outside the clone, keyed by tool, version and module checksum, and links
# them into bin/. A tool already in the cache is not rebuilt, so fresh clones (CI) reuse it.
#
#   hack/tools/build.sh            every tool
#   hack/tools/build.sh etcd helm  just those
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${AKO_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ako-tools}
bin="$root/bin"
mkdir -p "$cache" "$bin"

k8s_version_flags="-X k8s.io/component-base/version.gitVersion=v1.37.2 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 -X k8s.io/component-base/version.gitTreeState=clean"
helm_flags="-X helm.sh/helm/v3/internal/version.version=v3.22.0 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37"

# name | module dir | package | version | cgo | tags | ldflags | rough first-build time
tools=(
  "etcd|etcd|go.etcd.io/etcd/server/v3|v3.6.16|0|||1 min"
  "kube-apiserver|k8s|k8s.io/kubernetes/cmd/kube-apiserver|v1.37.2|0||$k8s_version_flags|5 min"
  "kubectl|k8s|k8s.io/kubernetes/cmd/kubectl|v1.37.2|0||$k8s_version_flags|2 min"
  "controller-gen|controller-gen|sigs.k8s.io/controller-tools/cmd/controller-gen|v0.23.0|0|||1 min"
  "kustomize|kustomize|sigs.k8s.io/kustomize/kustomize/v5|v5.8.2|0|||1 min"
  "helm|helm|helm.sh/helm/v3/cmd/helm|v3.22.0|0||$helm_flags|2 min"
  "operator-sdk|operator-sdk|github.com/operator-framework/operator-sdk/cmd/operator-sdk|v1.42.2|0|containers_image_openpgp||3 min"
  "opm|opm|github.com/operator-framework/operator-registry/cmd/opm|v1.73.0|1|json1,containers_image_openpgp||2 min"
  "scorecard-test|scorecard-test|github.com/operator-framework/operator-sdk/images/scorecard-test|v1.42.3|0|||1 min"
)

want=("$@")
selected() {
  [ ${#want[@]} -eq 0 ] && return 0
  local w; for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1
}

for row in "${tools[@]}"; do
  IFS='|' read -r name dir pkg version cgo tags ldflags eta <<<"$row"
  selected "$name" || continue
  sum=$(cat "$root/hack/tools/$dir/go.mod" "$root/hack/tools/$dir/go.sum" | sha256sum | cut -c1-10)
  target="$cache/$name-$version-$sum"
  if [ ! -x "$target" ]; then
    echo ">> building $name $version from the Go module proxy (first time only, about $eta)..."
    start=$(date +%s)
    ( cd "$root/hack/tools/$dir" && CGO_ENABLED=$cgo go build -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$target.tmp" "$pkg" )
    mv "$target.tmp" "$target"
    echo ">> built $name in $(( $(date +%s) - start ))s -> $target"
  fi
  ln -sf "$target" "$bin/$name"
done
