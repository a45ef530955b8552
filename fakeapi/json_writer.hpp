#pragma once
// A minimal streaming JSON text builder. Pages of 100 reviews are written straight into one
// string: building a boost::json::value per record first would dominate the fake's CPU time in
// benchmarks.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::fakeapi {

class json_writer {
public:
  json_writer& begin_object() {
    separate();
    out_ += '{';
    need_comma_ = false;
    return *this;
  }
  json_writer& end_object() {
    out_ += '}';
    need_comma_ = true;
    return *this;
  }
  json_writer& begin_array() {
    separate();
    out_ += '[';
    need_comma_ = false;
    return *this;
  }
  json_writer& end_array() {
    out_ += ']';
    need_comma_ = true;
    return *this;
  }

  // Keys are our own literals: no escaping needed.
  json_writer& key(std::string_view name) {
    separate();
    out_ += '"';
    out_ += name;
    out_ += "\":";
    need_comma_ = false;
    return *this;
  }

  json_writer& string(std::string_view text) {
    separate();
    append_escaped(text);
    need_comma_ = true;
    return *this;
  }

  json_writer& number(std::int64_t value) {
    separate();
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out_.append(buffer, result.ptr);
    need_comma_ = true;
    return *this;
  }

  json_writer& boolean(bool value) { return raw(value ? "true" : "false"); }

  json_writer& null() { return raw("null"); }

  // Pre-formatted JSON (a number in a special format, or an already serialized record).
  json_writer& raw(std::string_view json) {
    separate();
    out_ += json;
    need_comma_ = true;
    return *this;
  }

  void reserve(std::size_t n) { out_.reserve(n); }

  std::string take() { return std::move(out_); }

private:
  void separate() {
    if (need_comma_) out_ += ',';
  }

  // RFC 8259 escaping. Bytes >= 0x80 pass through: all our text is valid UTF-8.
  void append_escaped(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out_ += '"';
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(text.data() + start, i - start);
      start = i + 1;
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        default:
          out_ += "\\u00";
          out_ += hex[c >> 4];
          out_ += hex[c & 0xf];
      }
    }
    out_.append(text.data() + start, text.size() - start);
    out_ += '"';
  }

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace sluice::fakeapi
