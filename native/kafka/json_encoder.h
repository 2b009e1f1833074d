// The native `json` encoder: rows of Arrow columns into JSON objects byte for byte as JsonEncoder
// (runtime/formats/json.ts) writes them: fields in schema order, strings as JSON.stringify escapes
// them, numbers as JavaScript prints them, int64 beyond ±(2^53-1) and non-finite doubles quoted.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sabot_kafka {

// Column kinds of an encode plan (native-sink.ts): the decoder's, plus dictionary-encoded utf8.
enum class EncType : int32_t { Int32 = 0, Int64 = 1, Float64 = 2, Bool = 3, Utf8 = 4, DictUtf8 = 6 };

// One column of a batch, pointing into its Arrow buffers (value buffers already sliced as arrow-js
// does; `offset` applies to the bitmaps only).
struct EncColumn {
  EncType type;
  std::string prefix;  // {"name": or ,"name":
  int64_t offset = 0;
  const uint8_t* validity = nullptr;  // null: no nulls
  const void* values = nullptr;  // int32/int64/double, bool bitmap, or dictionary keys
  const int32_t* offsets = nullptr;  // utf8 (or the dictionary's)
  const uint8_t* data = nullptr;
  int64_t dictLength = 0;
};

// JavaScript's Number.prototype.toString() of a finite double.
void appendNumber(std::string& out, double x);

// False when a utf8 value is not valid UTF-8 (Buffer.toString would replace bytes: left to JS).
bool checkUtf8(const std::vector<EncColumn>& cols, int64_t rows);

// Appends row i as one JSON object.
void encodeRow(const std::vector<EncColumn>& cols, int64_t i, std::string& out);

}  // namespace sabot_kafka
