#!/usr/bin/env bash
# Builds the Helm 3 CLI from the Go module proxy into the test environment cache, for the chart
# tests (`helm lint`, `helm template` of helm/sabot). Helm's go.mod has no replace directives, so
# a plain `go install` at the pinned version works. Keyed by version: an unchanged pin is a no-op.
# shellcheck source=lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
dest="$cache/helm-$HELM_VERSION"

if [[ -x "$dest/helm" ]]; then
  echo "helm $HELM_VERSION already built: $dest/helm"
  exit 0
fi

make_scratch helm

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# The ldflags helm's Makefile sets: the version `helm version` reports, and the Kubernetes version
# that `helm template` and `helm lint` assume (that of the client-go helm is built with; without
# it helm assumes v1.20 and refuses charts with a newer kubeVersion).
client_go="$(go mod edit -json "$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | jq -r .GoMod)" |
  jq -r '.Require[] | select(.Path == "k8s.io/client-go") | .Version')"
k8s_minor="$(cut -d. -f2 <<<"$client_go")"
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
done

# GOTOOLCHAIN=local: use the installed Go rather than downloading the one helm's go.mod names.
echo "building helm $HELM_VERSION (Kubernetes 1.$k8s_minor) with $(go version)"
GOBIN="$tmp" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"

rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "helm $HELM_VERSION built: $dest/helm"
