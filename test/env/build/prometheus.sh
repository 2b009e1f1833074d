#!/usr/bin/env bash
# Unpacks Debian's prometheus package into the test environment cache without installing it:
# the tests only need the server binary, and a system-wide install would start a system service
# and pin one version for every checkout on the machine.
# shellcheck source=lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
dest="$cache/prometheus-$PROMETHEUS_VERSION"

if [[ -x "$dest/usr/bin/prometheus" ]]; then
  echo "prometheus $PROMETHEUS_VERSION already unpacked: $dest/usr/bin/prometheus"
  exit 0
fi

# A fresh machine (or a cleaned apt cache) has no package lists; refresh them only then, since an
# update needs root and the network.
if ! apt-cache show "prometheus=$PROMETHEUS_VERSION" > /dev/null 2>&1; then
  echo "prometheus=$PROMETHEUS_VERSION not in the apt package lists; running apt-get update"
  apt-get update
fi

make_scratch prometheus

# apt-get download writes into the working directory; the pinned version fails loudly if the
# archive no longer carries it, instead of silently unpacking a different release.
(cd "$tmp" && apt-get download "prometheus=$PROMETHEUS_VERSION")
mkdir "$tmp/root"
dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root"
"$tmp/root/usr/bin/prometheus" --version

# Rename into place last so an interrupted run never looks cached.
rm -rf "$dest"
mv "$tmp/root" "$dest"
echo "prometheus $PROMETHEUS_VERSION unpacked: $dest/usr/bin/prometheus"
