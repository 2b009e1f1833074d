#!/usr/bin/env bash
# Builds the MinIO server (a real S3-compatible store) from the Go module proxy into the test
# environment cache. MinIO stopped publishing tagged module versions, so versions.env pins a
# pseudo-version; the binary directory is keyed by it so a version bump rebuilds and an unchanged
# pin is a no-op.
# shellcheck source=lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
dest="$cache/minio-$MINIO_VERSION"

if [[ -x "$dest/minio" ]]; then
  echo "minio $MINIO_VERSION already built: $dest/minio"
  exit 0
fi

# Build into a scratch directory and rename at the end, so an interrupted build never leaves a
# half-written binary that the cache check above would accept.
make_scratch minio

# GOTOOLCHAIN=local: use the installed Go instead of fetching the toolchain named in MinIO's
# go.mod. CGO off: the server needs no C code and a static binary survives libc changes.
echo "building minio $MINIO_VERSION with $(go version)"
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp" \
  go install -trimpath "github.com/minio/minio@$MINIO_VERSION"

rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "minio $MINIO_VERSION built: $dest/minio"
