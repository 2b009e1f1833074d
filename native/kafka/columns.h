// Growable Arrow column buffers for the native JSON decoder: values (or bit-packed booleans),
// utf8 offsets and data, and a validity bitmap allocated at the first null (as the TypeScript
// builders do: a column without nulls has none).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sabot_kafka {

// Column types of a decode plan; the numbers are the TypeScript side's (native-plan.ts).
enum class ColType : int32_t { Int32 = 0, Int64 = 1, Float64 = 2, Bool = 3, Utf8 = 4, TimestampMs = 5 };

struct ColumnSpec {
  std::string name;
  ColType type;
  bool nullable;
  // The name is a property of Object.prototype ("toString", "__proto__"): the reference decoder
  // reads the inherited value when the field is missing, so such a message is left to it.
  bool inherited;
};

struct ColumnBuffers {
  std::vector<uint8_t> values;  // int32/int64/float64 little-endian; bool: bitmap
  std::vector<int32_t> offsets;  // utf8 only: rows + 1 entries
  std::vector<uint8_t> validity;  // bitmap, empty until the first null
  int64_t nullCount = 0;
  int64_t rows = 0;

  static void setBit(std::vector<uint8_t>& bits, int64_t i, bool on) {
    size_t byte = static_cast<size_t>(i >> 3);
    if (bits.size() <= byte) bits.resize(byte + 1, 0);
    if (on) bits[byte] |= static_cast<uint8_t>(1u << (i & 7));
  }

  void markValid() {
    if (!validity.empty() || nullCount > 0) setBit(validity, rows, true);
  }

  void markNull() {
    if (nullCount == 0) {
      validity.assign(static_cast<size_t>((rows >> 3) + 1), 0);
      for (int64_t i = 0; i < rows; i++) validity[static_cast<size_t>(i >> 3)] |= static_cast<uint8_t>(1u << (i & 7));
    }
    setBit(validity, rows, false);
    nullCount++;
  }

  template <typename T>
  void push(T v) {
    size_t at = values.size();
    values.resize(at + sizeof(T));
    std::memcpy(values.data() + at, &v, sizeof(T));
  }
};

}  // namespace sabot_kafka
