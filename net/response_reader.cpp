#include "net/response_reader.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <zlib.h>

#include "net/retry_policy.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

constexpr std::size_t snippet_limit = 200;

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// Inflates a gzip (or zlib) body in place. Returns a problem description, or nullopt.
std::optional<std::string> inflate_body(std::string& body, std::size_t limit) {
  if (body.size() > UINT_MAX) return "compressed response body too large";
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return "cannot initialise zlib";
  zs.next_in = reinterpret_cast<Bytef*>(body.data());
  zs.avail_in = static_cast<uInt>(body.size());
  std::string out;
  char chunk[16384];
  std::optional<std::string> problem;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      problem = "malformed gzip response body";
      break;
    }
    out.append(chunk, sizeof chunk - zs.avail_out);
    if (out.size() > limit) {
      problem =
          "response body exceeds " + std::to_string(limit) + " bytes (after gzip decompression)";
      break;
    }
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are legal; trailing padding is ignored like browsers do.
      if (zs.avail_in > 0 && *zs.next_in == 0x1f && inflateReset(&zs) == Z_OK) continue;
      break;
    }
  }
  inflateEnd(&zs);
  if (!problem) body = std::move(out);
  return problem;
}

// Decodes Content-Encoding. Returns a problem description, or nullopt.
std::optional<std::string> decode_body(response& res, std::size_t limit) {
  const std::string encoding(res.header_value("Content-Encoding"));
  if (encoding.empty() || iequals(encoding, "identity")) return std::nullopt;
  if (!iequals(encoding, "gzip") && !iequals(encoding, "x-gzip") && !iequals(encoding, "deflate"))
    return "unsupported Content-Encoding " + body_snippet(encoding);
  if (auto problem = inflate_body(res.body, limit)) return problem;
  // The headers now describe the decoded body.
  std::erase_if(res.headers, [](const header& h) {
    return iequals(h.name, "Content-Encoding") || iequals(h.name, "Content-Length");
  });
  return std::nullopt;
}

// A SyncReadStream over bytes in memory, for read_response: at most `chunk` bytes per read (a
// socket rarely delivers a whole answer at once), then end of stream (the peer closed).
class memory_stream {
public:
  memory_stream(std::string_view bytes, std::size_t chunk)
      : rest_(bytes), chunk_(std::max<std::size_t>(chunk, 1)) {}

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    ec = {};
    if (rest_.empty()) {
      ec = asio::error::eof;
      return 0;
    }
    const std::size_t n =
        asio::buffer_copy(buffers, asio::buffer(rest_.data(), std::min(chunk_, rest_.size())));
    rest_.remove_prefix(n);
    return n;
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

private:
  std::string_view rest_;
  std::size_t chunk_;
};

}  // namespace

struct response_reader::impl {
  bhttp::response_parser<bhttp::string_body> parser;
};

response_reader::response_reader(std::size_t body_limit, bool head_request)
    : impl_(std::make_unique<impl>()) {
  impl_->parser.body_limit(body_limit);
  impl_->parser.header_limit(static_cast<std::uint32_t>(response_header_limit));
  if (head_request) impl_->parser.skip(true);
}

response_reader::~response_reader() = default;

bhttp::basic_parser<false>& response_reader::parser() noexcept { return impl_->parser; }

bool response_reader::got_some() const noexcept { return impl_->parser.got_some(); }

bool response_reader::keep_alive() const noexcept { return impl_->parser.get().keep_alive(); }

response response_reader::release() {
  auto message = impl_->parser.release();
  response out;
  out.status = message.result_int();
  for (const auto& field : message)
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  out.body = std::move(message.body());
  return out;
}

received_answer take_answer(response received, std::size_t body_limit,
                            std::chrono::system_clock::time_point now) {
  received_answer out;
  out.res = std::move(received);
  out.problem = decode_body(out.res, body_limit);
  const unsigned status = out.res.status;
  if (status >= 200 && status < 300) return out;
  out.summary = status_line(status);
  if (!out.res.body.empty()) out.summary += ": " + body_snippet(out.res.body);
  // Only these two statuses carry a delay the client honours (RFC 9110 also allows it on 3xx,
  // which the client does not follow).
  if (status == 429 || status == 503) {
    const auto value = out.res.header_value("Retry-After");
    if (!value.empty()) out.retry_after = parse_retry_after(value, now);
  }
  return out;
}

read_result read_response(std::string_view bytes, std::size_t body_limit, bool head_request,
                          std::chrono::system_clock::time_point now, std::size_t chunk) {
  response_reader reader(body_limit, head_request);
  memory_stream stream(bytes, chunk);
  boost::beast::flat_buffer buffer;
  read_result out;
  bhttp::read(stream, buffer, reader.parser(), out.ec);
  out.got_some = reader.got_some() || buffer.size() > 0;
  if (out.ec) return out;
  out.reusable = reader.keep_alive() && buffer.size() == 0;
  out.result = take_answer(reader.release(), body_limit, now);
  return out;
}

std::string status_line(unsigned status) {
  std::string line = "HTTP " + std::to_string(status);
  auto known = bhttp::int_to_status(status);
  if (known != bhttp::status::unknown) line += " " + std::string(bhttp::obsolete_reason(known));
  return line;
}

std::string body_snippet(std::string_view body) {
  std::string out(body.substr(0, snippet_limit));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

}  // namespace sluice::net
