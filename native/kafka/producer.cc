#include "producer.h"

#include <stdexcept>

namespace sabot_kafka {
namespace {

void deliveryCallback(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  static_cast<Producer*>(opaque)->delivered(m);
}

}  // namespace

Producer::Producer(const std::vector<std::pair<std::string, std::string>>& conf, const std::string& topic) {
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
  for (int64_t i = 0; i < rows; i++) {
    value_.clear();
    encodeRow(cols, i, value_);
    if (!keyCols.empty()) {
      key_.clear();
      encodeRow(keyCols, i, key_);
    }
    std::string err = keyCols.empty() ? produce(value_.data(), value_.size(), nullptr, 0)
                                      : produce(value_.data(), value_.size(), key_.data(), key_.size());
    if (!err.empty()) return err;
  }
  rd_kafka_poll(rk_, 0);
  std::lock_guard<std::mutex> lock(mutex_);
  return firstError_;
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
