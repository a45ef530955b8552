#pragma once
// A scripted HTTP CONNECT proxy for the client tests, on plain Boost.Asio (not Beast, and none
// of net/'s code): it records each CONNECT request's head, then tunnels to 127.0.0.1 at the
// requested port, answers a fixed status, or never answers.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace sluice::test {

class connect_proxy {
public:
  enum class mode { tunnel, refuse, hang };

  explicit connect_proxy(boost::asio::io_context& io, mode m = mode::tunnel,
                         std::string refusal = "")
      : io_(io),
        acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        mode_(m),
        refusal_(std::move(refusal)) {
    boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
  }
  ~connect_proxy() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& s : sockets_)
      if (auto p = s.lock()) p->close(ec);
  }

  unsigned short port() const { return port_; }
  const std::vector<std::string>& heads() const { return heads_; }  // request line + headers
  int tunnels() const { return tunnels_; }

private:
  using tcp = boost::asio::ip::tcp;
  using socket_ptr = std::shared_ptr<tcp::socket>;
  static constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      auto client = std::make_shared<tcp::socket>(std::move(socket));
      sockets_.push_back(client);
      boost::asio::co_spawn(io_, serve(client), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(socket_ptr client) {
    std::string head;
    std::array<char, 4096> chunk;
    while (head.find("\r\n\r\n") == std::string::npos) {
      auto [ec, n] = co_await client->async_read_some(boost::asio::buffer(chunk), use_tuple);
      if (ec) co_return;
      head.append(chunk.data(), n);
    }
    heads_.push_back(head.substr(0, head.find("\r\n\r\n")));
    if (mode_ == mode::hang) {
      for (;;) {
        auto [ec, n] = co_await client->async_read_some(boost::asio::buffer(chunk), use_tuple);
        if (ec) co_return;
      }
    }
    if (mode_ == mode::refuse) {
      co_await boost::asio::async_write(*client, boost::asio::buffer(refusal_), use_tuple);
      co_return;
    }
    co_await tunnel(client, head);
  }

  boost::asio::awaitable<void> tunnel(socket_ptr client, const std::string& head) {
    const auto colon = head.find(':');
    const auto space = head.find(' ', colon);
    const auto port =
        static_cast<unsigned short>(std::stoi(head.substr(colon + 1, space - colon - 1)));
    auto upstream = std::make_shared<tcp::socket>(io_);
    sockets_.push_back(upstream);
    auto [ec] = co_await upstream->async_connect({boost::asio::ip::make_address("127.0.0.1"), port},
                                                 use_tuple);
    if (ec) co_return;
    const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
    co_await boost::asio::async_write(*client, boost::asio::buffer(ok), use_tuple);
    ++tunnels_;
    boost::asio::co_spawn(io_, pump(upstream, client), boost::asio::detached);
    co_await pump(client, upstream);
  }

  static boost::asio::awaitable<void> pump(socket_ptr from, socket_ptr to) {
    std::array<char, 16384> data;
    for (;;) {
      auto [ec, n] = co_await from->async_read_some(boost::asio::buffer(data), use_tuple);
      if (n > 0)
        co_await boost::asio::async_write(*to, boost::asio::buffer(data.data(), n), use_tuple);
      if (ec) {
        boost::system::error_code ignored;
        to->shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
      }
    }
  }

  boost::asio::io_context& io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = acceptor_.local_endpoint().port();
  mode mode_;
  std::string refusal_;
  std::vector<std::string> heads_;
  std::vector<std::weak_ptr<tcp::socket>> sockets_;
  int tunnels_ = 0;
};

}  // namespace sluice::test
