// A librdkafka consumer that decodes what it fetches straight into Arrow column buffers, one set
// per partition, on a worker thread: no JavaScript object per message. Partitions are assigned
// at offsets (no consumer group membership); offsets are the source's (checkpoints), not commits.
#pragma once
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "avro_decoder.h"
#include "client_common.h"
#include "json_decoder.h"

namespace sabot_kafka {

// A message the decoder left to the reference decoder (or an oversized or null one), with what the
// dead-letter topic needs.
struct Rejected {
  int64_t offset = 0;
  int64_t row = 0;  // rows of this partition's batch before it
  int64_t timestamp = -1;
  bool hasKey = false, hasValue = false;
  std::string key, value;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct PartitionBatch {
  int32_t partition = 0;
  int64_t lastOffset = -1;
  std::vector<ColumnBuffers> columns;
  std::vector<Rejected> rejected;
};

struct PollResult {
  std::vector<PartitionBatch> parts;
  std::vector<std::pair<int32_t, int64_t>> positions;
  std::vector<LogLine> logs;
  std::vector<std::string> errors;
  int64_t messages = 0, bytes = 0;
};

class Consumer {
 public:
  // Throws std::runtime_error naming a property librdkafka refused (never its value: it may be a secret).
  Consumer(const std::vector<std::pair<std::string, std::string>>& conf, std::string topic,
           std::vector<ColumnSpec> columns, int64_t maxRecordBytes, std::string avroFingerprint = "",
           std::string avroPrefix = "");
  ~Consumer();

  // Replaces the assignment: partitions at their start offsets.
  std::string assign(const std::vector<std::pair<int32_t, int64_t>>& at);
  // Waits up to timeoutMs for a first message, then takes what is already fetched, up to the limits.
  void poll(int64_t maxMessages, int64_t maxBytes, int timeoutMs, PollResult& out);
  void close();
  OAuthToken token;  // SASL OAUTHBEARER's token source, when the connection uses it
  LogBuffer logs;  // librdkafka's lines, handed over by poll
  // format arrow: no decoding here; every message goes back whole (as a Rejected) for arrow-js,
  // since one message holds a whole IPC stream of many rows, so per-message objects cost little.
  bool raw = false;

 private:
  void take(rd_kafka_message_t* m, PollResult& out, std::unordered_map<int32_t, size_t>& index);
  void reject(rd_kafka_message_t* m, PartitionBatch& part);
  bool decode(rd_kafka_message_t* m, std::vector<ColumnBuffers>& out);

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  std::string topic_;
  JsonDecoder decoder_;
  // format avro: the decoder (with the single-object prefix), and the schema fingerprint of
  // runtime/formats/avro.ts whose legacy `sabot.avro.schema` header a message must carry, if it carries one at all.
  std::unique_ptr<AvroDecoder> avro_;
  std::string avroFingerprint_;
  int64_t maxRecordBytes_;
  std::vector<int32_t> assigned_;
  bool closed_ = false;
};

}  // namespace sabot_kafka
