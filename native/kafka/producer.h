// A librdkafka producer that takes a whole record batch per call: rows encoded to JSON in C++ and
// queued with one produce_batch call per chunk (json, or avro single-object encoded), on a worker thread (one JavaScript call per batch instead of per row).
// At-least-once only: exactly-once sinks stay on the binding's transactional producer.
#pragma once
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "consumer.h"
#include "avro_encoder.h"
#include "json_encoder.h"

namespace sabot_kafka {

class Producer {
 public:
  // Throws std::runtime_error naming a property librdkafka refused (never its value).
  // avro: rows (and keys) written as AvroEncoder does instead of JsonEncoder; each row's value
  // starts with valuePrefix (the single-object marker and schema fingerprint; keys stay plain).
  Producer(const std::vector<std::pair<std::string, std::string>>& conf, const std::string& topic, bool avro = false,
           std::string valuePrefix = "");
  ~Producer();

  // Encodes rows [0, rows) and queues them (keys from keyCols when not empty); waits for room when
  // librdkafka's queue is full. Returns an error text, empty on success.
  std::string send(const std::vector<EncColumn>& cols, const std::vector<EncColumn>& keyCols, int64_t rows);
  // Queues ready messages [offsets[i], offsets[i+1]) of data (keys likewise when keyData is set).
  std::string sendEncoded(const uint8_t* data, const int32_t* offsets, const uint8_t* keyData, const int32_t* keyOffsets,
                          int64_t rows);
  // Waits until everything queued is delivered (or timeoutMs); returns the first delivery error.
  std::string flush(int timeoutMs, bool& timedOut);
  void close();
  bool avro() const { return avro_; }
  void delivered(const rd_kafka_message_t* m);
  OAuthToken token;  // SASL OAUTHBEARER's token source, when the connection uses it
  LogBuffer logs;  // librdkafka's lines, handed over by each call

 private:
  std::string produce(const void* value, size_t valueLen, const void* key, size_t keyLen);
  std::string produceChunk();
  void encode(const std::vector<EncColumn>& cols, int64_t i, std::string& out) const;

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* topic_ = nullptr;
  bool avro_ = false;
  std::string valuePrefix_;
  std::mutex mutex_;  // guards firstError_ (set by delivery reports)
  std::string firstError_;
  std::string value_, key_;  // a chunk's encoded values and keys
  std::vector<size_t> valueEnds_, keyEnds_;
  std::vector<rd_kafka_message_t> batch_;
};

}  // namespace sabot_kafka
