#!/usr/bin/env bash
# Prints the root of a CUDA toolchain (bin/nvcc, include/, lib/libcudart_static.a) installed from
# PyPI, installing it first when missing. No GPU and no NVIDIA apt repository are needed: NVIDIA
# publishes nvcc, the runtime and CCCL as wheels, which lay out one root (nvidia/cu13/) that
# CMake's FindCUDAToolkit accepts as CUDAToolkit_ROOT.
#
# Cached OUTSIDE the repository by version, so a warm run is one `test -x`:
#   ${SABOT_CUDA_CACHE:-~/.cache/sabot-cuda}/<SABOT_CUDA_VERSION>/venv
# A cold install is about 370 MB on disk; its time is logged to stderr. An interrupted install
# never looks complete: the venv is built in a temporary folder and renamed when pip succeeds.
#
# Usage: root="$(bash native/cuda/toolchain.sh)"; "$root/bin/nvcc" --version
# Env: SABOT_CUDA_VERSION (default below: the nvcc/runtime wheel version), SABOT_CUDA_CCCL_VERSION,
#      SABOT_CUDA_CACHE, PYTHON (default python3; needs the venv module).
set -euo pipefail
version="${SABOT_CUDA_VERSION:-13.5.37}"
# CCCL (cub/thrust/libcu++ headers nvcc's profile puts on the include path) is versioned on its
# own; this is the newest wheel published for CUDA 13 when the pins were chosen.
cccl="${SABOT_CUDA_CCCL_VERSION:-13.3.5.0.6}"
cache="${SABOT_CUDA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sabot-cuda}"
dir="$cache/$version-cccl$cccl"
python="${PYTHON:-python3}"

log() { printf '[cuda toolchain] %s\n' "$*" >&2; }

# The wheels' root: site-packages/nvidia/cu<major>.
find_root() {
  local r
  for r in "$dir"/venv/lib/python3*/site-packages/nvidia/cu*; do
    [[ -x "$r/bin/nvcc" && -f "$r/lib/libcudart_static.a" && -f "$r/include/cuda_runtime.h" && -e "$r/lib/libcudart.so" ]] && { echo "$r"; return 0; }
  done
  return 1
}

if root="$(find_root)"; then
  echo "$root"
  exit 0
fi

command -v "$python" >/dev/null || { log "ERROR: $python not found; install Python 3 with its venv module"; exit 1; }
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/.install-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
log "installing nvcc $version (nvidia-cuda-nvcc, nvidia-cuda-runtime, nvidia-cuda-cccl $cccl) into $dir"
# The venv is created at its final path name inside tmp, then moved: its scripts are never run,
# only nvcc (which finds its own tools relative to itself), so the move is safe.
"$python" -m venv "$tmp/venv" >&2 || { log "ERROR: '$python -m venv' failed; install the python3-venv package"; exit 1; }
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir \
  "nvidia-cuda-nvcc==$version" "nvidia-cuda-runtime==$version" "nvidia-cuda-cccl==$cccl" >&2 || {
  log "ERROR: pip could not install the CUDA wheels (is PyPI reachable? set SABOT_CUDA_VERSION to a published version)"
  exit 1
}
# FindCUDAToolkit requires the unversioned libcudart.so (a -dev package's link) even when only
# cudart_static is linked; the wheel ships libcudart.so.<major> alone.
for so in "$tmp"/venv/lib/python3*/site-packages/nvidia/cu*/lib/libcudart.so.*; do
  [[ -e "$so" ]] && ln -sf "$(basename "$so")" "$(dirname "$so")/libcudart.so"
done
rm -rf "$dir"
mkdir -p "$dir"
mv "$tmp/venv" "$dir/venv"
root="$(find_root)" || { log "ERROR: the wheels installed, but no nvidia/cu*/bin/nvcc with lib/libcudart_static.a under $dir"; exit 1; }
log "installed in $((SECONDS - start)) s: $root"
echo "$root"
