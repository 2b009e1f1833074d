#!/usr/bin/env bash
# Installs the Debian packages the test environment's real node and image build need: Docker's
# engine (dockerd builds the image; its containerd and runc run the node's pods), debootstrap (the
# local base image), CNI plugins, the tools kube-proxy and the kubelet call, and busybox-static (the
# real node's test pod image, test/env/build/node-images.sh), and chromium (the web UI's browser test,
# test/runtime/metrics/web/ui.int.test.ts, drives it with playwright-core), and the libraries the
# librdkafka client links when npm ci builds it from source (docs/kafka.md: ssl, zlib, zstd, lz4,
# sasl, curl for OIDC), and simdjson, which native/kafka (sabot_kafka.node, the native Kafka client) checks
# UTF-8 with. Skips apt when all
# are present, so a warm machine pays nothing. Needs root (CI and these machines run as root).
set -euo pipefail
packages=(docker.io debootstrap containernetworking-plugins conntrack iptables ipset ethtool socat busybox-static chromium
  libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev libsimdjson-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing system packages: ${missing[*]}" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
