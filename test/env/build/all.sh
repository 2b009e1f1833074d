#!/usr/bin/env bash
# Builds or downloads every real service of the integration-test environment: each sibling
# *.sh script runs in parallel, logging to $CACHE/build-logs/<name>.log. Every script checks the
# cache keyed by its pinned version first, so with everything cached this returns in well under a
# second; a version bump in versions.env rebuilds only what it names.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${SABOT_TESTENV_CACHE:-$HOME/.cache/sabot-testenv}"
logs="$cache/build-logs"
mkdir -p "$logs"

# Two runs at once (a test run and a manual `npm run env:build`) would both build into the same
# cache folders; the second waits for the first and then finds everything cached.
exec 9> "$cache/build.lock"
if ! flock -n 9; then
  echo "another test/env build is running; waiting for it (lock $cache/build.lock)"
  flock 9
fi

status="$(mktemp -d)"
trap 'rm -rf "$status"' EXIT

names=()
for script in "$here"/*.sh; do
  name="$(basename "$script" .sh)"
  [[ "$name" == all ]] && continue
  names+=("$name")
  (
    started="$(date +%s%N)"
    if bash "$script" > "$logs/$name.log" 2>&1; then rc=0; else rc=$?; fi
    echo "$rc $(( ($(date +%s%N) - started) / 1000000 ))" > "$status/$name"
  ) &
done
wait

failed=()
for name in "${names[@]}"; do
  read -r rc ms < "$status/$name"
  printf '%-12s %-6s %6.1fs  %s\n' "$name" "$([[ $rc == 0 ]] && echo ok || echo FAILED)" \
    "$(awk -v ms="$ms" 'BEGIN { print ms / 1000 }')" "$logs/$name.log"
  [[ $rc == 0 ]] || failed+=("$name")
done

for name in "${failed[@]}"; do
  echo
  echo "--- $name failed; last lines of $logs/$name.log ---"
  tail -n 40 "$logs/$name.log"
done
[[ ${#failed[@]} == 0 ]]
