#!/usr/bin/env bash
# Sabot on a local kind cluster, from an empty machine with Docker to a running StreamJob:
#
#   1. create a kind cluster            4. apply examples/kind/streamjob.yaml (no Kafka needed)
#   2. build the image, load it         5. wait until `kubectl get streamjobs` says Running, show logs
#   3. helm install the operator        6. clean up (KEEP=1 keeps the cluster for exploring)
#
# Needs docker, kind, kubectl and helm on PATH. Run from anywhere: bash examples/kind/walkthrough.sh
# Settings: CLUSTER (default sabot), IMAGE (default sabot:dev), KEEP=1 (skip the clean-up).
#
# On a cluster you already have (steps 1 and 2 skipped, nothing of the cluster deleted):
#   CLUSTER_PROVIDER=existing  use CONTEXT (default: kubectl's current context) instead of kind
#   BUILD=0                    the nodes already have IMAGE: skip the build and the load
#   HELM_VALUES=file.yaml      extra chart values (say, nodeSelector and tolerations)
#   STREAMJOB=file.yaml        the StreamJob to apply instead of examples/kind/streamjob.yaml
#   RUN_SECONDS=30             how long to let it run before showing its logs
# The test environment's real node runs it that way on every CI run (test/examples/kind-walkthrough.int.test.ts).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cluster="${CLUSTER:-sabot}"
image="${IMAGE:-sabot:dev}"
keep="${KEEP:-0}"
provider="${CLUSTER_PROVIDER:-kind}"
build="${BUILD:-1}"
streamjob="${STREAMJOB:-$repo/examples/kind/streamjob.yaml}"
run_seconds="${RUN_SECONDS:-30}"
operator_ns=sabot-system
jobs_ns=sabot-demo
case "$provider" in
  kind) ctx="kind-$cluster" ;;
  existing) ctx="${CONTEXT:-$(kubectl config current-context)}" ;;
  *) echo "error: CLUSTER_PROVIDER must be kind or existing, not '$provider'" >&2; exit 2 ;;
esac
helm_values=()
[[ -n "${HELM_VALUES:-}" ]] && helm_values=(--values "$HELM_VALUES")

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "error: $*" >&2; exit 1; }
k() { kubectl --context "$ctx" "$@"; }

tools=(kubectl helm)
[[ "$provider" == kind ]] && tools+=(kind)
[[ "$build" == 1 ]] && tools+=(docker)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || die "$tool is not installed (see https://kind.sigs.k8s.io/docs/user/quick-start/)"
done
if [[ "$build" == 1 ]]; then docker info >/dev/null 2>&1 || die "the Docker engine is not running"; fi

cleanup() {
  if [[ "$keep" == 1 ]]; then
    echo
    echo "Cluster kept (KEEP=1). Explore with: kubectl --context $ctx -n $jobs_ns get streamjobs,pods"
    echo "Remove it with: kind delete cluster --name $cluster"
    return
  fi
  step "Cleaning up: deleting the StreamJob, the chart and the $([[ "$provider" == kind ]] && echo cluster || echo namespaces)"
  k -n "$jobs_ns" delete streamjob quickstart --ignore-not-found --wait=true || true
  helm --kube-context "$ctx" uninstall sabot -n "$operator_ns" --wait || true
  if [[ "$provider" == kind ]]; then
    kind delete cluster --name "$cluster"
  else
    k delete namespace "$jobs_ns" "$operator_ns" --ignore-not-found --wait=false || true
  fi
}

if [[ "$provider" == kind ]]; then
  step "Creating kind cluster '$cluster'"
  if kind get clusters | grep -qx "$cluster"; then
    echo "cluster '$cluster' exists; reusing it"
  else
    kind create cluster --name "$cluster" --wait 120s
  fi
else
  step "Using the cluster of context '$ctx'"
  k get nodes
fi
trap cleanup EXIT

if [[ "$build" == 1 ]]; then
  step "Building image $image (the operator, coordinators and workers all run it)"
  docker build -t "$image" "$repo"

  step "Loading $image into the cluster's nodes"
  [[ "$provider" == kind ]] || die "BUILD=1 loads the image with kind; on another cluster push it to a registry, or load it into the nodes yourself and set BUILD=0"
  kind load docker-image "$image" --name "$cluster"
fi

step "Installing the operator with Helm (it watches namespace $jobs_ns)"
k create namespace "$jobs_ns" --dry-run=client -o yaml | k apply -f -
# The image exists only on the nodes: never pull it, for the operator or for the jobs' pods.
helm --kube-context "$ctx" upgrade --install sabot "$repo/helm/sabot" \
  --namespace "$operator_ns" --create-namespace \
  --set image.repository="${image%:*}" --set image.tag="${image##*:}" --set image.pullPolicy=Never \
  --set jobs.imagePullPolicy=Never \
  --set watchNamespace="$jobs_ns" \
  ${helm_values[@]+"${helm_values[@]}"} \
  --wait --timeout 3m
k -n "$operator_ns" get deploy,pods

step "Applying ${streamjob#"$repo/"}"
k -n "$jobs_ns" apply -f "$streamjob"

step "Waiting for the StreamJob to be Running"
if ! k -n "$jobs_ns" wait streamjob/quickstart --for=jsonpath='{.status.phase}'=Running --timeout=5m; then
  k -n "$jobs_ns" describe streamjob quickstart
  k -n "$jobs_ns" get pods -o wide
  k -n "$operator_ns" logs deploy/sabot --tail=50
  die "the StreamJob did not reach Running in 5 minutes (status, pods and operator logs above)"
fi
k -n "$jobs_ns" get streamjobs
k -n "$jobs_ns" get deploy,statefulsets,pods,services -l sabot.dev/job=quickstart

step "Letting it run for $run_seconds s, then showing its logs"
sleep "$run_seconds"
echo "--- coordinator ---"
k -n "$jobs_ns" logs deploy/quickstart-coordinator --tail=20
echo "--- worker 0 (the console sink prints the windows it emits) ---"
k -n "$jobs_ns" logs quickstart-worker-0 --tail=20
echo "--- operator ---"
k -n "$operator_ns" logs deploy/sabot --tail=20
echo "--- Events ---"
k -n "$jobs_ns" get events --field-selector involvedObject.name=quickstart
