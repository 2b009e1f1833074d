// The native `json` decoder: one JSON object per message into the columns of a decode plan, with
// the semantics of runtime/formats/json.ts (the reference). It adds a row only when it is sure the
// reference would add the same row; every other message (invalid UTF-8 or JSON, a wrong type, a
// missing non-nullable field, and the rare cases it does not decide itself: duplicate keys,
// unpaired surrogate escapes, numbers beyond double range, time strings other than strict ISO-8601
// with a zone) is returned to TypeScript, where the reference decoder gives the verdict and the
// dead-letter detail. So the two can only differ in the values of rows both accept.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "columns.h"

namespace sabot_kafka {

class JsonDecoder {
 public:
  explicit JsonDecoder(std::vector<ColumnSpec> columns);

  // Appends the message's row to `out` (one buffer set per column) and returns true, or returns
  // false and leaves `out` as it was.
  bool add(const uint8_t* data, size_t length, std::vector<ColumnBuffers>& out);

  const std::vector<ColumnSpec>& columns() const { return columns_; }

 private:
  struct Cell {
    enum Kind : uint8_t { Missing, Null, Value } kind = Missing;
    double d = 0;
    int64_t i = 0;
    uint32_t off = 0, len = 0;  // utf8: a range of scratch_
  };

  bool parseObject(const char* p, const char* end);
  const char* parseCell(size_t c, const char* p, const char* end);
  const char* stringCell(size_t c, const char* p, const char* end);
  int column(const char* key, size_t length);
  void commit(std::vector<ColumnBuffers>& out);

  std::vector<ColumnSpec> columns_;
  std::vector<Cell> cells_;
  std::string scratch_;  // unescaped strings of the current message
  std::string text_;  // one unescaped key or non-utf8 string value
  size_t next_ = 0;  // the column expected after the last key found
};

// Epoch milliseconds of a strict ISO-8601 time ("YYYY-MM-DD", or "YYYY-MM-DDTHH:MM:SS[.sss]"
// with "Z" or "+HH:MM"), as Date.parse gives it; false for anything else (left to Date.parse).
bool isoMillis(const char* s, size_t n, int64_t& out);

}  // namespace sabot_kafka
