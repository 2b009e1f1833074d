#include "consumer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace sabot_kafka {
namespace {

constexpr size_t kBatchTake = 4096;
constexpr size_t kReserveRows = 8192;

}  // namespace

Consumer::Consumer(const std::vector<std::pair<std::string, std::string>>& conf, std::string topic,
                   std::vector<ColumnSpec> columns, int64_t maxRecordBytes, std::string avroFingerprint,
                   std::string avroPrefix)
    : topic_(std::move(topic)),
      decoder_(columns),
      avroFingerprint_(std::move(avroFingerprint)),
      maxRecordBytes_(maxRecordBytes) {
  if (!avroFingerprint_.empty()) avro_ = std::make_unique<AvroDecoder>(std::move(columns), std::move(avroPrefix));
  rk_ = newClient(RD_KAFKA_CONSUMER, conf, this, nullptr);
  rd_kafka_poll_set_consumer(rk_);
  queue_ = rd_kafka_queue_get_consumer(rk_);
}

Consumer::~Consumer() { close(); }

std::string Consumer::assign(const std::vector<std::pair<int32_t, int64_t>>& at) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(at.size()));
  assigned_.clear();
  for (const auto& [p, offset] : at) {
    rd_kafka_topic_partition_list_add(list, topic_.c_str(), p)->offset = offset;
    assigned_.push_back(p);
  }
  rd_kafka_resp_err_t e = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  return e ? rd_kafka_err2str(e) : "";
}

void Consumer::reject(rd_kafka_message_t* m, PartitionBatch& part) {
  Rejected r;
  r.offset = m->offset;
  r.row = part.columns.empty() ? 0 : part.columns[0].rows;
  r.timestamp = rd_kafka_message_timestamp(m, nullptr);
  if (m->key) {
    r.hasKey = true;
    r.key.assign(static_cast<const char*>(m->key), m->key_len);
  }
  if (m->payload) {
    r.hasValue = true;
    r.value.assign(static_cast<const char*>(m->payload), m->len);
  }
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
      r.headers.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : std::string());
  }
  part.rejected.push_back(std::move(r));
}

bool Consumer::decode(rd_kafka_message_t* m, std::vector<ColumnBuffers>& out) {
  const auto* data = static_cast<const uint8_t*>(m->payload);
  if (!avro_) return decoder_.add(data, m->len, out);
  // Another writer schema's fingerprint (or several) is the reference's schema-mismatch verdict.
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const void* value;
    size_t size;
    if (rd_kafka_header_get(hdrs, 1, "sabot.avro.schema", &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR) return false;
    if (rd_kafka_header_get(hdrs, 0, "sabot.avro.schema", &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        (!value || size != avroFingerprint_.size() || std::memcmp(value, avroFingerprint_.data(), size) != 0))
      return false;
  }
  return avro_->add(data, m->len, out);
}

void Consumer::take(rd_kafka_message_t* m, PollResult& out, std::unordered_map<int32_t, size_t>& index) {
  if (m->err) {
    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) out.errors.push_back(rd_kafka_message_errstr(m));
    return;
  }
  auto it = index.find(m->partition);
  if (it == index.end()) {
    it = index.emplace(m->partition, out.parts.size()).first;
    out.parts.emplace_back();
    out.parts.back().partition = m->partition;
    out.parts.back().columns.resize(decoder_.columns().size());
    // Room for a typical poll's rows up front: growing by copies showed in the profile.
    for (ColumnBuffers& c : out.parts.back().columns) {
      c.values.reserve(kReserveRows * 8);
      c.offsets.reserve(kReserveRows + 1);
    }
  }
  PartitionBatch& part = out.parts[it->second];
  part.lastOffset = m->offset;
  out.messages++;
  out.bytes += static_cast<int64_t>(m->len + m->key_len);
  bool fits = static_cast<int64_t>(m->len + m->key_len) <= maxRecordBytes_;
  if (raw || !fits || !m->payload || !decode(m, part.columns))
    reject(m, part);
}

void Consumer::poll(int64_t maxMessages, int64_t maxBytes, int timeoutMs, PollResult& out) {
  std::unordered_map<int32_t, size_t> index;
  rd_kafka_message_t* first = rd_kafka_consumer_poll(rk_, timeoutMs);
  if (first) {
    take(first, out, index);
    rd_kafka_message_destroy(first);
    std::vector<rd_kafka_message_t*> batch(kBatchTake);
    while (out.messages < maxMessages && out.bytes < maxBytes) {
      size_t want = static_cast<size_t>(std::min<int64_t>(kBatchTake, maxMessages - out.messages));
      ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, batch.data(), want);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; i++) {
        take(batch[static_cast<size_t>(i)], out, index);
        rd_kafka_message_destroy(batch[static_cast<size_t>(i)]);
      }
    }
  }
  // Positions move past control records and aborted transactions, which never arrive as messages.
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(assigned_.size()));
  for (int32_t p : assigned_) rd_kafka_topic_partition_list_add(list, topic_.c_str(), p);
  if (rd_kafka_position(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR)
    for (int i = 0; i < list->cnt; i++) out.positions.emplace_back(list->elems[i].partition, list->elems[i].offset);
  rd_kafka_topic_partition_list_destroy(list);
  out.logs = logs.take();
}

void Consumer::close() {
  if (closed_) return;
  closed_ = true;
  if (queue_) rd_kafka_queue_destroy(queue_);
  if (rk_) {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
  queue_ = nullptr;
  rk_ = nullptr;
}

}  // namespace sabot_kafka
