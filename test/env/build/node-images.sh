#!/usr/bin/env bash
# Builds the real node's two local images as docker-archive tarballs (the format of
# `docker save`, which `ctr images import` reads), without a Docker daemon or a registry:
#
#   sabot.local/pause:<NODE_IMAGES_VERSION>   the sandbox image: node-images/pause.c, gcc -static
#   sabot.local/busybox:<NODE_IMAGES_VERSION> Debian's busybox-static, for test pods (sh, nc, ...)
#
# Output (cached by NODE_IMAGES_VERSION, skipped when present):
#   $CACHE/node-images-$NODE_IMAGES_VERSION/{pause,busybox}.tar
# Layers are written reproducibly (sorted, mtime 0, root-owned), so a rebuild gives the same
# image IDs.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

out="$cache/node-images-$NODE_IMAGES_VERSION"
if [[ -f "$out/pause.tar" && -f "$out/busybox.tar" ]]; then
  echo "node images $NODE_IMAGES_VERSION: already built in $out"
  exit 0
fi
for tool in gcc jq sha256sum; do
  command -v "$tool" >/dev/null || { echo "ERROR: $tool is required" >&2; exit 1; }
done
busybox=/bin/busybox
[[ -x "$busybox" ]] || { echo "ERROR: $busybox missing: install Debian's busybox-static (.ci/system-packages.sh)" >&2; exit 1; }

make_scratch node-images
reproducible_tar=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu)

# write_image REF ROOTFS OUT ENTRYPOINT_JSON: a one-layer docker-archive of ROOTFS tagged REF.
write_image() {
  local ref="$1" rootfs="$2" out_tar="$3" entrypoint="$4" dir layer_id config_id
  dir="$(mktemp -d "$tmp/archive.XXXXXX")"
  tar -C "$rootfs" "${reproducible_tar[@]}" -cf "$dir/layer.tar" .
  layer_id="$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
  mkdir "$dir/$layer_id"
  mv "$dir/layer.tar" "$dir/$layer_id/layer.tar"
  jq -cn --arg diff "sha256:$layer_id" --argjson ep "$entrypoint" '{
      architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
      config: { Entrypoint: $ep, Env: ["PATH=/bin"] },
      rootfs: { type: "layers", diff_ids: [$diff] }
    }' >"$dir/config.json"
  config_id="$(sha256sum "$dir/config.json" | cut -d' ' -f1)"
  mv "$dir/config.json" "$dir/$config_id.json"
  jq -cn --arg cfg "$config_id.json" --arg ref "$ref" --arg layer "$layer_id/layer.tar" \
    '[{ Config: $cfg, RepoTags: [$ref], Layers: [$layer] }]' >"$dir/manifest.json"
  tar -C "$dir" "${reproducible_tar[@]}" -cf "$out_tar" manifest.json "$config_id.json" "$layer_id"
  echo "$ref: $(du -h "$out_tar" | cut -f1) -> $out_tar"
}

mkdir -p "$tmp/out" "$tmp/pause/bin" "$tmp/busybox/bin" "$tmp/busybox/tmp" "$tmp/busybox/etc"

gcc -static -Os -s -o "$tmp/pause/bin/pause" "$here/node-images/pause.c"
write_image "sabot.local/pause:$NODE_IMAGES_VERSION" "$tmp/pause" "$tmp/out/pause.tar" '["/bin/pause"]'

install -m 0755 "$busybox" "$tmp/busybox/bin/busybox"
for applet in $("$busybox" --list); do
  [[ "$applet" == busybox ]] || ln -s busybox "$tmp/busybox/bin/$applet"
done
chmod 1777 "$tmp/busybox/tmp"
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$tmp/busybox/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/busybox/etc/group"
write_image "sabot.local/busybox:$NODE_IMAGES_VERSION" "$tmp/busybox" "$tmp/out/busybox.tar" '["/bin/sh"]'

rm -rf "$out"
mv "$tmp/out" "$out"
echo "node images $NODE_IMAGES_VERSION: built in $out"
