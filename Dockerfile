# Sabot's one image: its entrypoint is the `sabot` CLI, so the first argument picks what runs:
# `operator` (the Helm chart's Deployment), `coordinator` and `worker` (a job's pods, as the
# operator creates them), or `run` (one process). Build: docker build -t sabot:dev .
# GPU variant (CUDA kernels in the native addon, cudart linked statically; the GPU driver's
# libcuda comes from the NVIDIA container runtime at run time, and without it the addon reports
# zero devices and the CPU kernels run):
#   docker build --build-arg SABOT_KERNELS=cuda -t sabot:dev-cuda .
#
# Needs BuildKit (Docker 23+ uses it by default; DOCKER_BUILDKIT=1 on 20.10): it skips the
# stages the target does not use, so a CPU build never installs the CUDA compiler. No `# syntax=` line,
# so the builder's own Dockerfile frontend is used and nothing is pulled for it.
#
# Base images are arguments: NODE_IMAGE runs the image, BUILD_IMAGE compiles (npm ci, tsc, the
# native addon). Both default to the public Node 24 image; the test environment passes bases it
# builds from Debian and npm packages (test/env/build/image.sh), its build base with the compiler
# toolchain already in it. NODE_IMAGE needs node on PATH; BUILD_IMAGE also npm, and Node's
# headers in /usr/local/include/node (where the official images have them).
#
# At run time nothing writes under /app or elsewhere in the image, so it runs with a read-only
# root filesystem (Kubernetes readOnlyRootFilesystem); file sinks and file:// checkpoints write
# only to the paths a manifest names, which then need a volume (an emptyDir for /tmp is enough).

# cpu: the native addon with CPU kernels; cuda: plus CUDA kernels (built with nvcc from PyPI).
ARG SABOT_KERNELS=cpu
ARG NODE_IMAGE=node:24-bookworm-slim
ARG BUILD_IMAGE=node:24-bookworm-slim

# g++, make and cmake for the native addons, python3 for any dependency built by node-gyp, and
# the libraries the Kafka clients link (docs/kafka.md): librdkafka's ssl, sasl, compression and
# OIDC (curl), and simdjson for native/kafka. Installed only when BUILD_IMAGE lacks them (the
# public slim image does, the local build base does not), so a build base with them needs no apt
# mirror.
FROM ${BUILD_IMAGE} AS toolchain
RUN missing=""; for tool in g++ make cmake python3; do command -v "$tool" >/dev/null || missing="$missing $tool"; done; \
    for pkg in libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev libsimdjson-dev; do \
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"; \
    done; \
    if [ -n "$missing" ]; then \
      apt-get update && apt-get install -y --no-install-recommends $missing && rm -rf /var/lib/apt/lists/*; \
    fi

# Dependencies alone first: this layer is reused until package*.json change.
FROM toolchain AS deps
WORKDIR /src
# Where its prebuilt binary cannot be downloaded, @confluentinc/kafka-javascript builds librdkafka
# from the sources it ships: linked to the system libraries above (dynamic), with Node's headers
# from the image instead of a download.
ENV CKJS_LINKING=dynamic npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# Behind a TLS-intercepting proxy, pass its CA bundle as a build secret (never stored in a layer):
#   docker build --secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt .
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; fi; \
    npm ci --no-audit --no-fund \
    && node -e "require('@confluentinc/kafka-javascript')" \
    || { echo "the librdkafka client (@confluentinc/kafka-javascript) did not build: see npm ci's output above" >&2; exit 1; }

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY runtime ./runtime
COPY operator ./operator
COPY bin ./bin
RUN npx tsc -p tsconfig.build.json && npm run build:operator

# Production dependencies, derived from the cached `deps` layer, so a source change reruns only tsc.
# Source maps and node-sql-parser's browser bundles (umd/; Node loads index.js and build/) are
# never loaded at run time and are a quarter of the image.
FROM deps AS prod-deps
# --ignore-scripts: pruning only removes packages; without it npm reran the librdkafka client's
# install script, which builds librdkafka again (2 minutes here).
# The librdkafka client keeps only what it loads: its binding and librdkafka's two shared
# libraries (stripped); librdkafka's sources and build tree are 280 MB.
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
    && rm -rf node_modules/node-sql-parser/umd \
    && find node_modules -name '*.map' -type f -delete \
    && cd node_modules/@confluentinc/kafka-javascript \
    && rm -rf deps build/Release/obj.target build/deps/librdkafka build/deps/include build/deps/pkgconfig \
    && find build/deps -maxdepth 1 -type f ! -name '*.so.1' -delete \
    && strip --strip-unneeded build/deps/*.so.1 build/Release/*.node

# The native addons (native/, Node-API): optional for the engine, which falls back to TypeScript
# kernels without sabot_native and to the other Kafka clients without sabot_kafka, but always
# built into the image. Node's headers come with the base image; sabot_kafka links the librdkafka
# that npm ci built in `deps` (found at run time through its $ORIGIN-relative RPATH).
FROM deps AS native-cpu
WORKDIR /src
COPY native ./native
RUN rm -rf native/build && SABOT_CUDA=OFF bash native/build.sh \
    && test -f native/build/sabot_kafka.node

# The CUDA variant: nvcc, cudart and CCCL are PyPI wheels (native/cuda/toolchain.sh, the same
# compiler CI uses), so no CUDA base image is needed; python3's venv module installs them. The
# wheels stay in a BuildKit cache mount, out of every layer; cudart is linked statically.
FROM deps AS native-cuda
RUN python3 -c "import ensurepip" 2>/dev/null \
    || (apt-get update && apt-get install -y --no-install-recommends python3-venv && rm -rf /var/lib/apt/lists/*)
WORKDIR /src
COPY native ./native
RUN --mount=type=secret,id=ca-certificates --mount=type=cache,target=/root/.cache/sabot-cuda \
    if [ -s /run/secrets/ca-certificates ]; then export PIP_CERT=/run/secrets/ca-certificates; fi; \
    rm -rf native/build && SABOT_CUDA=ON bash native/build.sh && test -f native/build/sabot_kafka.node

FROM native-${SABOT_KERNELS} AS native

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="sabot" \
      org.opencontainers.image.description="Kubernetes-native streaming on Apache Arrow" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV NODE_ENV=production
# The shared libraries librdkafka and sabot_kafka link (the -dev packages of the build, without
# headers); installed only when NODE_IMAGE lacks them (the local runtime base has them).
RUN missing=""; for pkg in libssl3 zlib1g libzstd1 liblz4-1 libsasl2-2 libcurl4 libsimdjson14; do \
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"; \
    done; \
    if [ -n "$missing" ]; then \
      apt-get update && apt-get install -y --no-install-recommends $missing && rm -rf /var/lib/apt/lists/*; \
    fi
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The gRPC services load their .proto files at run time; tsc does not copy them.
COPY --from=build /src/runtime/contract/rpc/*.proto ./dist/runtime/contract/rpc/
# The web UI's page (docs/ui.md); uPlot is served from node_modules above.
COPY --from=build /src/runtime/metrics/web/static ./dist/runtime/metrics/web/static/
# dist/runtime/kernels/native-loader.js finds it at ../../../native/build (SABOT_NATIVE=0 to skip).
COPY --from=native /src/native/build/sabot_native.node ./native/build/sabot_native.node
# kafka.client: native (docs/kafka.md); dist/runtime/connectors/kafka/native-addon.js finds it there.
COPY --from=native /src/native/build/sabot_kafka.node ./native/build/sabot_kafka.node
COPY package.json ./
COPY examples ./examples
USER 65532:65532
ENTRYPOINT ["node", "dist/bin/cli/main.js"]
CMD ["--help"]
