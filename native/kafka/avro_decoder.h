// The native `avro` decoder: one Avro record per message, single-object encoded (C3 01, the schema's
// 8-byte fingerprint, the binary record: the prefix must be this schema's) or plain binary, of the record schema
// runtime/formats/avro.ts derives from the source's columns (every field a ["null", T] union, T one
// of int, long, double, boolean, string, or long with logicalType timestamp-millis), into the columns
// of a decode plan. Like the json decoder it adds a row only when it is sure avro.ts (the reference,
// on avsc) would add the same row; every other message (truncated or trailing bytes, a union index
// other than 0 or 1, a null in a non-nullable column, an int beyond int32, a long beyond ±2^52 (avsc's
// double arithmetic may round it, or refuses it), a boolean byte other than 0 or 1, invalid UTF-8, which avsc replaces with U+FFFD, and
// non-minimal varints) goes back to TypeScript, where the reference gives the verdict.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "columns.h"

namespace sabot_kafka {

class AvroDecoder {
 public:
  // prefix: the single-object marker and fingerprint of this schema (runtime/formats/avro.ts
  // avroSingleObjectPrefix); a single-object message with another (or without one given) is left to the reference.
  explicit AvroDecoder(std::vector<ColumnSpec> columns, std::string prefix = "");

  // Appends the message's row to `out` and returns true, or returns false and leaves `out` as it was.
  bool add(const uint8_t* data, size_t length, std::vector<ColumnBuffers>& out);

 private:
  struct Cell {
    bool valid = false;
    int64_t i = 0;
    double d = 0;
    const uint8_t* s = nullptr;
    uint32_t len = 0;
  };

  const uint8_t* field(size_t c, const uint8_t* p, const uint8_t* end);
  void commit(std::vector<ColumnBuffers>& out);

  std::vector<ColumnSpec> columns_;
  std::string prefix_;
  std::vector<Cell> cells_;
  // A column named __proto__: avsc's record object sets its prototype instead of a field, so every
  // message is left to the reference.
  bool protoColumn_ = false;
};

}  // namespace sabot_kafka
