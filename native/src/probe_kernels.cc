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

namespace sabot {

// The whole lookup of a single 64-bit key column (runtime/state/key-table.ts, lookup64), adding
// keys not in the table: probe by hash, compare the key's two 32-bit halves and validity, and for
// a new key append it as group `count++` and take the empty slot the probe stopped at.
// lookupInsert64(hashes U32, keys (2 x int32 per row), inValid U8|null, slots I32 (group, hash
// pairs), mask, groupHashes U32, keyGroups U16, lo I32, hi I32, valid U8, count, maxParallelism,
// add 0|1, out I32) -> the new group count. The caller sizes every array for count + rows groups
// and the table for at most half full after them, so nothing grows here.
napi_value LookupInsert64(napi_env env, napi_callback_info info) {
  ARGS(14);
  View h, keys, inValid, slots, gh, kg, lo, hi, valid, out;
  int64_t mask = 0, count = 0, maxPar = 0, add = 0;
  if (!typedArg(env, argv[0], h, "hashes must be a Uint32Array") || !typedArg(env, argv[1], keys, "keys must be an Int32Array") ||
      !typedArg(env, argv[2], inValid, "validity must be a Uint8Array or null") ||
      !typedArg(env, argv[3], slots, "slots must be an Int32Array") || !intArg(env, argv[4], mask) ||
      !typedArg(env, argv[5], gh, "group hashes must be a Uint32Array") ||
      !typedArg(env, argv[6], kg, "key groups must be a Uint16Array") || !typedArg(env, argv[7], lo, "lo must be an Int32Array") ||
      !typedArg(env, argv[8], hi, "hi must be an Int32Array") || !typedArg(env, argv[9], valid, "valid must be a Uint8Array") ||
      !intArg(env, argv[10], count) || !intArg(env, argv[11], maxPar) || !intArg(env, argv[12], add) ||
      !typedArg(env, argv[13], out, "out must be an Int32Array"))
    return nullptr;
  const size_t n = h.length;
  const size_t cap = size_t(mask) + 1;
  if ((cap & size_t(mask)) != 0 || slots.length != 2 * cap) return rangeError(env, "slots must hold 2 x (mask + 1) entries, mask + 1 a power of two");
  if (keys.length < 2 * n || out.length < n || (inValid.present && inValid.length < n)) return rangeError(env, "keys, validity or out shorter than the rows");
  if (count < 0 || maxPar < 1) return rangeError(env, "count must be >= 0 and maxParallelism >= 1");
  const size_t room = size_t(count) + (add ? n : 0);
  if (gh.length < room || kg.length < room || lo.length < room || hi.length < room || valid.length < room || 2 * room > cap)
    return rangeError(env, "group arrays or table too small for count + rows groups");
  auto* hs = static_cast<const uint32_t*>(h.data);
  auto* k = static_cast<const int32_t*>(keys.data);
  auto* iv = static_cast<const uint8_t*>(inValid.data);
  auto* s = static_cast<int32_t*>(slots.data);
  auto* g = static_cast<uint32_t*>(gh.data);
  auto* groupKg = static_cast<uint16_t*>(kg.data);
  auto* l = static_cast<int32_t*>(lo.data);
  auto* u = static_cast<int32_t*>(hi.data);
  auto* v = static_cast<uint8_t*>(valid.data);
  auto* o = static_cast<int32_t*>(out.data);
  const uint32_t m = uint32_t(mask);
  int32_t next = int32_t(count);
  for (size_t i = 0; i < n; i++) {
    const uint32_t x = hs[i];
    const bool isNull = iv != nullptr && iv[i] == 0;
    const int32_t a = isNull ? 0 : k[2 * i], b = isNull ? 0 : k[2 * i + 1];
    const uint8_t want = isNull ? 0 : 1;
    uint32_t p = x & m;
    int32_t grp = s[2 * p];
    // At most half the slots are full (checked above), so the probe ends at an empty slot.
    while (grp >= 0) {
      if (grp >= next) return rangeError(env, "slot holds a group id beyond the group count");
      if (uint32_t(s[2 * p + 1]) == x && l[grp] == a && u[grp] == b && v[grp] == want) break;
      p = (p + 1) & m;
      grp = s[2 * p];
    }
    if (grp < 0 && add) {
      grp = next++;
      g[grp] = x;
      groupKg[grp] = uint16_t(x % uint32_t(maxPar));
      l[grp] = a;
      u[grp] = b;
      v[grp] = want;
      s[2 * p] = grp;
      s[2 * p + 1] = int32_t(x);
    }
    o[i] = grp;
  }
  return num(env, double(next));
}

}  // namespace sabot
