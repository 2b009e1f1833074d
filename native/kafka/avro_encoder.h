// The native `avro` encoder: rows of Arrow columns into Avro binary records byte for byte as
// AvroEncoder (runtime/formats/avro.ts, avsc) writes them: fields in column order, each a
// ["null", T] union (index 0 for null, 1 then the value), zigzag varints for int and long, doubles
// little-endian, strings as a length and their UTF-8 bytes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "json_encoder.h"

namespace sabot_kafka {

// False when a long is beyond ±(2^53-2), which avsc refuses (the caller lets AvroEncoder say so).
bool checkAvroLongs(const std::vector<EncColumn>& cols, int64_t rows);

// Appends row i as one Avro record.
void encodeAvroRow(const std::vector<EncColumn>& cols, int64_t i, std::string& out);

}  // namespace sabot_kafka
