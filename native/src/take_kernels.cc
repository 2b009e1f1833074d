// Gather (take) over Arrow buffers: the native twin of runtime/types/take.ts, the kernel behind
// filter selection vectors, window output and join output. The TS side allocates every output
// buffer (so results are ordinary Arrow-js buffers it wraps without a copy); these only fill them.
#include <cstring>

#include "kernels.h"
#include "murmur.h"

namespace sabot {

namespace {

bool indicesOk(napi_env env, const int32_t* idx, size_t count, size_t rows) {
  for (size_t i = 0; i < count; i++)
    if (idx[i] < 0 || size_t(idx[i]) >= rows) {
      napi_throw_range_error(env, "SABOT_NATIVE", "take index outside the column");
      return false;
    }
  return true;
}

bool countArg(napi_env env, napi_value v, const View& indices, size_t& count) {
  int64_t c = 0;
  if (!intArg(env, v, c) || c < 0 || size_t(c) > indices.length) {
    napi_throw_range_error(env, "SABOT_NATIVE", "count must be between 0 and indices.length");
    return false;
  }
  count = size_t(c);
  return true;
}

}  // namespace

// takeValidity(bitmap, bitOffset, rows, indices, count, outBitmap zeroed) -> null count
napi_value TakeValidity(napi_env env, napi_callback_info info) {
  ARGS(6);
  View bm, idx, out;
  int64_t off = 0, rows = 0;
  size_t count = 0;
  if (!typedArg(env, argv[0], bm, "bitmap must be a Uint8Array") || !intArg(env, argv[1], off) || !intArg(env, argv[2], rows) ||
      !typedArg(env, argv[3], idx, "indices must be an Int32Array") || !countArg(env, argv[4], idx, count) ||
      !typedArg(env, argv[5], out, "out must be a Uint8Array"))
    return nullptr;
  if (off < 0 || rows < 0 || (rows > 0 && size_t((off + rows + 7) >> 3) > bm.bytes)) return rangeError(env, "bitmap shorter than the column");
  if (out.bytes < (count + 7) / 8) return rangeError(env, "out bitmap too short");
  auto* b = static_cast<const uint8_t*>(bm.data);
  auto* ix = static_cast<const int32_t*>(idx.data);
  auto* o = static_cast<uint8_t*>(out.data);
  if (!indicesOk(env, ix, count, size_t(rows))) return nullptr;
  int64_t nulls = 0;
  for (size_t i = 0; i < count; i++) {
    if (bitAt(b, off + ix[i])) o[i >> 3] |= uint8_t(1u << (i & 7));
    else nulls++;
  }
  return num(env, double(nulls));
}

// takeUtf8Offsets(srcOffsets, indices, count, outOffsets) -> total bytes
napi_value TakeUtf8Offsets(napi_env env, napi_callback_info info) {
  ARGS(4);
  View so, idx, out;
  size_t count = 0;
  if (!typedArg(env, argv[0], so, "offsets must be an Int32Array") || !typedArg(env, argv[1], idx, "indices must be an Int32Array") ||
      !countArg(env, argv[2], idx, count) || !typedArg(env, argv[3], out, "out must be an Int32Array"))
    return nullptr;
  if (out.length < count + 1 || so.length < 1) return rangeError(env, "offsets too short");
  auto* s = static_cast<const int32_t*>(so.data);
  auto* ix = static_cast<const int32_t*>(idx.data);
  auto* o = static_cast<int32_t*>(out.data);
  if (!indicesOk(env, ix, count, so.length - 1)) return nullptr;
  int64_t total = 0;
  o[0] = 0;
  for (size_t i = 0; i < count; i++) {
    const int32_t j = ix[i];
    const int32_t len = s[j + 1] - s[j];
    if (len < 0) return rangeError(env, "utf8 offsets are not monotonic");
    total += len;
    if (total > INT32_MAX) return rangeError(env, "gathered strings exceed 2 GiB (int32 offsets)");
    o[i + 1] = int32_t(total);
  }
  return num(env, double(total));
}

// takeUtf8Bytes(srcOffsets, srcBytes, indices, count, outOffsets, outBytes): after takeUtf8Offsets.
napi_value TakeUtf8Bytes(napi_env env, napi_callback_info info) {
  ARGS(6);
  View so, sb, idx, oo, ob;
  size_t count = 0;
  if (!typedArg(env, argv[0], so, "offsets must be an Int32Array") || !typedArg(env, argv[1], sb, "bytes must be a Uint8Array") ||
      !typedArg(env, argv[2], idx, "indices must be an Int32Array") || !countArg(env, argv[3], idx, count) ||
      !typedArg(env, argv[4], oo, "out offsets must be an Int32Array") || !typedArg(env, argv[5], ob, "out bytes must be a Uint8Array"))
    return nullptr;
  if (oo.length < count + 1 || so.length < 1) return rangeError(env, "offsets too short");
  auto* s = static_cast<const int32_t*>(so.data);
  auto* src = static_cast<const uint8_t*>(sb.data);
  auto* ix = static_cast<const int32_t*>(idx.data);
  auto* o = static_cast<const int32_t*>(oo.data);
  auto* dst = static_cast<uint8_t*>(ob.data);
  if (!indicesOk(env, ix, count, so.length - 1)) return nullptr;
  if (size_t(o[count]) > ob.bytes) return rangeError(env, "out bytes shorter than the gathered strings");
  for (size_t i = 0; i < count; i++) {
    const int32_t j = ix[i];
    const int32_t from = s[j], len = s[j + 1] - from;
    if (from < 0 || len != o[i + 1] - o[i] || size_t(from) + size_t(len) > sb.bytes) return rangeError(env, "utf8 offsets exceed the data buffer");
    std::memcpy(dst + o[i], src + from, size_t(len));
  }
  return nullptr;
}

// takeFixed(src, indices, count, out, width 1|2|4|8): fixed-width values, moved as raw bytes.
napi_value TakeFixed(napi_env env, napi_callback_info info) {
  ARGS(5);
  View src, idx, out;
  size_t count = 0;
  int64_t width = 0;
  if (!typedArg(env, argv[0], src, "src must be a typed array") || !typedArg(env, argv[1], idx, "indices must be an Int32Array") ||
      !countArg(env, argv[2], idx, count) || !typedArg(env, argv[3], out, "out must be a typed array") || !intArg(env, argv[4], width))
    return nullptr;
  if (width != 1 && width != 2 && width != 4 && width != 8) return rangeError(env, "width must be 1, 2, 4 or 8");
  if (out.bytes < count * size_t(width)) return rangeError(env, "out too short");
  auto* ix = static_cast<const int32_t*>(idx.data);
  if (!indicesOk(env, ix, count, src.bytes / size_t(width))) return nullptr;
  switch (width) {
    case 8: { auto* s = static_cast<const uint64_t*>(src.data); auto* o = static_cast<uint64_t*>(out.data); for (size_t i = 0; i < count; i++) o[i] = s[ix[i]]; break; }
    case 4: { auto* s = static_cast<const uint32_t*>(src.data); auto* o = static_cast<uint32_t*>(out.data); for (size_t i = 0; i < count; i++) o[i] = s[ix[i]]; break; }
    case 2: { auto* s = static_cast<const uint16_t*>(src.data); auto* o = static_cast<uint16_t*>(out.data); for (size_t i = 0; i < count; i++) o[i] = s[ix[i]]; break; }
    default: { auto* s = static_cast<const uint8_t*>(src.data); auto* o = static_cast<uint8_t*>(out.data); for (size_t i = 0; i < count; i++) o[i] = s[ix[i]]; }
  }
  return nullptr;
}

}  // namespace sabot
