#!/usr/bin/env bash
# The device check for a lent GPU machine (issue 20): builds the harness (native/cuda/harness:
# CPU reference vs CUDA kernels on randomized batches, exact compare, timings 16K..4M rows) with
# the machine's own nvcc and cmake - no Node, no network - and runs it, printing one table.
# Budget: about 1 min here to build, well under a minute to run; hard limits keep it under 8 min.
#
#   bash native/cuda/device-check.sh            # on the GPU machine, from the repository root
# Output also goes to $OUT/device-check.txt when OUT is set (the device tool's result folder).
# nvcc: CUDACXX, else nvcc on PATH, else /usr/local/cuda/bin/nvcc, else the PyPI one if
# native/cuda/toolchain.sh already installed it (this script never downloads).
# Exit: the harness's - 0 exact, 1 mismatch, 3 no CUDA device (expected on a machine without a
# GPU, a failure on one) - or 4 when no nvcc/cmake is found or the build fails.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-}"
log="$(mktemp)"
say() { echo "$*" | tee -a "$log"; }
finish() {
  [[ -n "$out" ]] && mkdir -p "$out" && cp "$log" "$out/device-check.txt"
  exit "$1"
}
start=$SECONDS

nvcc="${CUDACXX:-$(command -v nvcc || true)}"
[[ -z "$nvcc" && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc
if [[ -z "$nvcc" ]]; then
  for candidate in "${SABOT_CUDA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sabot-cuda}"/*/venv/lib/python3*/site-packages/nvidia/cu*/bin/nvcc; do
    [[ -x "$candidate" ]] && nvcc="$candidate"
  done
fi
[[ -n "$nvcc" ]] || { say "device-check: no nvcc (set CUDACXX, or put nvcc on PATH)"; finish 4; }
command -v cmake >/dev/null || { say "device-check: cmake not found"; finish 4; }
say "nvcc: $nvcc ($("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'))"
# The GPU's own architecture (sm_90 on H100/H200) when nvidia-smi says it; else the build's list.
arch_args=()
if command -v nvidia-smi >/dev/null; then
  say "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 | head -1)"
  cap="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')"
  [[ "$cap" =~ ^[0-9]+$ ]] && arch_args=(-DSABOT_CUDA_ARCHITECTURES="$cap")
fi

build="${TMPDIR:-/tmp}/sabot-gpu-check"
if ! timeout 300 cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$nvcc" "${arch_args[@]}" >>"$log" 2>&1 ||
  ! timeout 300 cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >>"$log" 2>&1; then
  tail -30 "$log"
  say "device-check: the harness did not build (log above)"
  finish 4
fi
say "built in $((SECONDS - start)) s"
timeout 360 "$build/sabot_gpu_check" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
say "device-check: exit $rc after $((SECONDS - start)) s"
finish "$rc"
