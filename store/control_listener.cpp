#include "store/control_listener.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

#include <pqxx/connection>
#include <pqxx/notification>
#include <spdlog/spdlog.h>

#include "store/connection.hpp"
#include "store/control.hpp"

namespace sluice::store {
namespace {

using namespace std::chrono_literals;

// How long one wait for a notification lasts: the bound on how late stop() is noticed.
constexpr auto wait_slice = 250ms;

// libpqxx hands notifications to receivers during await_notification(); they are collected here
// and passed on after it returns, outside the driver's call.
class collecting_receiver : public pqxx::notification_receiver {
public:
  collecting_receiver(pqxx::connection_base& c, std::vector<std::string>& into)
      : pqxx::notification_receiver(c, std::string(control_channel)), into_(into) {}
  void operator()(const std::string& payload, int) override { into_.push_back(payload); }

private:
  std::vector<std::string>& into_;
};

}  // namespace

control_listener::control_listener(database_options db, wake_fn wake,
                                   std::chrono::milliseconds reread_every)
    : db_(std::move(db)), wake_(std::move(wake)), reread_every_(reread_every) {
  thread_ = std::thread([this] { loop(); });
}

control_listener::~control_listener() { stop(); }

void control_listener::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void control_listener::loop() {
  while (!stopping_) {
    try {
      if (!listen_once()) return;
    } catch (const std::exception& e) {
      // The database is away or the connection broke: the periodic re-read resumes once it is
      // back (the other parts of the daemon report the outage).
      if (!warned_) spdlog::warn("control listener: {}; retrying every second", e.what());
      warned_ = true;
    }
    for (int i = 0; i < 4 && !stopping_; ++i) std::this_thread::sleep_for(wait_slice);
  }
}

bool control_listener::listen_once() {
  auto conn = connect(db_, "sluice-listen");
  std::vector<std::string> payloads;
  collecting_receiver receiver(*conn, payloads);  // sends LISTEN
  if (warned_) spdlog::info("control listener: listening again");
  warned_ = false;
  // Changes made while not listening were not notified: read everything once now.
  wake_("");
  auto next_reread = std::chrono::steady_clock::now() + reread_every_;
  while (!stopping_) {
    const auto slice = std::chrono::duration_cast<std::chrono::microseconds>(wait_slice).count();
    conn->await_notification(0, static_cast<long>(slice));
    if (!conn->is_open()) throw std::runtime_error("the listening connection was closed");
    for (auto& payload : std::exchange(payloads, {})) wake_(payload);
    if (std::chrono::steady_clock::now() >= next_reread) {
      wake_("");
      next_reread = std::chrono::steady_clock::now() + reread_every_;
    }
  }
  return false;
}

}  // namespace sluice::store
