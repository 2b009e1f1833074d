// A validating JSON scanner written for JSON.parse's grammar (ECMA-404: the same whitespace,
// numbers, escapes and literals), so that a message it accepts is one JSON.parse accepts. simdjson
// checks the UTF-8 first, as json.ts does with isUtf8; simdjson's own parsers are not used for the
// structure because they differ from JSON.parse on cases that must match (see json_decoder.h).
#include "json_decoder.h"

#include <simdjson.h>

#include <emmintrin.h>

#include <charconv>
#include <cmath>
#include <cstring>

namespace sabot_kafka {
namespace {

inline const char* ws(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

inline int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A string token at p (on its opening quote): its contents [*start, *stop) and whether it has
// escapes; returns the position after the closing quote, or nullptr when JSON.parse would refuse it.
const char* scanString(const char* p, const char* end, const char** start, const char** stop, bool* escaped) {
  *start = ++p;
  *escaped = false;
  // 16 bytes at a time (SSE2, in every x86-64) up to the first quote, backslash or control byte.
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                               _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
    int mask = _mm_movemask_epi8(hit);
    if (mask == 0) {
      p += 16;
      continue;
    }
    p += __builtin_ctz(static_cast<unsigned>(mask));  // the scalar loop below takes it from here
    break;
  }
  while (p < end) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') {
      *stop = p;
      return p + 1;
    }
    if (c < 0x20) return nullptr;
    if (c != '\\') {
      p++;
      continue;
    }
    *escaped = true;
    if (++p >= end) return nullptr;
    switch (*p) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': p++; break;
      case 'u':
        if (end - p < 5 || hex(p[1]) < 0 || hex(p[2]) < 0 || hex(p[3]) < 0 || hex(p[4]) < 0) return nullptr;
        p += 5;
        break;
      default: return nullptr;
    }
  }
  return nullptr;
}

inline void utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

inline uint32_t hex4(const char* p) {
  return static_cast<uint32_t>(hex(p[0]) << 12 | hex(p[1]) << 8 | hex(p[2]) << 4 | hex(p[3]));
}

// Appends the UTF-8 of a scanned string's contents; false on an unpaired surrogate escape (JSON.parse
// keeps it as a lone UTF-16 unit, which the reference then writes as U+FFFD: left to it).
bool unescape(const char* p, const char* end, std::string& out) {
  while (p < end) {
    const char* q = static_cast<const char*>(std::memchr(p, '\\', static_cast<size_t>(end - p)));
    if (!q) q = end;
    out.append(p, static_cast<size_t>(q - p));
    if (q == end) return true;
    p = q + 1;
    char e = *p++;
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp = hex4(p);
        p += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return false;
          uint32_t lo = hex4(p + 2);
          if (lo < 0xDC00 || lo > 0xDFFF) return false;
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        utf8(out, cp);
        break;
      }
      default: out += e;  // '"', '\\', '/'
    }
  }
  return true;
}

inline bool digit(char c) { return c >= '0' && c <= '9'; }

// A number token at p: the position after it, or nullptr when it is not a JSON number.
const char* scanNumber(const char* p, const char* end) {
  if (p < end && *p == '-') p++;
  if (p >= end || !digit(*p)) return nullptr;
  if (*p == '0') p++;
  else while (p < end && digit(*p)) p++;
  if (p < end && *p == '.') {
    if (++p >= end || !digit(*p)) return nullptr;
    while (p < end && digit(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || !digit(*p)) return nullptr;
    while (p < end && digit(*p)) p++;
  }
  return p;
}

// An integer token of up to 15 digits, exact in a double (the common case, without from_chars).
inline bool smallInteger(const char* p, const char* q, double& out) {
  bool neg = *p == '-';
  const char* d = p + neg;
  if (q - d > 15) return false;
  int64_t v = 0;
  for (; d < q; d++) {
    if (!digit(*d)) return false;
    v = v * 10 + (*d - '0');
  }
  out = neg ? -static_cast<double>(v) : static_cast<double>(v);  // "-0" is -0, as in JavaScript
  return true;
}

inline const char* literal(const char* p, const char* end, const char* word, size_t n) {
  return static_cast<size_t>(end - p) >= n && std::memcmp(p, word, n) == 0 ? p + n : nullptr;
}

// Nesting JSON.parse accepts but this scanner leaves to it (V8 parses deeper documents iteratively).
constexpr size_t kMaxDepth = 512;

// Skips one JSON value of any kind, checking it as JSON.parse would; nullptr when invalid.
const char* skipValue(const char* p, const char* end) {
  std::vector<char> stack;  // '{' or '[' per open container
  for (;;) {
    p = ws(p, end);
    if (p >= end) return nullptr;
    const char *s, *e;
    bool esc;
    switch (*p) {
      case '{':
        p = ws(p + 1, end);
        if (p < end && *p == '}') { p++; break; }
        if (stack.size() >= kMaxDepth) return nullptr;
        stack.push_back('{');
        if (p >= end || *p != '"' || !(p = scanString(p, end, &s, &e, &esc))) return nullptr;
        p = ws(p, end);
        if (p >= end || *p != ':') return nullptr;
        p++;
        continue;
      case '[':
        p = ws(p + 1, end);
        if (p < end && *p == ']') { p++; break; }
        if (stack.size() >= kMaxDepth) return nullptr;
        stack.push_back('[');
        continue;
      case '"': p = scanString(p, end, &s, &e, &esc); break;
      case 't': p = literal(p, end, "true", 4); break;
      case 'f': p = literal(p, end, "false", 5); break;
      case 'n': p = literal(p, end, "null", 4); break;
      default: p = scanNumber(p, end);
    }
    if (!p) return nullptr;
    // After a value: close containers, or go on to the next element or member.
    for (;;) {
      if (stack.empty()) return p;
      p = ws(p, end);
      if (p >= end) return nullptr;
      char open = stack.back();
      if (*p == (open == '{' ? '}' : ']')) {
        stack.pop_back();
        p++;
        continue;
      }
      if (*p != ',') return nullptr;
      p = ws(p + 1, end);
      if (open == '{') {
        if (p >= end || *p != '"' || !(p = scanString(p, end, &s, &e, &esc))) return nullptr;
        p = ws(p, end);
        if (p >= end || *p != ':') return nullptr;
        p++;
      }
      break;
    }
  }
}

constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

// An integral double as an int64 the way float64ToInt64 (runtime/types/column.ts) converts it:
// exact within range, else the value modulo 2^64 in two's complement.
inline int64_t wrapInt64(double d) {
  if (d >= -kTwo63 && d < kTwo63) return static_cast<int64_t>(d);
  double m = std::fmod(d, kTwo64);
  if (m < 0) m += kTwo64;
  return static_cast<int64_t>(static_cast<uint64_t>(m));
}

// "^-?\d{1,19}$" within int64 (the reference's decimal-string path): the exact value.
bool decimalInt64(const std::string& s, int64_t& out) {
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  size_t digits = s.size() - i;
  if (digits < 1 || digits > 19) return false;
  uint64_t v = 0;
  for (size_t k = i; k < s.size(); k++) {
    if (!digit(s[k])) return false;
    v = v * 10 + static_cast<uint64_t>(s[k] - '0');
  }
  if (i == 1) {
    if (v > 9223372036854775808ULL) return false;
    out = static_cast<int64_t>(0 - v);
  } else {
    if (v > 9223372036854775807ULL) return false;
    out = static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace

JsonDecoder::JsonDecoder(std::vector<ColumnSpec> columns) : columns_(std::move(columns)), cells_(columns_.size()) {}

int JsonDecoder::column(const char* key, size_t length) {
  // Producers write keys in one order: the column after the last one found is checked first.
  size_t guess = next_ < columns_.size() ? next_ : 0;
  const std::string& g = columns_[guess].name;
  if (g.size() == length && std::memcmp(g.data(), key, length) == 0) {
    next_ = guess + 1;
    return static_cast<int>(guess);
  }
  for (size_t c = 0; c < columns_.size(); c++) {
    const std::string& n = columns_[c].name;
    if (n.size() == length && std::memcmp(n.data(), key, length) == 0) {
      next_ = c + 1;
      return static_cast<int>(c);
    }
  }
  return -1;
}

bool JsonDecoder::add(const uint8_t* data, size_t length, std::vector<ColumnBuffers>& out) {
  const char* p = reinterpret_cast<const char*>(data);
  if (!simdjson::validate_utf8(p, length)) return false;
  for (Cell& c : cells_) c.kind = Cell::Missing;
  scratch_.clear();
  next_ = 0;
  if (!parseObject(p, p + length)) return false;
  for (size_t c = 0; c < columns_.size(); c++) {
    if (cells_[c].kind == Cell::Value) continue;
    if (!columns_[c].nullable) return false;
    if (cells_[c].kind == Cell::Missing && columns_[c].inherited) return false;
  }
  commit(out);
  return true;
}

bool JsonDecoder::parseObject(const char* p, const char* end) {
  p = ws(p, end);
  if (p >= end || *p != '{') return false;
  p = ws(p + 1, end);
  if (p < end && *p == '}') return ws(p + 1, end) == end;
  for (;;) {
    const char *ks, *ke;
    bool esc;
    if (p >= end || *p != '"' || !(p = scanString(p, end, &ks, &ke, &esc))) return false;
    int c;
    if (esc) {
      text_.clear();
      c = unescape(ks, ke, text_) ? column(text_.data(), text_.size()) : -1;
    } else {
      c = column(ks, static_cast<size_t>(ke - ks));
    }
    p = ws(p, end);
    if (p >= end || *p != ':') return false;
    p = ws(p + 1, end);
    if (c < 0) p = skipValue(p, end);
    else if (cells_[static_cast<size_t>(c)].kind != Cell::Missing) return false;  // duplicate: JSON.parse keeps the last
    else p = parseCell(static_cast<size_t>(c), p, end);
    if (!p) return false;
    p = ws(p, end);
    if (p >= end) return false;
    if (*p == '}') return ws(p + 1, end) == end;
    if (*p != ',') return false;
    p = ws(p + 1, end);
  }
}

const char* JsonDecoder::parseCell(size_t c, const char* p, const char* end) {
  Cell& cell = cells_[c];
  ColType t = columns_[c].type;
  if (p >= end) return nullptr;
  if (*p == 'n') {
    cell.kind = Cell::Null;
    return literal(p, end, "null", 4);
  }
  if (*p == '"') return stringCell(c, p, end);
  if (*p == 't' || *p == 'f') {
    if (t != ColType::Bool) return nullptr;
    cell.kind = Cell::Value;
    cell.i = *p == 't';
    return *p == 't' ? literal(p, end, "true", 4) : literal(p, end, "false", 5);
  }
  const char* q = scanNumber(p, end);
  if (!q) return nullptr;
  double d;
  if (!smallInteger(p, q, d)) {
    auto r = std::from_chars(p, q, d, std::chars_format::general);
    if (r.ec != std::errc() || r.ptr != q) return nullptr;  // beyond double range: JSON.parse gives ±Infinity or 0
  }
  cell.kind = Cell::Value;
  cell.d = d;
  switch (t) {
    case ColType::Float64: return q;
    case ColType::Int32:
      if (!(d >= -2147483648.0 && d <= 2147483647.0) || std::trunc(d) != d) return nullptr;
      cell.i = static_cast<int32_t>(d);
      return q;
    case ColType::Int64:
    case ColType::TimestampMs:
      if (!std::isfinite(d) || std::trunc(d) != d) return nullptr;
      cell.i = wrapInt64(d);
      return q;
    default: return nullptr;
  }
}

const char* JsonDecoder::stringCell(size_t c, const char* p, const char* end) {
  Cell& cell = cells_[c];
  ColType t = columns_[c].type;
  const char *s, *e;
  bool esc;
  const char* q = scanString(p, end, &s, &e, &esc);
  if (!q) return nullptr;
  cell.kind = Cell::Value;
  if (t == ColType::Utf8) {
    cell.off = static_cast<uint32_t>(scratch_.size());
    if (esc) {
      if (!unescape(s, e, scratch_)) return nullptr;
    } else {
      scratch_.append(s, static_cast<size_t>(e - s));
    }
    cell.len = static_cast<uint32_t>(scratch_.size()) - cell.off;
    return q;
  }
  text_.clear();
  if (!unescape(s, e, text_)) return nullptr;
  if (t == ColType::Float64) {
    if (text_ == "NaN") cell.d = std::nan("");
    else if (text_ == "Infinity") cell.d = HUGE_VAL;
    else if (text_ == "-Infinity") cell.d = -HUGE_VAL;
    else return nullptr;
    return q;
  }
  if (t == ColType::Int64 || t == ColType::TimestampMs) {
    if (decimalInt64(text_, cell.i)) return q;
    if (t == ColType::TimestampMs && isoMillis(text_.data(), text_.size(), cell.i)) return q;
  }
  return nullptr;
}

void JsonDecoder::commit(std::vector<ColumnBuffers>& out) {
  for (size_t c = 0; c < columns_.size(); c++) {
    ColumnBuffers& b = out[c];
    const Cell& cell = cells_[c];
    bool valid = cell.kind == Cell::Value;
    if (valid) b.markValid();
    else b.markNull();
    switch (columns_[c].type) {
      case ColType::Int32: b.push<int32_t>(valid ? static_cast<int32_t>(cell.i) : 0); break;
      case ColType::Int64:
      case ColType::TimestampMs: b.push<int64_t>(valid ? cell.i : 0); break;
      case ColType::Float64: b.push<double>(valid ? cell.d : 0); break;
      case ColType::Bool: ColumnBuffers::setBit(b.values, b.rows, valid && cell.i != 0); break;
      case ColType::Utf8: {
        if (b.offsets.empty()) b.offsets.push_back(0);
        size_t at = b.values.size();
        if (valid) {
          b.values.resize(at + cell.len);
          std::memcpy(b.values.data() + at, scratch_.data() + cell.off, cell.len);
        }
        b.offsets.push_back(static_cast<int32_t>(b.values.size()));
        break;
      }
    }
    b.rows++;
  }
}

namespace {

bool digits(const char* s, size_t n, int& out) {
  out = 0;
  for (size_t i = 0; i < n; i++) {
    if (!digit(s[i])) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int daysInMonth(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

}  // namespace

bool isoMillis(const char* s, size_t n, int64_t& out) {
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, y) || !digits(s + 5, 2, mo) || !digits(s + 8, 2, d))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return false;
  int64_t offsetMin = 0;
  if (n > 10) {
    // "THH:MM:SS", then ".sss", then "Z" or "+HH:MM"; a time without a zone is local time: left to Date.parse.
    if (n < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || !digits(s + 11, 2, h) || !digits(s + 14, 2, mi) ||
        !digits(s + 17, 2, sec) || h > 23 || mi > 59 || sec > 59)
      return false;
    size_t i = 19;
    if (s[i] == '.') {
      if (n < i + 4 || !digits(s + i + 1, 3, ms)) return false;
      i += 4;
    }
    if (n == i + 1 && s[i] == 'Z') {
      offsetMin = 0;
    } else if (n == i + 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
      int oh, om;
      if (!digits(s + i + 1, 2, oh) || !digits(s + i + 4, 2, om) || oh > 23 || om > 59) return false;
      offsetMin = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    } else {
      return false;
    }
  }
  int64_t days = daysFromCivil(y, mo, d);
  out = ((days * 24 + h) * 60 + mi - offsetMin) * 60000 + static_cast<int64_t>(sec) * 1000 + ms;
  return true;
}

}  // namespace sabot_kafka
