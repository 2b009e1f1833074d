// Hash-table probe of the keyed-state index (runtime/state/key-table.ts, pass 1): for each row,
// the first group whose stored 32-bit hash equals the row's hash, or -1. Open addressing over
// the table's own Int32Array slots (read in place; the TS side owns and grows them).
#include "kernels.h"

namespace sabot {

// probeHash(hashes Uint32Array, slots Int32Array, mask, groupHashes Uint32Array, groupCount, out Int32Array)
napi_value ProbeHash(napi_env env, napi_callback_info info) {
  ARGS(6);
  View h, slots, gh, out;
  int64_t mask = 0, groups = 0;
  if (!typedArg(env, argv[0], h, "hashes must be a Uint32Array") || !typedArg(env, argv[1], slots, "slots must be an Int32Array") ||
      !intArg(env, argv[2], mask) || !typedArg(env, argv[3], gh, "group hashes must be a Uint32Array") ||
      !intArg(env, argv[4], groups) || !typedArg(env, argv[5], out, "out must be an Int32Array"))
    return nullptr;
  if (size_t(mask) + 1 != slots.length || (slots.length & size_t(mask)) != 0) return rangeError(env, "mask must be slots.length - 1 (a power of two)");
  if (out.length < h.length) return rangeError(env, "out shorter than hashes");
  if (groups < 0 || size_t(groups) > gh.length) return rangeError(env, "group count exceeds the group hashes");
  auto* hs = static_cast<const uint32_t*>(h.data);
  auto* s = static_cast<const int32_t*>(slots.data);
  auto* g = static_cast<const uint32_t*>(gh.data);
  auto* o = static_cast<int32_t*>(out.data);
  const uint32_t m = uint32_t(mask);
  for (size_t i = 0; i < h.length; i++) {
    const uint32_t x = hs[i];
    uint32_t p = x & m;
    int32_t grp = s[p];
    // The table keeps at most half its slots full, so this loop ends at an empty slot.
    while (grp >= 0) {
      if (grp >= groups) return rangeError(env, "slot holds a group id beyond the group count");
      if (g[grp] == x) break;
      p = (p + 1) & m;
      grp = s[p];
    }
    o[i] = grp;
  }
  return nullptr;
}

}  // namespace sabot
