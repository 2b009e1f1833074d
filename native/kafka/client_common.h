// What the native consumer and producer share: making a librdkafka client from name/value
// properties, and the log lines librdkafka's threads hand over until the next JavaScript call.
#pragma once
#include <librdkafka/rdkafka.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sabot_kafka {

struct LogLine {
  int level;
  std::string facility, message;
};

// Bounded: a flood of lines between two calls keeps the first ones.
class LogBuffer {
 public:
  void push(int level, const char* fac, const char* buf) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (lines_.size() < 1000) lines_.push_back({level, fac ? fac : "", buf ? buf : ""});
  }
  std::vector<LogLine> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<LogLine> out;
    out.swap(lines_);
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<LogLine> lines_;
};

// A client of `type` with the properties set, `opaque` as its opaque (whose log() the log callback
// calls) and `setup` adding callbacks. Throws std::runtime_error naming a refused property (never
// its value: it may be a secret).
template <typename Owner>
rd_kafka_t* newClient(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& conf, Owner* opaque,
                      void (*setup)(rd_kafka_conf_t*)) {
  char err[512];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  for (const auto& [name, value] : conf) {
    if (rd_kafka_conf_set(c, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(c);
      throw std::runtime_error("librdkafka property \"" + name + "\": " + err);
    }
  }
  rd_kafka_conf_set_opaque(c, opaque);
  rd_kafka_conf_set_log_cb(c, [](const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
    auto* self = static_cast<Owner*>(rd_kafka_opaque(rk));
    if (self) self->logs.push(level, fac, buf);
  });
  if (setup) setup(c);
  rd_kafka_t* rk = rd_kafka_new(type, c, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(c);
    throw std::runtime_error(std::string("librdkafka client: ") + err);
  }
  return rk;
}

}  // namespace sabot_kafka
