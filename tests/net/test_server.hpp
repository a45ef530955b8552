#pragma once
// A tiny scripted HTTP/1.1 server for the client tests, written with plain Boost.Asio (not Beast:
// a server built from the client's library would agree with the client's bugs). It listens on
// 127.0.0.1 on an ephemeral port and runs on the test's io_context.
#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace sluice::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct received_request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First header of this name (case-insensitive); nullopt when absent.
  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [n, v] : headers)
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
        return v;
    return std::nullopt;
  }
};

struct reply {
  std::string raw;           // bytes written back verbatim
  bool close_after = false;  // close the connection after writing (without saying so)
  bool hang = false;         // never answer; keep the connection open until the client leaves
};

inline std::string http_response(int status, std::string_view reason, std::string_view body,
                                 const std::vector<std::string>& extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& h : extra_headers) out += h + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

class test_server {
public:
  using handler_fn = std::function<reply(const received_request&, int index)>;

  // `tls`: serve HTTPS with this context (must outlive the server).
  test_server(asio::io_context& io, handler_fn handler, asio::ssl::context* tls = nullptr)
      : io_(io),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        handler_(std::move(handler)),
        tls_(tls) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
  }
  ~test_server() { stop(); }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  unsigned short port() const { return port_; }
  std::string url(std::string_view path_and_query, std::string_view host = "127.0.0.1") const {
    return std::string(tls_ ? "https://" : "http://") + std::string(host) + ":" +
           std::to_string(port_) + std::string(path_and_query);
  }
  int connections() const { return connections_; }
  int requests() const { return static_cast<int>(log_.size()); }
  const std::vector<received_request>& log() const { return log_; }
  const std::string& last_sni() const { return last_sni_; }

  void stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& close : closers_) close();
    closers_.clear();
  }

private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++connections_;
      if (tls_) {
        auto stream = std::make_shared<asio::ssl::stream<tcp::socket>>(std::move(socket), *tls_);
        std::weak_ptr<asio::ssl::stream<tcp::socket>> weak = stream;
        closers_.push_back([weak] {
          if (auto s = weak.lock()) s->lowest_layer().close();
        });
        asio::co_spawn(io_, serve_tls(stream), asio::detached);
      } else {
        auto stream = std::make_shared<tcp::socket>(std::move(socket));
        std::weak_ptr<tcp::socket> weak = stream;
        closers_.push_back([weak] {
          if (auto s = weak.lock()) s->close();
        });
        asio::co_spawn(io_, serve_plain(stream), asio::detached);
      }
    }
  }

  asio::awaitable<void> serve_plain(std::shared_ptr<tcp::socket> socket) {
    co_await serve(*socket, *socket);
  }

  asio::awaitable<void> serve_tls(std::shared_ptr<asio::ssl::stream<tcp::socket>> stream) {
    auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::server,
                                                 asio::as_tuple(asio::use_awaitable));
    if (const char* sni = SSL_get_servername(stream->native_handle(), TLSEXT_NAMETYPE_host_name))
      last_sni_ = sni;
    else
      last_sni_.clear();
    if (ec) co_return;
    co_await serve(*stream, stream->lowest_layer());
  }

  template <class Stream, class Socket>
  asio::awaitable<void> serve(Stream& stream, Socket& socket) {
    std::string buf;
    char chunk[4096];
    auto read_more = [&]() -> asio::awaitable<bool> {
      auto [ec, n] =
          co_await stream.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return false;
      buf.append(chunk, n);
      co_return true;
    };
    for (;;) {
      std::size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos)
        if (!co_await read_more()) co_return;
      received_request r;
      std::string head = buf.substr(0, end);
      buf.erase(0, end + 4);
      std::size_t line_end = head.find("\r\n");
      std::string request_line = head.substr(0, line_end);
      auto sp1 = request_line.find(' ');
      auto sp2 = request_line.find(' ', sp1 + 1);
      r.method = request_line.substr(0, sp1);
      r.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      while (line_end != std::string::npos) {
        std::size_t start = line_end + 2;
        line_end = head.find("\r\n", start);
        std::string line = head.substr(
            start, line_end == std::string::npos ? std::string::npos : line_end - start);
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers.emplace_back(line.substr(0, colon), value);
      }
      std::size_t length = 0;
      if (auto cl = r.header("Content-Length")) length = std::stoul(*cl);
      while (buf.size() < length)
        if (!co_await read_more()) co_return;
      r.body = buf.substr(0, length);
      buf.erase(0, length);

      const int index = static_cast<int>(log_.size());
      log_.push_back(r);
      reply rep = handler_(r, index);
      if (rep.hang) {
        while (co_await read_more()) {
        }
        co_return;
      }
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(rep.raw),
                                                asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (ec) co_return;
      if (rep.close_after || rep.raw.find("Connection: close") != std::string::npos) {
        boost::system::error_code ignored;
        socket.close(ignored);
        co_return;
      }
    }
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = acceptor_.local_endpoint().port();
  handler_fn handler_;
  asio::ssl::context* tls_;
  int connections_ = 0;
  std::vector<received_request> log_;
  std::vector<std::function<void()>> closers_;
  std::string last_sni_;
};

}  // namespace sluice::test
