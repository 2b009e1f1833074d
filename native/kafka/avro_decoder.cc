#include "avro_decoder.h"

#include <simdjson.h>

#include <cstring>

namespace sabot_kafka {
namespace {

// avsc reads a varint beyond 28 bits in double arithmetic, exact while the zigzag value is at most
// 2^53, that is |v| <= 2^52; beyond, it may round (and refuses |v| > 9007199254740990 as "potential
// precision loss"): those are left to it.
constexpr int64_t kExactLong = 1LL << 52;

// A zigzag varint at p in its minimal encoding (at most 10 bytes, no trailing zero groups): the
// position after it, or nullptr (truncated, overlong or non-minimal: left to avsc).
inline const uint8_t* varint(const uint8_t* p, const uint8_t* end, int64_t& out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p >= end) return nullptr;
    uint8_t b = *p++;
    if (shift == 63 && b > 1) return nullptr;
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      if (b == 0 && shift > 0) return nullptr;
      out = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
      return p;
    }
  }
  return nullptr;
}

}  // namespace

AvroDecoder::AvroDecoder(std::vector<ColumnSpec> columns, std::string prefix)
    : columns_(std::move(columns)), prefix_(std::move(prefix)), cells_(columns_.size()) {
  for (const ColumnSpec& c : columns_)
    if (c.name == "__proto__") protoColumn_ = true;
}

bool AvroDecoder::add(const uint8_t* data, size_t length, std::vector<ColumnBuffers>& out) {
  if (protoColumn_) return false;
  // Single-object encoding: this schema's marker and fingerprint, then the record. A plain record of
  // these schemas starts with a union index (0 or 2), never C3.
  if (length >= 2 && data[0] == 0xC3 && data[1] == 0x01) {
    if (prefix_.empty() || length < prefix_.size() || std::memcmp(data, prefix_.data(), prefix_.size()) != 0)
      return false;  // another writer's schema, or cut short: the reference's verdict
    data += prefix_.size();
    length -= prefix_.size();
  }
  const uint8_t* p = data;
  const uint8_t* end = data + length;
  for (size_t c = 0; c < columns_.size(); c++)
    if (!(p = field(c, p, end))) return false;  // truncated or refused
  if (p != end) return false;  // trailing data
  commit(out);
  return true;
}

const uint8_t* AvroDecoder::field(size_t c, const uint8_t* p, const uint8_t* end) {
  Cell& cell = cells_[c];
  int64_t branch;
  if (!(p = varint(p, end, branch)) || (branch != 0 && branch != 1)) return nullptr;
  cell.valid = branch == 1;
  if (!cell.valid) return columns_[c].nullable ? p : nullptr;
  switch (columns_[c].type) {
    case ColType::Int32:
      if (!(p = varint(p, end, cell.i)) || cell.i < INT32_MIN || cell.i > INT32_MAX) return nullptr;
      return p;
    case ColType::Int64:
    case ColType::TimestampMs:
      if (!(p = varint(p, end, cell.i)) || cell.i < -kExactLong || cell.i > kExactLong) return nullptr;
      return p;
    case ColType::Float64:
      if (end - p < 8) return nullptr;
      std::memcpy(&cell.d, p, 8);  // little-endian, as x86-64 and arm64 hold doubles
      return p + 8;
    case ColType::Bool:
      if (p >= end || *p > 1) return nullptr;
      cell.i = *p;
      return p + 1;
    case ColType::Utf8: {
      int64_t n;
      if (!(p = varint(p, end, n)) || n < 0 || n > end - p) return nullptr;
      if (!simdjson::validate_utf8(reinterpret_cast<const char*>(p), static_cast<size_t>(n))) return nullptr;
      cell.s = p;
      cell.len = static_cast<uint32_t>(n);
      return p + n;
    }
  }
  return nullptr;
}

void AvroDecoder::commit(std::vector<ColumnBuffers>& out) {
  for (size_t c = 0; c < columns_.size(); c++) {
    ColumnBuffers& b = out[c];
    const Cell& cell = cells_[c];
    if (cell.valid) b.markValid();
    else b.markNull();
    switch (columns_[c].type) {
      case ColType::Int32: b.push<int32_t>(cell.valid ? static_cast<int32_t>(cell.i) : 0); break;
      case ColType::Int64:
      case ColType::TimestampMs: b.push<int64_t>(cell.valid ? cell.i : 0); break;
      case ColType::Float64: b.push<double>(cell.valid ? cell.d : 0); break;
      case ColType::Bool: ColumnBuffers::setBit(b.values, b.rows, cell.valid && cell.i != 0); break;
      case ColType::Utf8: {
        if (b.offsets.empty()) b.offsets.push_back(0);
        if (cell.valid) b.values.insert(b.values.end(), cell.s, cell.s + cell.len);
        b.offsets.push_back(static_cast<int32_t>(b.values.size()));
        break;
      }
    }
    b.rows++;
  }
}

}  // namespace sabot_kafka
