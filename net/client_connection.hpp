#pragma once
// One open connection of the HTTP client, plain or TLS. Private to net/*.cpp: it names Beast
// types, which stay inside net/.
#include <chrono>
#include <memory>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace sluice::net {

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// The read buffer belongs to the connection: bytes past one answer stay with the stream.
struct connection {
  std::unique_ptr<boost::beast::tcp_stream> plain;
  std::unique_ptr<tls_stream> tls;
  boost::beast::flat_buffer buffer;
  bool reused = false;  // has served a response before (taken from the idle pool)
  bool host_mismatch = false;
  std::chrono::steady_clock::time_point idle_since{};

  boost::beast::tcp_stream& lowest() { return tls ? boost::beast::get_lowest_layer(*tls) : *plain; }
  bool is_open() { return lowest().socket().is_open(); }
  // TLS close_notify is skipped on purpose: many servers never answer it, and a connection we
  // drop is never read from again.
  void close() { lowest().close(); }
};

}  // namespace sluice::net
