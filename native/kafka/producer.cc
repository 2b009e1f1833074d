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
                   std::vector<std::pair<std::string, std::string>> headers)
    : avro_(avro), headers_(std::move(headers)) {
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
  if (!headers_.empty()) {
    rd_kafka_message_t m{};
    m.payload = const_cast<void*>(value);
    m.len = valueLen;
    m.key = const_cast<void*>(key);
    m.key_len = keyLen;
    return produceWithHeaders(m);
  }
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

// produce_batch takes no headers: a message with headers is queued alone by producev.
std::string Producer::produceWithHeaders(const rd_kafka_message_t& m) {
  for (;;) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers_.size());
    for (const auto& [name, value] : headers_)
      rd_kafka_header_add(hdrs, name.c_str(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk_, RD_KAFKA_V_RKT(topic_), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(m.payload, m.len),
        RD_KAFKA_V_KEY(m.key, m.key_len), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (!e) return "";
    rd_kafka_headers_destroy(hdrs);  // kept by librdkafka only when producev succeeds
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return rd_kafka_err2str(e);
    rd_kafka_poll(rk_, 100);
  }
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
  if (!headers_.empty()) {
    for (const rd_kafka_message_t& m : batch_) {
      std::string err = produceWithHeaders(m);
      if (!err.empty()) return err;
    }
    return "";
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
