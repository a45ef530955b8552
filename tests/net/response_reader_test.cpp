// Reading an answer from bytes, as the client does (net/response_reader): the Beast parser with
// the client's limits, gzip decoding, the status summary and Retry-After.
#include "net/response_reader.hpp"

#include <chrono>
#include <string>
#include <string_view>

#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>
#include <zlib.h>

namespace sluice::net {
namespace {

namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

const auto now = std::chrono::system_clock::time_point{
    std::chrono::seconds{1'700'000'000}};  // 2023-11-14T22:13:20Z
constexpr std::size_t limit = 1 << 20;

read_result read(std::string_view bytes, std::size_t chunk = std::string_view::npos,
                 bool head = false, std::size_t body_limit = limit) {
  return read_response(bytes, body_limit, head, now, chunk);
}

std::string gzip(std::string_view text) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, text.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

const std::string chunked_json =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    "7\r\n{\"data\"\r\n6\r\n:[1,2]\r\n1\r\n}\r\n0\r\n\r\n";

TEST(response_reader, chunked_json_whole_or_byte_by_byte) {
  for (std::size_t chunk : {std::string_view::npos, std::size_t{1}, std::size_t{5}}) {
    auto r = read(chunked_json, chunk);
    ASSERT_FALSE(r.ec) << r.ec.message();
    ASSERT_TRUE(r.result);
    EXPECT_TRUE(r.reusable);
    EXPECT_EQ(r.result->res.status, 200u);
    EXPECT_EQ(r.result->res.body, R"({"data":[1,2]})");
    EXPECT_EQ(r.result->res.header_value("content-type"), "application/json");
    EXPECT_FALSE(r.result->problem);
    EXPECT_EQ(r.result->summary, "");  // 2xx: nothing to explain
  }
}

TEST(response_reader, gzip_is_decoded_and_its_headers_dropped) {
  const std::string body = gzip(R"({"ok":true})");
  auto r = read("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\nContent-Type: application/json\r\n\r\n" + body);
  ASSERT_TRUE(r.result);
  EXPECT_FALSE(r.result->problem);
  EXPECT_EQ(r.result->res.body, R"({"ok":true})");
  EXPECT_EQ(r.result->res.header_value("Content-Encoding"), "");
  EXPECT_EQ(r.result->res.header_value("Content-Length"), "");
  EXPECT_EQ(r.result->res.header_value("Content-Type"), "application/json");
}

TEST(response_reader, gzip_limit_applies_after_decompression) {
  const std::string body = gzip(std::string(100'000, 'a'));
  auto r = read("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body,
                std::string_view::npos, false, 10'000);
  ASSERT_TRUE(r.result);
  ASSERT_TRUE(r.result->problem);
  EXPECT_EQ(*r.result->problem, "response body exceeds 10000 bytes (after gzip decompression)");
  EXPECT_EQ(r.result->res.body, body);  // left as received
}

TEST(response_reader, bad_or_unknown_encoding_is_a_problem) {
  auto bad = read("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_TRUE(bad.result && bad.result->problem);
  EXPECT_EQ(*bad.result->problem, "malformed gzip response body");
  auto br = read("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_TRUE(br.result && br.result->problem);
  EXPECT_EQ(*br.result->problem, "unsupported Content-Encoding br");
}

TEST(response_reader, retry_after_on_429_and_503_only) {
  auto seconds = read(
      "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nContent-Length: 9\r\n\r\nslow down");
  ASSERT_TRUE(seconds.result);
  EXPECT_EQ(seconds.result->retry_after, std::optional<std::chrono::milliseconds>(30s));
  EXPECT_EQ(seconds.result->summary, "HTTP 429 Too Many Requests: slow down");
  auto date = read(
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Tue, 14 Nov 2023 22:15:20 GMT\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(date.result);
  EXPECT_EQ(date.result->retry_after, std::optional<std::chrono::milliseconds>(120s));
  EXPECT_EQ(date.result->summary, "HTTP 503 Service Unavailable");
  auto other =
      read("HTTP/1.1 500 Internal Server Error\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(other.result);
  EXPECT_FALSE(other.result->retry_after);
  auto junk =
      read("HTTP/1.1 429 Too Many Requests\r\nRetry-After: soon\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(junk.result);
  EXPECT_FALSE(junk.result->retry_after);
}

TEST(response_reader, html_error_page_summary_is_one_short_line) {
  const std::string page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>" +
                           std::string(500, 'x') + "</body></html>\r\n";
  auto r = read("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: " +
                std::to_string(page.size()) + "\r\nConnection: close\r\n\r\n" + page);
  ASSERT_TRUE(r.result);
  EXPECT_FALSE(r.reusable);  // Connection: close
  const auto& summary = r.result->summary;
  EXPECT_EQ(summary.rfind("HTTP 502 Bad Gateway: <html>  <head>", 0), 0u) << summary;
  EXPECT_EQ(summary.size(), std::string("HTTP 502 Bad Gateway: ").size() + 200);
  EXPECT_EQ(summary.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(status_line(799), "HTTP 799");  // no reason phrase for an unknown status
}

TEST(response_reader, truncated_answers_say_how_far_they_got) {
  auto nothing = read("");
  EXPECT_EQ(nothing.ec, bhttp::error::end_of_stream);
  EXPECT_FALSE(nothing.got_some);
  auto head = read("HTTP/1.1 200 OK\r\nContent-Type: appl");
  EXPECT_TRUE(head.ec);
  EXPECT_TRUE(head.got_some);
  EXPECT_FALSE(head.result);
  auto body = read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
  EXPECT_EQ(body.ec, bhttp::error::partial_message);
  EXPECT_TRUE(body.got_some);
  auto chunks = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
  EXPECT_EQ(chunks.ec, bhttp::error::partial_message);
}

TEST(response_reader, limits_on_head_and_body) {
  auto big_head = read("HTTP/1.1 200 OK\r\nX-Filler: " + std::string(response_header_limit, 'a') +
                       "\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(big_head.ec, bhttp::error::header_limit);
  auto big_body = read("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'a'),
                       std::string_view::npos, false, 100);
  EXPECT_EQ(big_body.ec, bhttp::error::body_limit);
  auto chunked = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n" +
                          std::string(101, 'a') + "\r\n0\r\n\r\n",
                      std::string_view::npos, false, 100);
  EXPECT_EQ(chunked.ec, bhttp::error::body_limit);
}

TEST(response_reader, body_until_close_and_leftovers) {
  auto until_close = read("HTTP/1.1 200 OK\r\n\r\nall of it");
  ASSERT_TRUE(until_close.result);
  EXPECT_EQ(until_close.result->res.body, "all of it");
  // Bytes after a complete answer: the connection is out of step and must not be reused.
  auto extra = read("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", 64);
  ASSERT_TRUE(extra.result);
  EXPECT_EQ(extra.result->res.body, "ok");
  EXPECT_FALSE(extra.reusable);
}

// Beast wants CRLF. Which error it reports depends on how the bytes arrive (a whole bad start
// line at once, or a head whose end never comes), but it is an error either way.
TEST(response_reader, bare_lf_is_refused_however_it_arrives) {
  const std::string_view lf_only = "HTTP/1.1 200 OK\nContent-Length: 2\n\nok";
  EXPECT_EQ(read(lf_only).ec, bhttp::error::bad_reason);
  EXPECT_EQ(read(lf_only, 6).ec, bhttp::error::partial_message);
}

TEST(response_reader, head_request_has_no_body) {
  auto r = read("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", std::string_view::npos, true);
  ASSERT_FALSE(r.ec) << r.ec.message();
  ASSERT_TRUE(r.result);
  EXPECT_EQ(r.result->res.body, "");
  EXPECT_EQ(r.result->res.header_value("Content-Length"), "1000");
}

TEST(response_reader, obsolete_line_folding_is_one_value) {
  auto r = read(
      "HTTP/1.1 429 Too Many Requests\r\nX-Note: first\r\n  second\r\nRetry-After:\r\n 7\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_FALSE(r.ec) << r.ec.message();
  ASSERT_TRUE(r.result);
  const auto note = r.result->res.header_value("X-Note");
  EXPECT_EQ(note.find_first_of("\r\n"), std::string_view::npos) << note;
  EXPECT_NE(note.find("second"), std::string_view::npos) << note;
  EXPECT_EQ(r.result->retry_after, std::optional<std::chrono::milliseconds>(7s));
}

}  // namespace
}  // namespace sluice::net
