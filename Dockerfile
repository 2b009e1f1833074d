# Sabot runtime image: one image runs `sabot run` (and, as later issues land, the operator,
# coordinator and workers). Build: docker build -t sabot:dev .
# syntax=docker/dockerfile:1

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY runtime ./runtime
COPY operator ./operator
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

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
COPY package.json ./
COPY examples ./examples
USER 65532:65532
ENTRYPOINT ["node", "dist/runtime/cli/main.js"]
CMD ["--help"]
