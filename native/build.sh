#!/usr/bin/env bash
# `npm run build:native`: configures (once) and builds native/build/sabot_native.node.
# Repeat runs reuse the CMake cache and rebuild only changed sources (about a second).
# Env: NODE_INCLUDE_DIR (default: the running node's include/node), SABOT_CUDA=AUTO|ON|OFF.
set -euo pipefail
cd "$(dirname "$0")"
node_bin="$(command -v node)"
inc="${NODE_INCLUDE_DIR:-$(cd "$(dirname "$node_bin")/.." && pwd)/include/node}"
if [[ ! -f "$inc/node_api.h" ]]; then
  echo "build:native: node_api.h not found in $inc; set NODE_INCLUDE_DIR to Node's include/node folder" >&2
  exit 1
fi
cuda="${SABOT_CUDA:-AUTO}"
# Reconfigure when the inputs of the configure step change; otherwise only build.
stamp="build/.configured"
want="$inc|$cuda"
if [[ ! -f build/CMakeCache.txt || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DNODE_INCLUDE_DIR="$inc" -DSABOT_CUDA="$cuda" >&2
  echo "$want" > "$stamp"
fi
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >&2
echo "build:native: built native/build/sabot_native.node" >&2
