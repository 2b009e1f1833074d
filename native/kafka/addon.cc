// sabot_kafka.node: the native Kafka consumer and JSON decoder for runtime/connectors/kafka/native-*.ts.
// Column buffers cross to JavaScript as external ArrayBuffers (no copy); polls and closes run on
// libuv's thread pool, never on the event loop.
#include <node_api.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "consumer.h"
#include "producer.h"

namespace sabot_kafka {
namespace {

// Bumped whenever a function's arguments or results change (native-addon.ts checks it).
constexpr int32_t kAbi = 6;

napi_value fail(napi_env env, const std::string& message) {
  napi_throw_error(env, "SABOT_KAFKA", message.c_str());
  return nullptr;
}

bool str(napi_env env, napi_value v, std::string& out) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &n) != napi_ok) return false;
  out.resize(n);
  return napi_get_value_string_utf8(env, v, out.data(), n + 1, &n) == napi_ok;
}

napi_value prop(napi_env env, napi_value o, const char* name) {
  napi_value v = nullptr;
  napi_get_named_property(env, o, name, &v);
  return v;
}

bool element(napi_env env, napi_value arr, uint32_t i, napi_value& out) {
  return napi_get_element(env, arr, i, &out) == napi_ok;
}

uint32_t length(napi_env env, napi_value arr) {
  uint32_t n = 0;
  napi_get_array_length(env, arr, &n);
  return n;
}

int64_t int64(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}

// A boolean property; false when absent or not a boolean.
bool flag(napi_env env, napi_value v) {
  bool b = false;
  return v && napi_get_value_bool(env, v, &b) == napi_ok && b;
}

// A flat array of librdkafka properties: name, value, name, value...
bool confArg(napi_env env, napi_value arr, std::vector<std::pair<std::string, std::string>>& out) {
  uint32_t n = length(env, arr);
  for (uint32_t i = 0; i + 1 < n; i += 2) {
    napi_value k, v;
    std::string ks, vs;
    if (!element(env, arr, i, k) || !element(env, arr, i + 1, v) || !str(env, k, ks) || !str(env, v, vs)) return false;
    out.emplace_back(std::move(ks), std::move(vs));
  }
  return true;
}

// A handle JavaScript holds; the object is deleted when the handle is collected.
template <typename T>
napi_value external(napi_env env, std::unique_ptr<T> h) {
  napi_value out;
  napi_create_external(env, h.release(), [](napi_env, void* d, void*) { delete static_cast<T*>(d); }, nullptr, &out);
  return out;
}

// A decode plan {names: string[], types: number[], nullable: boolean[], inherited: boolean[]}.
bool plan(napi_env env, napi_value o, std::vector<ColumnSpec>& out) {
  napi_value names = prop(env, o, "names"), types = prop(env, o, "types");
  napi_value nullable = prop(env, o, "nullable"), inherited = prop(env, o, "inherited");
  uint32_t n = length(env, names);
  for (uint32_t i = 0; i < n; i++) {
    napi_value name, type, nul, inh;
    ColumnSpec c;
    bool a = false, b = false;
    if (!element(env, names, i, name) || !str(env, name, c.name) || !element(env, types, i, type) ||
        !element(env, nullable, i, nul) || !element(env, inherited, i, inh) ||
        napi_get_value_bool(env, nul, &a) != napi_ok || napi_get_value_bool(env, inh, &b) != napi_ok)
      return false;
    int64_t t = int64(env, type);
    if (t < 0 || t > 5) return false;
    c.type = static_cast<ColType>(t);
    c.nullable = a;
    c.inherited = b;
    out.push_back(std::move(c));
  }
  return true;
}

// A vector's memory as an ArrayBuffer that frees it when collected (copied where Node refuses
// external buffers).
template <typename T>
napi_value arrayBuffer(napi_env env, std::vector<T>&& v) {
  napi_value ab;
  size_t bytes = v.size() * sizeof(T);
  if (bytes == 0) {
    void* d;
    napi_create_arraybuffer(env, 0, &d, &ab);
    return ab;
  }
  // A poll reserves room for thousands of rows; a small one gives the rest back before JavaScript holds it.
  if (v.capacity() > 2 * v.size() + 4096 / sizeof(T)) v.shrink_to_fit();
  auto* owned = new std::vector<T>(std::move(v));
  napi_status s = napi_create_external_arraybuffer(
      env, owned->data(), bytes, [](napi_env, void*, void* hint) { delete static_cast<std::vector<T>*>(hint); }, owned,
      &ab);
  if (s == napi_ok) return ab;
  void* d;
  napi_create_arraybuffer(env, bytes, &d, &ab);
  std::memcpy(d, owned->data(), bytes);
  delete owned;
  return ab;
}

napi_value num(napi_env env, double x) {
  napi_value r;
  napi_create_double(env, x, &r);
  return r;
}

napi_value text(napi_env env, const std::string& s) {
  napi_value r;
  napi_create_string_utf8(env, s.data(), s.size(), &r);
  return r;
}

napi_value bytes(napi_env env, const std::string& s) {
  napi_value r;
  void* d;
  napi_create_buffer_copy(env, s.size(), s.data(), &d, &r);
  return r;
}

// A string's bytes as a Buffer that frees them when collected: no copy (arrow messages are large);
// copied where Node refuses external buffers.
napi_value ownedBytes(napi_env env, std::string&& s) {
  if (s.empty()) return bytes(env, s);
  auto* owned = new std::string(std::move(s));
  napi_value r;
  if (napi_create_external_buffer(
          env, owned->size(), owned->data(), [](napi_env, void*, void* hint) { delete static_cast<std::string*>(hint); },
          owned, &r) == napi_ok)
    return r;
  r = bytes(env, *owned);
  delete owned;
  return r;
}

napi_value nul(napi_env env) {
  napi_value r;
  napi_get_null(env, &r);
  return r;
}

void set(napi_env env, napi_value o, const char* name, napi_value v) { napi_set_named_property(env, o, name, v); }

// Column buffers as {values, offsets, validity, nullCount} with bitmaps sized to the rows.
napi_value columnsValue(napi_env env, std::vector<ColumnBuffers>& cols, const std::vector<ColumnSpec>& spec) {
  napi_value arr;
  napi_create_array_with_length(env, cols.size(), &arr);
  for (size_t c = 0; c < cols.size(); c++) {
    ColumnBuffers& b = cols[c];
    size_t bitmapBytes = static_cast<size_t>((b.rows + 7) / 8);
    napi_value o;
    napi_create_object(env, &o);
    if (spec[c].type == ColType::Bool) b.values.resize(bitmapBytes, 0);
    if (spec[c].type == ColType::Utf8) {
      if (b.offsets.empty()) b.offsets.push_back(0);
      set(env, o, "offsets", arrayBuffer(env, std::move(b.offsets)));
    }
    set(env, o, "values", arrayBuffer(env, std::move(b.values)));
    if (b.nullCount > 0) {
      b.validity.resize(bitmapBytes, 0);
      set(env, o, "validity", arrayBuffer(env, std::move(b.validity)));
    }
    set(env, o, "nullCount", num(env, static_cast<double>(b.nullCount)));
    napi_set_element(env, arr, static_cast<uint32_t>(c), o);
  }
  return arr;
}

napi_value rejectedValue(napi_env env, Rejected& r) {
  napi_value o, headers;
  napi_create_object(env, &o);
  set(env, o, "offset", num(env, static_cast<double>(r.offset)));
  set(env, o, "row", num(env, static_cast<double>(r.row)));
  set(env, o, "timestamp", num(env, static_cast<double>(r.timestamp)));
  set(env, o, "key", r.hasKey ? bytes(env, r.key) : nul(env));
  set(env, o, "value", r.hasValue ? ownedBytes(env, std::move(r.value)) : nul(env));
  napi_create_array_with_length(env, r.headers.size(), &headers);
  for (size_t i = 0; i < r.headers.size(); i++) {
    napi_value pair;
    napi_create_array_with_length(env, 2, &pair);
    napi_set_element(env, pair, 0, text(env, r.headers[i].first));
    napi_set_element(env, pair, 1, bytes(env, r.headers[i].second));
    napi_set_element(env, headers, static_cast<uint32_t>(i), pair);
  }
  set(env, o, "headers", headers);
  return o;
}

napi_value logsValue(napi_env env, const std::vector<LogLine>& logs) {
  napi_value arr;
  napi_create_array_with_length(env, logs.size(), &arr);
  for (size_t i = 0; i < logs.size(); i++) {
    napi_value l;
    napi_create_object(env, &l);
    set(env, l, "level", num(env, logs[i].level));
    set(env, l, "facility", text(env, logs[i].facility));
    set(env, l, "message", text(env, logs[i].message));
    napi_set_element(env, arr, static_cast<uint32_t>(i), l);
  }
  return arr;
}

struct Handle {
  std::unique_ptr<Consumer> consumer;
  std::vector<ColumnSpec> spec;
  std::string avroFingerprint;  // format avro (the legacy header's); empty for json
  std::string avroPrefix;  // format avro: the single-object marker and schema fingerprint
  bool busy = false;
};

struct PollWork {
  Handle* handle;
  int64_t maxMessages, maxBytes;
  int timeoutMs;
  bool close = false;
  PollResult result;
  napi_deferred deferred;
  napi_async_work work;
  napi_ref keep;  // the handle's external, alive while the work runs
};

napi_value pollValue(napi_env env, PollWork& w) {
  napi_value o, parts, positions, logs, errors;
  napi_create_object(env, &o);
  PollResult& r = w.result;
  napi_create_array_with_length(env, r.parts.size(), &parts);
  for (size_t i = 0; i < r.parts.size(); i++) {
    PartitionBatch& p = r.parts[i];
    napi_value po, rej;
    napi_create_object(env, &po);
    set(env, po, "partition", num(env, p.partition));
    set(env, po, "lastOffset", num(env, static_cast<double>(p.lastOffset)));
    set(env, po, "rows", num(env, static_cast<double>(p.columns.empty() ? 0 : p.columns[0].rows)));
    set(env, po, "columns", columnsValue(env, p.columns, w.handle->spec));
    napi_create_array_with_length(env, p.rejected.size(), &rej);
    for (size_t k = 0; k < p.rejected.size(); k++)
      napi_set_element(env, rej, static_cast<uint32_t>(k), rejectedValue(env, p.rejected[k]));
    set(env, po, "rejected", rej);
    napi_set_element(env, parts, static_cast<uint32_t>(i), po);
  }
  napi_create_array_with_length(env, r.positions.size() * 2, &positions);
  for (size_t i = 0; i < r.positions.size(); i++) {
    napi_set_element(env, positions, static_cast<uint32_t>(2 * i), num(env, r.positions[i].first));
    napi_set_element(env, positions, static_cast<uint32_t>(2 * i + 1), num(env, static_cast<double>(r.positions[i].second)));
  }
  logs = logsValue(env, r.logs);
  napi_create_array_with_length(env, r.errors.size(), &errors);
  for (size_t i = 0; i < r.errors.size(); i++) napi_set_element(env, errors, static_cast<uint32_t>(i), text(env, r.errors[i]));
  set(env, o, "parts", parts);
  set(env, o, "positions", positions);
  set(env, o, "logs", logs);
  set(env, o, "errors", errors);
  set(env, o, "messages", num(env, static_cast<double>(r.messages)));
  set(env, o, "bytes", num(env, static_cast<double>(r.bytes)));
  return o;
}

Handle* handleArg(napi_env env, napi_value v) {
  void* h = nullptr;
  if (napi_get_value_external(env, v, &h) != napi_ok || !h) return nullptr;
  return static_cast<Handle*>(h);
}

// An optional Uint8Array property's bytes (absent: empty); false when it is something else.
bool bytesProp(napi_env env, napi_value o, const char* name, std::string& out) {
  napi_value v = prop(env, o, name);
  napi_valuetype t = napi_undefined;
  if (v) napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) return true;
  napi_typedarray_type type;
  size_t n, off;
  void* d;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &n, &d, &ab, &off) != napi_ok || type != napi_uint8_array) return false;
  out.assign(static_cast<const char*>(d), n);
  return true;
}

// consumerNew(conf: string[] (name, value, ...), topic, plan, maxRecordBytes) -> handle
napi_value ConsumerNew(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  std::vector<std::pair<std::string, std::string>> conf;
  if (!confArg(env, a[0], conf)) return fail(env, "consumerNew: conf must be a flat array of name, value strings");
  std::string topic;
  auto h = std::make_unique<Handle>();
  if (!str(env, a[1], topic) || !plan(env, a[2], h->spec)) return fail(env, "consumerNew: bad topic or plan");
  napi_value fp = prop(env, a[2], "avroFingerprint");
  napi_valuetype fpType = napi_undefined;
  if (fp) napi_typeof(env, fp, &fpType);
  if (fpType == napi_string && !str(env, fp, h->avroFingerprint)) return fail(env, "consumerNew: bad avroFingerprint");
  if (!bytesProp(env, a[2], "avroPrefix", h->avroPrefix)) return fail(env, "consumerNew: avroPrefix must be a Uint8Array");
  try {
    h->consumer =
        std::make_unique<Consumer>(conf, topic, h->spec, int64(env, a[3]), h->avroFingerprint, h->avroPrefix);
    h->consumer->raw = flag(env, prop(env, a[2], "raw"));
  } catch (const std::exception& e) {
    return fail(env, e.what());
  }
  return external(env, std::move(h));
}

// consumerAssign(handle, [partition, offset, ...])
napi_value ConsumerAssign(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  Handle* h = handleArg(env, a[0]);
  if (!h || !h->consumer || h->busy) return fail(env, "consumerAssign: consumer closed or polling");
  std::vector<std::pair<int32_t, int64_t>> at;
  uint32_t n = length(env, a[1]);
  for (uint32_t i = 0; i + 1 < n; i += 2) {
    napi_value p, o;
    element(env, a[1], i, p);
    element(env, a[1], i + 1, o);
    at.emplace_back(static_cast<int32_t>(int64(env, p)), int64(env, o));
  }
  std::string err = h->consumer->assign(at);
  if (!err.empty()) return fail(env, "assigning partitions failed: " + err);
  return nullptr;
}

void execute(napi_env, void* data) {
  auto* w = static_cast<PollWork*>(data);
  if (w->close) w->handle->consumer->close();
  else w->handle->consumer->poll(w->maxMessages, w->maxBytes, w->timeoutMs, w->result);
}

void complete(napi_env env, napi_status status, void* data) {
  auto* w = static_cast<PollWork*>(data);
  w->handle->busy = false;
  if (w->close) w->handle->consumer.reset();
  if (status != napi_ok) {
    napi_value e, m;
    napi_create_string_utf8(env, "native kafka poll was cancelled", NAPI_AUTO_LENGTH, &m);
    napi_create_error(env, nullptr, m, &e);
    napi_reject_deferred(env, w->deferred, e);
  } else {
    napi_resolve_deferred(env, w->deferred, w->close ? nul(env) : pollValue(env, *w));
  }
  napi_delete_async_work(env, w->work);
  napi_delete_reference(env, w->keep);
  delete w;
}

napi_value queueWork(napi_env env, napi_value handle, Handle* h, PollWork* w) {
  napi_value promise, name;
  w->handle = h;
  h->busy = true;
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_reference(env, handle, 1, &w->keep);
  napi_create_string_utf8(env, "sabot_kafka", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, execute, complete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

// consumerPoll(handle, maxMessages, maxBytes, timeoutMs) -> Promise<PollResult>
napi_value ConsumerPoll(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  Handle* h = handleArg(env, a[0]);
  if (!h || !h->consumer || h->busy) return fail(env, "consumerPoll: consumer closed or already polling");
  auto* w = new PollWork();
  w->maxMessages = int64(env, a[1]);
  w->maxBytes = int64(env, a[2]);
  w->timeoutMs = static_cast<int>(int64(env, a[3]));
  return queueWork(env, a[0], h, w);
}

// consumerClose(handle) -> Promise<null>: leaves nothing assigned and frees librdkafka's threads.
napi_value ConsumerClose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  Handle* h = handleArg(env, a[0]);
  if (!h || !h->consumer || h->busy) return fail(env, "consumerClose: consumer closed or polling");
  auto* w = new PollWork();
  w->close = true;
  return queueWork(env, a[0], h, w);
}

// decodeJson / decodeAvro (plan, data: Uint8Array, offsets: Int32Array) -> {rows, columns, rejected: number[]}:
// a decoder alone, for tests against the reference and the decode benchmark (avro: with the plan's avroPrefix).
template <typename Decoder>
napi_value decodeAlone(napi_env env, napi_callback_info info, const char* name) {
  size_t argc = 3;
  napi_value a[3];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  std::vector<ColumnSpec> spec;
  if (!plan(env, a[0], spec)) return fail(env, std::string(name) + ": bad plan");
  napi_typedarray_type t1, t2;
  size_t n1, n2, o1, o2;
  void *d1, *d2;
  napi_value ab;
  if (napi_get_typedarray_info(env, a[1], &t1, &n1, &d1, &ab, &o1) != napi_ok || t1 != napi_uint8_array ||
      napi_get_typedarray_info(env, a[2], &t2, &n2, &d2, &ab, &o2) != napi_ok || t2 != napi_int32_array || n2 < 1)
    return fail(env, std::string(name) + ": data must be a Uint8Array and offsets an Int32Array");
  const auto* data = static_cast<const uint8_t*>(d1);
  const auto* off = static_cast<const int32_t*>(d2);
  std::string prefix;
  if (!bytesProp(env, a[0], "avroPrefix", prefix)) return fail(env, std::string(name) + ": avroPrefix must be a Uint8Array");
  Decoder decoder = [&] {
    if constexpr (std::is_same_v<Decoder, AvroDecoder>) return AvroDecoder(spec, prefix);
    else return Decoder(spec);
  }();
  std::vector<ColumnBuffers> cols(spec.size());
  napi_value rejected, out;
  napi_create_array(env, &rejected);
  uint32_t bad = 0;
  for (size_t i = 0; i + 1 < n2; i++) {
    if (off[i] < 0 || off[i + 1] < off[i] || static_cast<size_t>(off[i + 1]) > n1)
      return fail(env, std::string(name) + ": bad offsets");
    if (!decoder.add(data + off[i], static_cast<size_t>(off[i + 1] - off[i]), cols))
      napi_set_element(env, rejected, bad++, num(env, static_cast<double>(i)));
  }
  int64_t rows = cols.empty() ? static_cast<int64_t>(n2 - 1 - bad) : cols[0].rows;
  napi_create_object(env, &out);
  set(env, out, "rows", num(env, static_cast<double>(rows)));
  set(env, out, "columns", columnsValue(env, cols, spec));
  set(env, out, "rejected", rejected);
  return out;
}

napi_value DecodeJson(napi_env env, napi_callback_info info) { return decodeAlone<JsonDecoder>(env, info, "decodeJson"); }
napi_value DecodeAvro(napi_env env, napi_callback_info info) { return decodeAlone<AvroDecoder>(env, info, "decodeAvro"); }

// ---- producer ----

struct ProducerHandle {
  std::unique_ptr<Producer> producer;
  bool busy = false;
};

struct SendWork {
  ProducerHandle* handle;
  enum Kind { Columns, Encoded, Flush, Close } kind;
  std::vector<EncColumn> cols, keyCols;
  int64_t rows = 0;
  // Encoded: messages [offsets[i], offsets[i+1]) of data (keys likewise, when given).
  const uint8_t *data = nullptr, *keyData = nullptr;
  const int32_t *offsets = nullptr, *keyOffsets = nullptr;
  int timeoutMs = 0;
  bool timedOut = false;
  std::string error;
  std::vector<LogLine> logs;
  napi_deferred deferred;
  napi_async_work work;
  napi_ref keep, args;  // the handle, and the JS values whose buffers the work reads
};

bool typed(napi_env env, napi_value v, const void*& data, size_t* length = nullptr) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) {
    data = nullptr;
    return true;
  }
  napi_typedarray_type type;
  size_t n, off;
  void* d;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &n, &d, &ab, &off) != napi_ok) return false;
  data = d;
  if (length) *length = n;
  return true;
}

// [{type, prefix, offset, validity?, values, offsets?, data?, dictLength}] as encoder columns.
bool encColumns(napi_env env, napi_value arr, std::vector<EncColumn>& out) {
  uint32_t n = length(env, arr);
  for (uint32_t i = 0; i < n; i++) {
    napi_value o;
    EncColumn c;
    const void *validity, *values, *offsets, *data;
    if (!element(env, arr, i, o) || !str(env, prop(env, o, "prefix"), c.prefix) ||
        !typed(env, prop(env, o, "validity"), validity) || !typed(env, prop(env, o, "values"), values) ||
        !typed(env, prop(env, o, "offsets"), offsets) || !typed(env, prop(env, o, "data"), data))
      return false;
    int64_t t = int64(env, prop(env, o, "type"));
    if (t < 0 || t > 6 || t == 5 || !values) return false;
    c.type = static_cast<EncType>(t);
    c.offset = int64(env, prop(env, o, "offset"));
    c.dictLength = int64(env, prop(env, o, "dictLength"));
    c.validity = static_cast<const uint8_t*>(validity);
    c.values = values;
    c.offsets = static_cast<const int32_t*>(offsets);
    c.data = static_cast<const uint8_t*>(data);
    if ((c.type == EncType::Utf8 || c.type == EncType::DictUtf8) && (!c.offsets || !c.data)) return false;
    out.push_back(std::move(c));
  }
  return true;
}

void sendExecute(napi_env, void* data) {
  auto* w = static_cast<SendWork*>(data);
  Producer& p = *w->handle->producer;
  switch (w->kind) {
    case SendWork::Columns:
      if (!checkUtf8(w->cols, w->rows) || !checkUtf8(w->keyCols, w->rows)) w->error = "utf8";
      else if (p.avro() && (!checkAvroLongs(w->cols, w->rows) || !checkAvroLongs(w->keyCols, w->rows)))
        w->error = "range";
      else w->error = p.send(w->cols, w->keyCols, w->rows);
      break;
    case SendWork::Encoded: {
      // The JS encoder's messages: one column of ready bytes, produced as they are.
      w->error = p.sendEncoded(w->data, w->offsets, w->keyData, w->keyOffsets, w->rows);
      break;
    }
    case SendWork::Flush: w->error = p.flush(w->timeoutMs, w->timedOut); break;
    case SendWork::Close: p.close(); break;
  }
  w->logs = p.logs.take();
}

void sendComplete(napi_env env, napi_status status, void* data) {
  auto* w = static_cast<SendWork*>(data);
  w->handle->busy = false;
  if (w->kind == SendWork::Close) w->handle->producer.reset();
  napi_value o;
  napi_create_object(env, &o);
  set(env, o, "error", status != napi_ok ? text(env, "cancelled") : w->error.empty() ? nul(env) : text(env, w->error));
  napi_value b;
  napi_get_boolean(env, w->timedOut, &b);
  set(env, o, "timedOut", b);
  set(env, o, "logs", logsValue(env, w->logs));
  napi_resolve_deferred(env, w->deferred, o);
  napi_delete_async_work(env, w->work);
  napi_delete_reference(env, w->keep);
  if (w->args) napi_delete_reference(env, w->args);
  delete w;
}

napi_value queueSend(napi_env env, napi_value handle, napi_value args, ProducerHandle* h, SendWork* w) {
  napi_value promise, name;
  w->handle = h;
  h->busy = true;
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_reference(env, handle, 1, &w->keep);
  w->args = nullptr;
  if (args) napi_create_reference(env, args, 1, &w->args);
  napi_create_string_utf8(env, "sabot_kafka_produce", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, sendExecute, sendComplete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

ProducerHandle* producerArg(napi_env env, napi_value v) {
  void* h = nullptr;
  if (napi_get_value_external(env, v, &h) != napi_ok || !h) return nullptr;
  auto* p = static_cast<ProducerHandle*>(h);
  return p->producer && !p->busy ? p : nullptr;
}

// producerNew(conf: string[] (name, value, ...), topic, format?: "json" | "avro", options?: {valuePrefix?:
// Uint8Array (avro: the single-object marker and schema fingerprint, before each row's record)}) -> handle
napi_value ProducerNew(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  std::vector<std::pair<std::string, std::string>> conf;
  if (!confArg(env, a[0], conf)) return fail(env, "producerNew: conf must be a flat array of name, value strings");
  std::string topic;
  if (!str(env, a[1], topic)) return fail(env, "producerNew: bad topic");
  std::string format = "json";
  std::string prefix;
  if (argc > 2 && !str(env, a[2], format)) return fail(env, "producerNew: format must be json or avro");
  if (format != "json" && format != "avro") return fail(env, "producerNew: format must be json or avro");
  if (argc > 3 && !bytesProp(env, a[3], "valuePrefix", prefix))
    return fail(env, "producerNew: valuePrefix must be a Uint8Array");
  auto h = std::make_unique<ProducerHandle>();
  try {
    h->producer = std::make_unique<Producer>(conf, topic, format == "avro", std::move(prefix));
  } catch (const std::exception& e) {
    return fail(env, e.what());
  }
  return external(env, std::move(h));
}

// producerSend(handle, args: {columns, keys, rows}) -> Promise<{error, logs}>; error "utf8": a string
// is not valid UTF-8, "range" (avro): a long beyond ±(2^53-2); nothing was sent then (the caller
// encodes that batch in JavaScript).
napi_value ProducerSend(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  ProducerHandle* h = producerArg(env, a[0]);
  if (!h) return fail(env, "producerSend: producer closed or busy");
  auto w = std::make_unique<SendWork>();
  w->kind = SendWork::Columns;
  w->rows = int64(env, prop(env, a[1], "rows"));
  if (!encColumns(env, prop(env, a[1], "columns"), w->cols) || !encColumns(env, prop(env, a[1], "keys"), w->keyCols))
    return fail(env, "producerSend: bad columns");
  return queueSend(env, a[0], a[1], h, w.release());
}

// producerSendEncoded(handle, args: {data, offsets, keyData?, keyOffsets?, rows}) -> Promise<{error, logs}>
napi_value ProducerSendEncoded(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  ProducerHandle* h = producerArg(env, a[0]);
  if (!h) return fail(env, "producerSendEncoded: producer closed or busy");
  auto w = std::make_unique<SendWork>();
  w->kind = SendWork::Encoded;
  w->rows = int64(env, prop(env, a[1], "rows"));
  const void *d, *o, *kd, *ko;
  if (!typed(env, prop(env, a[1], "data"), d) || !typed(env, prop(env, a[1], "offsets"), o) ||
      !typed(env, prop(env, a[1], "keyData"), kd) || !typed(env, prop(env, a[1], "keyOffsets"), ko) || !d || !o)
    return fail(env, "producerSendEncoded: bad buffers");
  w->data = static_cast<const uint8_t*>(d);
  w->offsets = static_cast<const int32_t*>(o);
  w->keyData = static_cast<const uint8_t*>(kd);
  w->keyOffsets = static_cast<const int32_t*>(ko);
  return queueSend(env, a[0], a[1], h, w.release());
}

// producerFlush(handle, timeoutMs) -> Promise<{error, timedOut, logs}>
napi_value ProducerFlush(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  ProducerHandle* h = producerArg(env, a[0]);
  if (!h) return fail(env, "producerFlush: producer closed or busy");
  auto w = std::make_unique<SendWork>();
  w->kind = SendWork::Flush;
  w->timeoutMs = static_cast<int>(int64(env, a[1]));
  return queueSend(env, a[0], nullptr, h, w.release());
}

// producerClose(handle) -> Promise<{error, logs}>: flushes (up to 30 s) and frees the producer.
napi_value ProducerClose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  ProducerHandle* h = producerArg(env, a[0]);
  if (!h) return fail(env, "producerClose: producer closed or busy");
  auto w = std::make_unique<SendWork>();
  w->kind = SendWork::Close;
  return queueSend(env, a[0], nullptr, h, w.release());
}

// The encoders alone, for tests against JsonEncoder and AvroEncoder: {columns, rows, prefix?} (avro:
// before each record) ->
// {data: Buffer, offsets: Int32Array}, or null where the batch is left to JavaScript.
napi_value encodeAlone(napi_env env, napi_callback_info info, bool avro) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  std::vector<EncColumn> cols;
  if (!encColumns(env, prop(env, a[0], "columns"), cols)) return fail(env, "encode: bad columns");
  int64_t rows = int64(env, prop(env, a[0], "rows"));
  std::string prefix;
  if (!bytesProp(env, a[0], "prefix", prefix)) return fail(env, "encode: prefix must be a Uint8Array");
  if (!checkUtf8(cols, rows) || (avro && !checkAvroLongs(cols, rows))) return nul(env);
  std::string out;
  std::vector<int32_t> offsets{0};
  for (int64_t i = 0; i < rows; i++) {
    if (avro) {
      out += prefix;
      encodeAvroRow(cols, i, out);
    } else {
      encodeRow(cols, i, out);
    }
    offsets.push_back(static_cast<int32_t>(out.size()));
  }
  napi_value o;
  napi_create_object(env, &o);
  set(env, o, "data", bytes(env, out));
  set(env, o, "offsets", arrayBuffer(env, std::move(offsets)));
  return o;
}

napi_value EncodeJson(napi_env env, napi_callback_info info) { return encodeAlone(env, info, false); }
// encodeAvro(args): as encodeJson, as AvroEncoder writes; null also for a long avsc refuses.
napi_value EncodeAvro(napi_env env, napi_callback_info info) { return encodeAlone(env, info, true); }

napi_value Init(napi_env env, napi_value exports) {
  struct Fn {
    const char* name;
    napi_callback cb;
  };
  const Fn fns[] = {{"consumerNew", ConsumerNew},     {"consumerAssign", ConsumerAssign},
                    {"consumerPoll", ConsumerPoll},   {"consumerClose", ConsumerClose},
                    {"decodeJson", DecodeJson},       {"decodeAvro", DecodeAvro},
                    {"producerNew", ProducerNew},
                    {"producerSend", ProducerSend},   {"producerSendEncoded", ProducerSendEncoded},
                    {"producerFlush", ProducerFlush}, {"producerClose", ProducerClose},
                    {"encodeJson", EncodeJson},       {"encodeAvro", EncodeAvro}};
  for (const Fn& f : fns) {
    napi_value fn;
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn) != napi_ok ||
        napi_set_named_property(env, exports, f.name, fn) != napi_ok)
      return nullptr;
  }
  napi_value abi, version;
  napi_create_int32(env, kAbi, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  napi_create_string_utf8(env, rd_kafka_version_str(), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "librdkafkaVersion", version);
  return exports;
}

}  // namespace
}  // namespace sabot_kafka

NAPI_MODULE(NODE_GYP_MODULE_NAME, sabot_kafka::Init)
