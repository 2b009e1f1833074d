# Sourced by each build script: strict mode, pinned versions, the cache folder, and a scratch
# folder helper. Builds happen in scratch and are renamed into place at the end, so an
# interrupted build never leaves something the "already built" checks would accept.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
set -a
# shellcheck source=../../versions.env
. "$here/../versions.env"
set +a

cache="${SABOT_TESTENV_CACHE:-$HOME/.cache/sabot-testenv}"
mkdir -p "$cache"

# make_scratch NAME: sets $tmp to a fresh folder in the cache, removed when the script exits.
make_scratch() {
  tmp="$(mktemp -d "$cache/.$1-build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
}
