#include "json_encoder.h"

#include <simdjson.h>

#include <emmintrin.h>

#include <charconv>
#include <cmath>
#include <cstring>

namespace sabot_kafka {
namespace {

inline bool bit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

// JSON.stringify of a well-formed string: quotes, backslashes and C0 controls escaped.
void appendString(std::string& out, const uint8_t* s, size_t n) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  size_t run = 0;
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
  for (size_t i = 0; i < n; i++) {
    // 16 bytes at a time (SSE2) past bytes that need no escape.
    while (n - i >= 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                                 _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
      int mask = _mm_movemask_epi8(hit);
      if (mask != 0) {
        i += static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
        break;
      }
      i += 16;
    }
    if (i >= n) break;
    uint8_t c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(reinterpret_cast<const char*>(s + run), i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(reinterpret_cast<const char*>(s + run), n - run);
  out += '"';
}

constexpr int64_t kMaxSafe = 9007199254740991LL;

void appendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void appendValue(const EncColumn& c, int64_t i, std::string& out) {
  switch (c.type) {
    case EncType::Int32: appendInt(out, static_cast<const int32_t*>(c.values)[i]); break;
    case EncType::Int64: {
      int64_t v = static_cast<const int64_t*>(c.values)[i];
      bool safe = v >= -kMaxSafe && v <= kMaxSafe;
      if (!safe) out += '"';
      appendInt(out, v);
      if (!safe) out += '"';
      break;
    }
    case EncType::Float64: {
      double x = static_cast<const double*>(c.values)[i];
      if (std::isfinite(x)) appendNumber(out, x);
      else out += std::isnan(x) ? "\"NaN\"" : x > 0 ? "\"Infinity\"" : "\"-Infinity\"";
      break;
    }
    case EncType::Bool: out += bit(static_cast<const uint8_t*>(c.values), c.offset + i) ? "true" : "false"; break;
    case EncType::Utf8: appendString(out, c.data + c.offsets[i], static_cast<size_t>(c.offsets[i + 1] - c.offsets[i])); break;
    case EncType::DictUtf8: {
      int32_t k = static_cast<const int32_t*>(c.values)[i];
      appendString(out, c.data + c.offsets[k], static_cast<size_t>(c.offsets[k + 1] - c.offsets[k]));
      break;
    }
  }
}

}  // namespace

void appendNumber(std::string& out, double x) {
  if (x == 0) {
    out += '0';  // -0 prints as 0
    return;
  }
  if (x < 0) {
    out += '-';
    x = -x;
  }
  // The shortest digits that round-trip (what V8 prints), then ECMAScript's Number::toString layout.
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  const char* e = static_cast<const char*>(std::memchr(buf, 'e', static_cast<size_t>(r.ptr - buf)));
  std::string digits;
  for (const char* p = buf; p < e; p++)
    if (*p != '.') digits += *p;
  int exp10 = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), r.ptr, exp10);
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<size_t>(n));
    out += '.';
    out.append(digits, static_cast<size_t>(n), std::string::npos);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    appendInt(out, std::abs(n - 1));
  }
}

bool checkUtf8(const std::vector<EncColumn>& cols, int64_t rows) {
  for (const EncColumn& c : cols) {
    if (c.type != EncType::Utf8 && c.type != EncType::DictUtf8) continue;
    int64_t n = c.type == EncType::Utf8 ? rows : c.dictLength;
    for (int64_t i = 0; i < n; i++) {
      const char* s = reinterpret_cast<const char*>(c.data + c.offsets[i]);
      if (!simdjson::validate_utf8(s, static_cast<size_t>(c.offsets[i + 1] - c.offsets[i]))) return false;
    }
  }
  return true;
}

void encodeRow(const std::vector<EncColumn>& cols, int64_t i, std::string& out) {
  if (cols.empty()) {
    out += "{}";
    return;
  }
  for (const EncColumn& c : cols) {
    out += c.prefix;
    if (c.validity && !bit(c.validity, c.offset + i)) out += "null";
    else appendValue(c, i, out);
  }
  out += '}';
}

}  // namespace sabot_kafka
