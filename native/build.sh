#!/usr/bin/env bash
# `npm run build:native`: configures (once) and builds native/<build dir>/sabot_native.node, and
# sabot_kafka.node (native/kafka) where librdkafka (npm ci's) and simdjson are found.
# Repeat runs reuse the CMake cache and rebuild only changed sources (about a second).
# Env:
#   NODE_INCLUDE_DIR        default: the running node's include/node
#   SABOT_CUDA=AUTO|ON|OFF  AUTO (default) adds the CUDA kernels when nvcc is on PATH or CUDACXX
#                           names one; ON requires them, and when no nvcc is there installs the
#                           PyPI one (native/cuda/toolchain.sh, cached under ~/.cache/sabot-cuda),
#                           then also builds the device check (native/cuda/harness).
#   SABOT_NATIVE_BUILD_DIR  build folder under native/, default build (where the engine loads the
#                           addon from). CI builds the CUDA variant into build-cuda, beside the CPU one.
set -euo pipefail
cd "$(dirname "$0")"
node_bin="$(command -v node)"
inc="${NODE_INCLUDE_DIR:-$(cd "$(dirname "$node_bin")/.." && pwd)/include/node}"
if [[ ! -f "$inc/node_api.h" ]]; then
  echo "build:native: node_api.h not found in $inc; set NODE_INCLUDE_DIR to Node's include/node folder" >&2
  exit 1
fi
cuda="${SABOT_CUDA:-AUTO}"
case "$cuda" in AUTO | ON | OFF) ;; *) echo "build:native: SABOT_CUDA must be AUTO, ON or OFF, got '$cuda'" >&2; exit 1 ;; esac
dir="${SABOT_NATIVE_BUILD_DIR:-build}"
cuda_args=()
if [[ "$cuda" == ON && -z "${CUDACXX:-}" ]] && ! command -v nvcc >/dev/null; then
  root="$(bash cuda/toolchain.sh)"
  cuda_args=(-DCMAKE_CUDA_COMPILER="$root/bin/nvcc" -DCUDAToolkit_ROOT="$root")
fi
# Reconfigure when the inputs of the configure step change; otherwise only build.
stamp="$dir/.configured"
want="$inc|$cuda${cuda_args[*]:+|${cuda_args[*]}}"
if [[ ! -f "$dir/CMakeCache.txt" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  rm -f "$dir/CMakeCache.txt"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DNODE_INCLUDE_DIR="$inc" -DSABOT_CUDA="$cuda" "${cuda_args[@]}" >&2
  echo "$want" > "$stamp"
fi
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --build "$dir" -j "$jobs" >&2
# The device check shares the kernels' objects: building it here keeps it compiling in CI.
if [[ "$cuda" == ON ]]; then cmake --build "$dir" -j "$jobs" --target sabot_gpu_check sabot_gpu_check_fake >&2; fi
echo "build:native: built native/$dir/sabot_native.node" >&2
# The native Kafka client (native/kafka) builds only where its libraries are; CMake said why not.
if [[ -f "$dir/sabot_kafka.node" ]]; then echo "build:native: built native/$dir/sabot_kafka.node" >&2; fi
