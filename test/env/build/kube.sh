#!/usr/bin/env bash
# Builds the real Kubernetes control plane for integration tests from source, through the Go
# module proxy (no container images, no release tarballs):
#
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  <- k8s.io/kubernetes
#   kubelet, kube-proxy (the real node)                               <- k8s.io/kubernetes
#   etcd                                                              <- go.etcd.io/etcd/server/v3
#   kwok                                                              <- sigs.k8s.io/kwok
#   coredns (the real node's cluster DNS)                             <- github.com/coredns/coredns
#
# k8s.io/kubernetes cannot be `go install`ed at a version because its go.mod replaces every
# k8s.io/* staging module with ./staging/src/...; so each build happens in a generated module
# that requires the main module and replaces each of those local paths with the published
# version of the staging module (v1.36.3 -> v0.36.3). The same is done for any module whose
# go.mod has local replaces (etcd's server module does).
#
# Output (cached by version, skipped when present):
#   $CACHE/kube-$KUBERNETES_VERSION/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   $CACHE/kube-$KUBERNETES_VERSION/bin/{kubelet,kube-proxy}
#   $CACHE/coredns-$COREDNS_VERSION/bin/coredns
#   $CACHE/etcd-$ETCD_VERSION/bin/etcd
#   $CACHE/kwok-$KWOK_VERSION/bin/kwok
#   $CACHE/kwok-$KWOK_VERSION/stages/*.yaml   (kwok's default node/pod lifecycle Stages)
# with CACHE=${SABOT_TESTENV_CACHE:-$HOME/.cache/sabot-testenv}. Logs go to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../versions.env
source "$here/../versions.env"

cache="${SABOT_TESTENV_CACHE:-$HOME/.cache/sabot-testenv}"
mkdir -p "$cache"

# Never download another Go toolchain; build static binaries; no VCS stamping (not a checkout).
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

log() { printf '[kube.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

for tool in go jq flock; do
  command -v "$tool" >/dev/null || { log "ERROR: $tool is required (Go from go.dev, jq and flock from your distribution)"; exit 1; }
done

# Prints `go mod edit` arguments that turn the replaces of MODULE@VERSION's go.mod (ignored when
# it is a dependency) into ones that work for us: a local-path replace of a required module
# becomes that module at LOCAL_VERSION, a local-path replace of a module it does not require is
# dropped (etcd's `go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY` guard), remote ones are copied.
replace_args() {
  local module="$1" version="$2" local_version="$3" gomod
  gomod="$(go mod download -json "$module@$version" | jq -r '.GoMod')"
  go mod edit -json "$gomod" | jq -r --arg lv "$local_version" '
    [(.Require // [])[].Path] as $required
    | (.Replace // [])[]
    | (.New.Path | startswith("./") or startswith("../")) as $local
    | select(($local | not) or (.Old.Path | IN($required[])))
    | if $local then
        "-replace=\(.Old.Path)=\(.Old.Path)@\($lv)"
      else
        "-replace=\(.Old.Path)\(if .Old.Version then "@" + .Old.Version else "" end)=\(.New.Path)@\(.New.Version)"
      end'
}

# build NAME MODULE VERSION LOCAL_VERSION OUT_DIR LDFLAGS BINARY=PACKAGE...
# Builds each PACKAGE of MODULE@VERSION as OUT_DIR/BINARY, unless all are already there.
build() {
  local name="$1" module="$2" version="$3" local_version="$4" out="$5" ldflags="$6"
  shift 6
  local specs=("$@") pkgs=() missing=0 spec
  for spec in "${specs[@]}"; do
    pkgs+=("${spec#*=}")
    [[ -x "$out/${spec%%=*}" ]] || missing=1
  done
  if [[ $missing == 0 ]]; then
    log "$name $version: already built in $out"
    return
  fi

  local dir="$cache/build/$name-$version"
  log "$name $version: generating build module in $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  (
    cd "$dir"
    go mod init "sabot.dev/testenv-build/$name" 2>/dev/null
    go mod edit -require="$module@$version"
    # Not `mapfile < <(...)`: a failure inside process substitution would not stop the script.
    local replaces args=()
    replaces="$(replace_args "$module" "$version" "$local_version")"
    [[ -n "$replaces" ]] && mapfile -t args <<<"$replaces"
    if ((${#args[@]})); then
      log "$name $version: ${#args[@]} replace directives (local paths -> $local_version)"
      go mod edit "${args[@]}"
    fi
    log "$name $version: go build ${pkgs[*]} (this is the slow part)"
    local start=$SECONDS
    # -mod=mod lets the go command fill in go.sum (and any missing requirement) as it resolves.
    go build -mod=mod -trimpath -ldflags="-s -w $ldflags" -o "$dir/bin/" "${pkgs[@]}"
    mkdir -p "$out"
    for spec in "${specs[@]}"; do
      # go build names a binary after the last element of its package path, skipping a /vN.
      local built="${spec#*=}"
      [[ "$(basename "$built")" =~ ^v[0-9]+$ ]] && built="$(dirname "$built")"
      mv -f "$dir/bin/$(basename "$built")" "$out/${spec%%=*}"
    done
    log "$name $version: built in $((SECONDS - start)) s -> $out"
  )
  rm -rf "$dir"
}

# One build at a time per cache (a test run and a manual `npm run env:build` may race).
exec 9>"$cache/.kube-build.lock"
flock 9

total_start=$SECONDS

build etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION" \
  "$cache/etcd-$ETCD_VERSION/bin" "" \
  etcd=go.etcd.io/etcd/server/v3

build kwok sigs.k8s.io/kwok "$KWOK_VERSION" "$KWOK_VERSION" \
  "$cache/kwok-$KWOK_VERSION/bin" "" \
  kwok=sigs.k8s.io/kwok/cmd/kwok

# The kwok binary does nothing without Stages (the node/pod lifecycle it simulates); kwokctl
# compiles in the upstream defaults, the bare binary reads them from --config files. Copy that
# version's default "fast" stages (and lease-based node heartbeat) out of the module.
kwok_stages="$cache/kwok-$KWOK_VERSION/stages"
if [[ -d "$kwok_stages" ]]; then
  log "kwok $KWOK_VERSION: stages already in $kwok_stages"
else
  kwok_src="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | jq -r '.Dir')/kustomize/stage"
  rm -rf "$kwok_stages.tmp"
  mkdir -p "$kwok_stages.tmp"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    install -m 0644 "$kwok_src/$f" "$kwok_stages.tmp/"
  done
  mv "$kwok_stages.tmp" "$kwok_stages"
  log "kwok $KWOK_VERSION: default stages copied to $kwok_stages"
fi

kube_minor="${KUBERNETES_VERSION#v1.}"
kube_minor="${kube_minor%%.*}"
staging_version="v0.${KUBERNETES_VERSION#v1.}"
kube_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$kube_minor"
  kube_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
build kube k8s.io/kubernetes "$KUBERNETES_VERSION" "$staging_version" \
  "$cache/kube-$KUBERNETES_VERSION/bin" "$kube_ldflags" \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler \
  kubectl=k8s.io/kubernetes/cmd/kubectl

# The real node's binaries, a separate build into the same folder: `build` skips only when every
# binary it names exists, so adding these to the list above would rebuild a cached control plane.
build kube-node k8s.io/kubernetes "$KUBERNETES_VERSION" "$staging_version" \
  "$cache/kube-$KUBERNETES_VERSION/bin" "$kube_ldflags" \
  kubelet=k8s.io/kubernetes/cmd/kubelet \
  kube-proxy=k8s.io/kubernetes/cmd/kube-proxy

# CoreDNS's main package is its module root; its go.mod has no local replaces. Its own version
# string is a constant in the source, so no ldflags.
build coredns github.com/coredns/coredns "$COREDNS_VERSION" "$COREDNS_VERSION" \
  "$cache/coredns-$COREDNS_VERSION/bin" "" \
  coredns=github.com/coredns/coredns

log "done in $((SECONDS - total_start)) s"
