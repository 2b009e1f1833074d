#include "producer.h"

#include <algorithm>
#include <stdexcept>

namespace sabot_kafka {
namespace {

void deliveryCallback(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  static_cast<Producer*>(opaque)->delivered(m);
}

// Rows encoded and queued per produce_batch call.
constexpr int64_t kChunkRows = 4096;
// Below queue.buffering.max.messages (1,000,000: rdkafkaProducerConf): a chunk always fits when queued.
constexpr int kQueueRoom = 900000;

}  // namespace

Producer::Producer(const std::vector<std::pair<std::string, std::string>>& conf, const std::string& topic, bool avro,
                   std::string valuePrefix)
    : avro_(avro), valuePrefix_(std::move(valuePrefix)) {
  rk_ = newClient(RD_KAFKA_PRODUCER, conf, this, [](rd_kafka_conf_t* c) { rd_kafka_conf_set_dr_msg_cb(c, deliveryCallback); });
  topic_ = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
}

Producer::~Producer() { close(); }

void Producer::delivered(const rd_kafka_message_t* m) {
  if (!m->err) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (firstError_.empty()) firstError_ = rd_kafka_err2str(m->err);
}

// Queues one message; waits (serving deliveries) while librdkafka's queue is full.
std::string Producer::produce(const void* value, size_t valueLen, const void* key, size_t keyLen) {
  for (;;) {
    if (rd_kafka_produce(topic_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<void*>(value), valueLen, key,
                         keyLen, nullptr) == 0)
      return "";
    rd_kafka_resp_err_t e = rd_kafka_last_error();
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return rd_kafka_err2str(e);
    rd_kafka_poll(rk_, 100);
  }
}

std::string Producer::send(const std::vector<EncColumn>& cols, const std::vector<EncColumn>& keyCols, int64_t rows) {
  for (int64_t from = 0; from < rows; from += kChunkRows) {
    int64_t to = std::min<int64_t>(rows, from + kChunkRows);
    value_.clear();
    key_.clear();
    valueEnds_.clear();
    keyEnds_.clear();
    for (int64_t i = from; i < to; i++) {
      value_ += valuePrefix_;
      encode(cols, i, value_);
      valueEnds_.push_back(value_.size());
      if (keyCols.empty()) continue;
      encode(keyCols, i, key_);
      keyEnds_.push_back(key_.size());
    }
    std::string err = produceChunk();
    if (!err.empty()) return err;
  }
  rd_kafka_poll(rk_, 0);
  std::lock_guard<std::mutex> lock(mutex_);
  return firstError_;
}

void Producer::encode(const std::vector<EncColumn>& cols, int64_t i, std::string& out) const {
  if (avro_) encodeAvroRow(cols, i, out);
  else encodeRow(cols, i, out);
}

// Queues the encoded chunk (value_, key_ cut at valueEnds_, keyEnds_) with one produce_batch call:
// one pass through librdkafka's topic lock instead of one per row. Room is made first, so the queue
// does not refuse a message in the middle (which would reorder its retry).
std::string Producer::produceChunk() {
  size_t n = valueEnds_.size();
  while (rd_kafka_outq_len(rk_) + static_cast<int>(n) > kQueueRoom) rd_kafka_poll(rk_, 100);
  batch_.assign(n, rd_kafka_message_t{});
  for (size_t i = 0, v = 0, k = 0; i < n; i++) {
    batch_[i].payload = value_.data() + v;
    batch_[i].len = valueEnds_[i] - v;
    v = valueEnds_[i];
    if (keyEnds_.empty()) continue;
    batch_[i].key = key_.data() + k;
    batch_[i].key_len = keyEnds_[i] - k;
    k = keyEnds_[i];
  }
  int done = rd_kafka_produce_batch(topic_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, batch_.data(), static_cast<int>(n));
  if (static_cast<size_t>(done) == n) return "";
  // Refused anyway (the byte limit): the refused ones one by one, in order.
  for (size_t i = 0; i < n; i++) {
    if (!batch_[i].err) continue;
    std::string err = produce(batch_[i].payload, batch_[i].len, batch_[i].key, batch_[i].key_len);
    if (!err.empty()) return err;
  }
  return "";
}

std::string Producer::sendEncoded(const uint8_t* data, const int32_t* offsets, const uint8_t* keyData,
                                  const int32_t* keyOffsets, int64_t rows) {
  for (int64_t i = 0; i < rows; i++) {
    const uint8_t* key = keyData ? keyData + keyOffsets[i] : nullptr;
    size_t keyLen = keyData ? static_cast<size_t>(keyOffsets[i + 1] - keyOffsets[i]) : 0;
    std::string err = produce(data + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i]), key, keyLen);
    if (!err.empty()) return err;
  }
  rd_kafka_poll(rk_, 0);
  std::lock_guard<std::mutex> lock(mutex_);
  return firstError_;
}

std::string Producer::flush(int timeoutMs, bool& timedOut) {
  timedOut = rd_kafka_flush(rk_, timeoutMs) == RD_KAFKA_RESP_ERR__TIMED_OUT;
  std::lock_guard<std::mutex> lock(mutex_);
  return firstError_;
}

void Producer::close() {
  if (topic_) rd_kafka_topic_destroy(topic_);
  topic_ = nullptr;
  if (rk_) {
    rd_kafka_flush(rk_, 30000);
    rd_kafka_destroy(rk_);
  }
  rk_ = nullptr;
}

}  // namespace sabot_kafka
