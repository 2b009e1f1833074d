// Row hashing over Arrow buffers: the native twin of runtime/kernels/hash.ts (combineColumn,
// finalize, keyGroups). Each function folds one key column into the per-row accumulator `acc`.
#include <vector>

#include "kernels.h"
#include "murmur.h"

namespace sabot {

namespace {

// Validity: the column's own bitmap, read at bit (bitOffset + i); absent = no nulls.
struct Validity {
  const uint8_t* bits;
  int64_t offset;
  bool valid(int64_t i) const { return bits == nullptr || bitAt(bits, offset + i); }
};

bool validityArg(napi_env env, napi_value bitmap, napi_value offset, size_t n, Validity& out) {
  View v;
  int64_t off = 0;
  if (!typedArg(env, bitmap, v, "validity must be a Uint8Array or null")) return false;
  if (!intArg(env, offset, off) || off < 0) {
    napi_throw_range_error(env, "SABOT_NATIVE", "bit offset must be a non-negative integer");
    return false;
  }
  if (v.present && n > 0 && size_t((off + int64_t(n) + 7) >> 3) > v.bytes) {
    napi_throw_range_error(env, "SABOT_NATIVE", "validity bitmap shorter than the column");
    return false;
  }
  out.bits = v.present ? static_cast<const uint8_t*>(v.data) : nullptr;
  out.offset = off;
  return true;
}

// The head of the fixed-width column hashes (acc, values, validity, bitOffset): false when an
// exception is pending or the column is empty, and the caller returns at once.
bool columnArgs(napi_env env, napi_value* argv, const char* valuesWhat, View& acc, View& vals, Validity& valid) {
  if (!typedArg(env, argv[0], acc, "acc must be a Uint32Array") || !typedArg(env, argv[1], vals, valuesWhat)) return false;
  return validityArg(env, argv[2], argv[3], acc.length, valid) && acc.length > 0;
}

// Offsets [first, last] must be non-decreasing and inside the byte buffer: a malformed buffer
// becomes a JS error instead of a read outside the buffer.
bool offsetsOk(napi_env env, const int32_t* o, size_t count, size_t bytes) {
  if (count == 0) return true;
  if (o[0] < 0) goto bad;
  for (size_t i = 1; i < count; i++)
    if (o[i] < o[i - 1]) goto bad;
  if (size_t(o[count - 1]) > bytes) goto bad;
  return true;
bad:
  napi_throw_range_error(env, "SABOT_NATIVE", "utf8 offsets are not monotonic or exceed the data buffer");
  return false;
}

// The loops, apart from argument checks, so each gets an AVX2 clone.
SABOT_HOT void loop64(uint32_t* __restrict a, const uint32_t* __restrict v, size_t n) {
  for (size_t i = 0; i < n; i++) a[i] = mixK(mixK(a[i], v[2 * i]), v[2 * i + 1]);
}
SABOT_HOT void loop32(uint32_t* __restrict a, const uint32_t* __restrict v, size_t n) {
  for (size_t i = 0; i < n; i++) a[i] = mixK(a[i], v[i]);
}
SABOT_HOT void loopFinalize(uint32_t* __restrict a, size_t n) {
  for (size_t i = 0; i < n; i++) a[i] = finalize(a[i]);
}
SABOT_HOT void loopKeyGroups(const uint32_t* __restrict h, uint16_t* __restrict o, size_t n, uint32_t m) {
  for (size_t i = 0; i < n; i++) o[i] = uint16_t(h[i] % m);
}

// Rows in groups of four (hashBytes4) where all four are valid; span(i, start, end) gives row i's bytes.
template <class Span>
void hashSpans(uint32_t* a, size_t n, const Validity& valid, const uint8_t* spanBytes, Span span) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    if (valid.bits != nullptr && !(valid.valid(i) && valid.valid(i + 1) && valid.valid(i + 2) && valid.valid(i + 3))) {
      for (size_t r = i; r < i + 4; r++) {
        int32_t s, e;
        if (!valid.valid(r)) a[r] = mixK(a[r], NULL_HASH);
        else span(r, s, e), a[r] = hashBytes(spanBytes, s, e, a[r]);
      }
      continue;
    }
    int32_t s[4], e[4];
    for (int r = 0; r < 4; r++) span(i + r, s[r], e[r]);
    hashBytes4(spanBytes, s, e, a + i);
  }
  for (; i < n; i++) {
    int32_t s, e;
    if (!valid.valid(i)) a[i] = mixK(a[i], NULL_HASH);
    else span(i, s, e), a[i] = hashBytes(spanBytes, s, e, a[i]);
  }
}

}  // namespace

// hashUtf8(acc, offsets, bytes, validity, bitOffset)
napi_value HashUtf8(napi_env env, napi_callback_info info) {
  ARGS(5);
  View acc, off, bytes;
  if (!typedArg(env, argv[0], acc, "acc must be a Uint32Array") || !typedArg(env, argv[1], off, "offsets must be an Int32Array") ||
      !typedArg(env, argv[2], bytes, "bytes must be a Uint8Array"))
    return nullptr;
  size_t n = acc.length;
  Validity valid;
  if (!validityArg(env, argv[3], argv[4], n, valid)) return nullptr;
  if (n == 0) return nullptr;
  if (off.length < n + 1) return rangeError(env, "offsets shorter than the column");
  auto* a = static_cast<uint32_t*>(acc.data);
  auto* o = static_cast<const int32_t*>(off.data);
  auto* b = static_cast<const uint8_t*>(bytes.data);
  if (!offsetsOk(env, o, n + 1, bytes.bytes)) return nullptr;
  hashSpans(a, n, valid, b, [o](size_t i, int32_t& s, int32_t& e) { s = o[i]; e = o[i + 1]; });
  return nullptr;
}

// hashDict(acc, keys, dictOffsets, dictBytes, validity, bitOffset, seedsZero)
// seedsZero: acc is all zeros (the first key column), so every row's hash depends only on its
// entry: hash each dictionary entry once and look rows up, when there are fewer entries than rows.
napi_value HashDict(napi_env env, napi_callback_info info) {
  ARGS(7);
  View acc, keys, off, bytes;
  if (!typedArg(env, argv[0], acc, "acc must be a Uint32Array") || !typedArg(env, argv[1], keys, "keys must be an Int32Array") ||
      !typedArg(env, argv[2], off, "dictionary offsets must be an Int32Array") ||
      !typedArg(env, argv[3], bytes, "dictionary bytes must be a Uint8Array"))
    return nullptr;
  size_t n = acc.length;
  Validity valid;
  if (!validityArg(env, argv[4], argv[5], n, valid)) return nullptr;
  if (n == 0) return nullptr;
  if (keys.length < n) return rangeError(env, "dictionary keys shorter than the column");
  auto* a = static_cast<uint32_t*>(acc.data);
  auto* k = static_cast<const int32_t*>(keys.data);
  auto* o = static_cast<const int32_t*>(off.data);
  auto* b = static_cast<const uint8_t*>(bytes.data);
  if (!off.present || !offsetsOk(env, o, off.length, bytes.bytes)) return off.present ? nullptr : rangeError(env, "dictionary offsets missing");
  const int64_t entries = int64_t(off.length) - 1;
  for (size_t i = 0; i < n; i++)
    if (valid.valid(i) && (k[i] < 0 || k[i] >= entries)) return rangeError(env, "dictionary key outside the dictionary");
  bool seedsZero = false;
  napi_get_value_bool(env, argv[6], &seedsZero);
  if (seedsZero && entries <= int64_t(n)) {
    std::vector<uint32_t> table(size_t(entries) + 1);
    uint32_t* t = table.data();
    hashSpans(t, size_t(entries), Validity{nullptr, 0}, b, [o](size_t e, int32_t& s, int32_t& end) { s = o[e]; end = o[e + 1]; });
    const uint32_t nullHash = mixK(0, NULL_HASH);
    for (size_t i = 0; i < n; i++) a[i] = valid.valid(i) ? t[k[i]] : nullHash;
    return nullptr;
  }
  hashSpans(a, n, valid, b, [k, o](size_t i, int32_t& s, int32_t& e) { s = o[k[i]]; e = o[k[i] + 1]; });
  return nullptr;
}

// hashBool(acc, bits, validity, bitOffset): values and validity share the column's bit offset.
napi_value HashBool(napi_env env, napi_callback_info info) {
  ARGS(4);
  View acc, bits;
  Validity valid;
  if (!columnArgs(env, argv, "bits must be a Uint8Array", acc, bits, valid)) return nullptr;
  size_t n = acc.length;
  if (size_t((valid.offset + int64_t(n) + 7) >> 3) > bits.bytes) return rangeError(env, "bool bits shorter than the column");
  auto* a = static_cast<uint32_t*>(acc.data);
  auto* b = static_cast<const uint8_t*>(bits.data);
  for (size_t i = 0; i < n; i++)
    a[i] = mixK(a[i], valid.valid(i) ? uint32_t(bitAt(b, valid.offset + int64_t(i))) + 1 : NULL_HASH);
  return nullptr;
}

namespace {

// A fixed-width column as Words 32-bit words per row, low first, each folded into the row's hash.
template <size_t Words>
napi_value hashWords(napi_env env, napi_callback_info info, const char* valuesWhat) {
  ARGS(4);
  View acc, vals;
  Validity valid;
  if (!columnArgs(env, argv, valuesWhat, acc, vals, valid)) return nullptr;
  size_t n = acc.length;
  if (vals.bytes < n * 4 * Words) return rangeError(env, "values shorter than the column");
  auto* a = static_cast<uint32_t*>(acc.data);
  auto* v = static_cast<const uint32_t*>(vals.data);
  if (valid.bits == nullptr) {
    if constexpr (Words == 2) loop64(a, v, n);
    else loop32(a, v, n);
    return nullptr;
  }
  for (size_t i = 0; i < n; i++) {
    if (!valid.valid(i)) {
      a[i] = mixK(a[i], NULL_HASH);
      continue;
    }
    for (size_t w = 0; w < Words; w++) a[i] = mixK(a[i], v[Words * i + w]);
  }
  return nullptr;
}

}  // namespace

// hash64(acc, values, validity, bitOffset): int64/timestamp/float64 as two 32-bit halves, low first.
napi_value Hash64(napi_env env, napi_callback_info info) {
  return hashWords<2>(env, info, "values must be a 64-bit typed array");
}

// hash32(acc, values, validity, bitOffset): int32 (and other 4-byte integer) columns.
napi_value Hash32(napi_env env, napi_callback_info info) {
  return hashWords<1>(env, info, "values must be an Int32Array");
}

// finalize(acc): murmur3's avalanche, in place.
napi_value Finalize(napi_env env, napi_callback_info info) {
  ARGS(1);
  View acc;
  if (!typedArg(env, argv[0], acc, "acc must be a Uint32Array")) return nullptr;
  auto* a = static_cast<uint32_t*>(acc.data);
  loopFinalize(a, acc.length);
  return nullptr;
}

// keyGroups(hashes, maxParallelism, out Uint16Array)
napi_value KeyGroups(napi_env env, napi_callback_info info) {
  ARGS(3);
  View h, out;
  int64_t maxP = 0;
  if (!typedArg(env, argv[0], h, "hashes must be a Uint32Array") || !intArg(env, argv[1], maxP) ||
      !typedArg(env, argv[2], out, "out must be a Uint16Array"))
    return nullptr;
  if (maxP < 1 || maxP > 65536) return rangeError(env, "maxParallelism out of range");
  if (out.length < h.length) return rangeError(env, "out shorter than hashes");
  auto* hs = static_cast<const uint32_t*>(h.data);
  auto* o = static_cast<uint16_t*>(out.data);
  const uint32_t m = uint32_t(maxP);
  loopKeyGroups(hs, o, h.length, m);
  return nullptr;
}

}  // namespace sabot
