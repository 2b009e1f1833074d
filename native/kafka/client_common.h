// What the native consumer and producer share: making a librdkafka client from name/value
// properties, and the log lines librdkafka's threads hand over until the next JavaScript call.
#pragma once
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <ctime>
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

// SASL OAUTHBEARER without a JavaScript callback: the token is a fixed value (from a variable) or
// the contents of a file, read again at every refresh (a sidecar's renewals are followed). The two
// pseudo-properties sabot.oauthbearer.token and sabot.oauthbearer.token.file carry them.
struct OAuthToken {
  std::string value, file;

  bool take(const std::string& name, const std::string& v) {
    if (name == "sabot.oauthbearer.token") value = v;
    else if (name == "sabot.oauthbearer.token.file") file = v;
    else return false;
    return true;
  }
  bool enabled() const { return !value.empty() || !file.empty(); }

  // Sets the token now (librdkafka refreshes at 80 % of its lifetime: 10 minutes, as the binding's path).
  void refresh(rd_kafka_t* rk) const {
    std::string token = value;
    char err[512];
    if (!file.empty()) {
      std::FILE* f = std::fopen(file.c_str(), "rb");
      if (!f) {
        rd_kafka_oauthbearer_set_token_failure(rk, ("cannot read the token file " + file).c_str());
        return;
      }
      char buf[4096];
      size_t n;
      token.clear();
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) token.append(buf, n);
      std::fclose(f);
      size_t a = token.find_first_not_of(" \t\r\n"), b = token.find_last_not_of(" \t\r\n");
      token = a == std::string::npos ? "" : token.substr(a, b - a + 1);
    }
    int64_t lifetime = static_cast<int64_t>(std::time(nullptr)) * 1000 + 10 * 60 * 1000;
    if (rd_kafka_oauthbearer_set_token(rk, token.c_str(), lifetime, "", nullptr, 0, err, sizeof err))
      rd_kafka_oauthbearer_set_token_failure(rk, err);
  }
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
    if (opaque->token.take(name, value)) continue;
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
  if (opaque->token.enabled())
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(c, [](rd_kafka_t* rk, const char*, void* self) {
      static_cast<Owner*>(self)->token.refresh(rk);
    });
  if (setup) setup(c);
  rd_kafka_t* rk = rd_kafka_new(type, c, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(c);
    throw std::runtime_error(std::string("librdkafka client: ") + err);
  }
  // The first token before the first connection (later ones come through the refresh callback).
  if (opaque->token.enabled()) opaque->token.refresh(rk);
  return rk;
}

}  // namespace sabot_kafka
