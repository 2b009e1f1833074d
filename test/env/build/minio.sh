#!/usr/bin/env bash
# Builds the MinIO server (a real S3-compatible store) from the Go module proxy into the test
# environment cache. MinIO stopped publishing tagged module versions, so versions.env pins a
# pseudo-version; the binary directory is keyed by it so a version bump rebuilds and an unchanged
# pin is a no-op.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
set -a
# shellcheck source=../versions.env
. "$here/../versions.env"
set +a

cache="${SABOT_TESTENV_CACHE:-$HOME/.cache/sabot-testenv}"
dest="$cache/minio-$MINIO_VERSION"

if [[ -x "$dest/minio" ]]; then
  echo "minio $MINIO_VERSION already built: $dest/minio"
  exit 0
fi

# Build into a scratch directory and rename at the end, so an interrupted build never leaves a
# half-written binary that the cache check above would accept.
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/.minio-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# GOTOOLCHAIN=local: use the installed Go instead of fetching the toolchain named in MinIO's
# go.mod. CGO off: the server needs no C code and a static binary survives libc changes.
echo "building minio $MINIO_VERSION with $(go version)"
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp" \
  go install -trimpath "github.com/minio/minio@$MINIO_VERSION"

rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "minio $MINIO_VERSION built: $dest/minio"
