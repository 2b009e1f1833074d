# syntax=docker/dockerfile:1
# Sabot's one image: its entrypoint is the `sabot` CLI, so the first argument picks what runs:
# `operator` (the Helm chart's Deployment), `coordinator` and `worker` (a job's pods, as the
# operator creates them), or `run` (one process). Build: docker build -t sabot:dev .
# GPU variant (CUDA kernels in the native addon; needs the NVIDIA container runtime at run time):
#   docker build --build-arg SABOT_KERNELS=cuda -t sabot:dev-cuda .

# cpu: the native addon with CPU kernels; cuda: plus CUDA kernels (built with nvcc).
ARG SABOT_KERNELS=cpu
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-devel-ubuntu22.04

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY runtime ./runtime
COPY operator ./operator
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

# The native addon (native/, Node-API): optional for the engine, which falls back to TypeScript
# kernels without it, but always built into the image. Node's headers come with the node image.
FROM node:24-bookworm-slim AS native-cpu
RUN apt-get update && apt-get install -y --no-install-recommends cmake g++ make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY native ./native
RUN rm -rf native/build && SABOT_CUDA=OFF bash native/build.sh

FROM ${CUDA_IMAGE} AS native-cuda
RUN apt-get update && apt-get install -y --no-install-recommends cmake g++ make \
    && rm -rf /var/lib/apt/lists/*
COPY --from=node:24-bookworm-slim /usr/local/bin/node /usr/local/bin/node
COPY --from=node:24-bookworm-slim /usr/local/include/node /usr/local/include/node
WORKDIR /src
COPY native ./native
# cudart is linked statically; the GPU driver's libcuda comes from the container runtime.
RUN rm -rf native/build && SABOT_CUDA=ON bash native/build.sh

FROM native-${SABOT_KERNELS} AS native

FROM node:24-bookworm-slim
LABEL org.opencontainers.image.title="sabot" \
      org.opencontainers.image.description="Kubernetes-native streaming on Apache Arrow" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The gRPC services load their .proto files at run time; tsc does not copy them.
COPY --from=build /src/runtime/rpc/*.proto ./dist/runtime/rpc/
# dist/runtime/kernels/native-loader.js finds it at ../../../native/build (SABOT_NATIVE=0 to skip).
COPY --from=native /src/native/build/sabot_native.node ./native/build/sabot_native.node
COPY package.json ./
COPY examples ./examples
USER 65532:65532
ENTRYPOINT ["node", "dist/runtime/cli/main.js"]
CMD ["--help"]
