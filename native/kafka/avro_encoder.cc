#include "avro_encoder.h"

#include <cstring>

namespace sabot_kafka {
namespace {

inline bool bit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

// avsc's isSafeLong: one short of Number.MAX_SAFE_INTEGER.
constexpr int64_t kMaxSafe = 9007199254740990LL;

// Zigzag as avsc computes it: in doubles past 2^30, so -n*2-1 rounds for n below -2^52 (avsc
// writes -(2^53-2) as it writes 2^53-2); its base-128 digits are then exact.
void appendVarint(std::string& out, int64_t v) {
  uint64_t z = v >= 0 ? static_cast<uint64_t>(v) << 1
                      : static_cast<uint64_t>(static_cast<double>(-v) * 2.0 - 1.0);
  char buf[10];
  int n = 0;
  while (z >= 0x80) {
    buf[n++] = static_cast<char>((z & 0x7F) | 0x80);
    z >>= 7;
  }
  buf[n++] = static_cast<char>(z);
  out.append(buf, static_cast<size_t>(n));
}

void appendBytes(std::string& out, const uint8_t* s, int32_t from, int32_t to) {
  appendVarint(out, to - from);
  out.append(reinterpret_cast<const char*>(s + from), static_cast<size_t>(to - from));
}

void appendValue(const EncColumn& c, int64_t i, std::string& out) {
  switch (c.type) {
    case EncType::Int32: appendVarint(out, static_cast<const int32_t*>(c.values)[i]); break;
    case EncType::Int64: appendVarint(out, static_cast<const int64_t*>(c.values)[i]); break;
    case EncType::Float64: {
      double x = static_cast<const double*>(c.values)[i];
      // NaN payloads too: V8 keeps a Float64Array element's bits through avsc's writeDoubleLE.
      char b[8];
      std::memcpy(b, &x, 8);  // little-endian on every target this addon builds for (x86-64, arm64)
      out.append(b, 8);
      break;
    }
    case EncType::Bool: out += bit(static_cast<const uint8_t*>(c.values), c.offset + i) ? '\1' : '\0'; break;
    case EncType::Utf8: appendBytes(out, c.data, c.offsets[i], c.offsets[i + 1]); break;
    case EncType::DictUtf8: {
      int32_t k = static_cast<const int32_t*>(c.values)[i];
      appendBytes(out, c.data, c.offsets[k], c.offsets[k + 1]);
      break;
    }
  }
}

}  // namespace

bool checkAvroLongs(const std::vector<EncColumn>& cols, int64_t rows) {
  for (const EncColumn& c : cols) {
    if (c.type != EncType::Int64) continue;
    const int64_t* v = static_cast<const int64_t*>(c.values);
    for (int64_t i = 0; i < rows; i++) {
      if (c.validity && !bit(c.validity, c.offset + i)) continue;
      if (v[i] < -kMaxSafe || v[i] > kMaxSafe) return false;
    }
  }
  return true;
}

void encodeAvroRow(const std::vector<EncColumn>& cols, int64_t i, std::string& out) {
  for (const EncColumn& c : cols) {
    if (c.validity && !bit(c.validity, c.offset + i)) {
      out += '\0';
      continue;
    }
    out += '\2';
    appendValue(c, i, out);
  }
}

}  // namespace sabot_kafka
