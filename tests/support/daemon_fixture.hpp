#pragma once
// The daemon tests' fixture: a fake API with known keys, `[daemon]` configs on an ephemeral
// metrics port, row and lease counts from the test schema; and a NOTIFY_SOCKET stand-in that
// records what `sluice run` tells systemd.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/support/daemon_process.hpp"
#include "tests/support/sync_fixture.hpp"

namespace sluice::test {

using namespace std::chrono_literals;

inline constexpr const char* partoo_key = "partoo-DAEMON-KEY-31337";
inline constexpr const char* cloutly_key = "cloutly-DAEMON-KEY-4242";

class daemon_fixture : public sync_fixture {
protected:
  void start_fake(std::vector<std::string> options) {
    options.insert(options.end(), {"--partoo-key", partoo_key, "--cloutly-key", cloutly_key});
    fake_ = std::make_unique<fakeapi>(options);
    write_file(dir_ / "partoo.key", std::string(partoo_key) + "\n");
    write_file(dir_ / "cloutly.key", std::string(cloutly_key) + "\n");
  }

  std::string partoo_source(const std::string& name, const std::string& interval = "1s",
                            const std::string& extra = "") {
    return "[sources." + name + "]\nkind = \"partoo\"\nbase_url = \"" +
           fake_->http_url("/partoo/v2") + "\"\napi_key_file = \"" +
           (dir_ / "partoo.key").string() +
           "\"\nrate_limit = \"100000/min\"\ntimeout = \"10s\"\ninterval = \"" + interval + "\"\n" +
           extra + "\n";
  }
  std::string cloutly_source(const std::string& name, const std::string& interval = "1s") {
    return "[sources." + name + "]\nkind = \"cloutly\"\nbase_url = \"" +
           fake_->http_url("/cloutly/api/v1") + "\"\napi_key_file = \"" +
           (dir_ / "cloutly.key").string() +
           "\"\nrate_limit = \"100000/min\"\ntimeout = \"10s\"\ninterval = \"" + interval +
           "\"\n\n";
  }
  // [daemon] on an ephemeral port, and the sources.
  std::string daemon_config(const std::string& sources, const std::string& daemon_extra = "",
                            const std::string& file = "sluice.toml") {
    auto path = dir_ / file;
    auto base = database_toml(schema_);  // ends with [daemon] listen = "" (off)
    base.replace(base.find("listen = \"\""), 11, "listen = \"127.0.0.1:0\"\n" + daemon_extra);
    write_file(path, base + sources);
    return path.string();
  }

  std::int64_t count(const std::string& sql) {
    auto v = psql(sql);
    return v.empty() ? 0 : std::stoll(v);
  }
  std::int64_t rows(const std::string& source, const std::string& table = "reviews") {
    if (psql("SELECT to_regclass('" + schema_ + "." + table + "') IS NOT NULL") != "t") return 0;
    return count("SELECT count(*) FROM " + schema_ + "." + table + " WHERE source = '" + source +
                 "' AND deleted_at IS NULL");
  }
  std::map<std::string, std::string> holders() {
    std::map<std::string, std::string> out;
    if (psql("SELECT to_regclass('" + schema_ + ".leases') IS NOT NULL") != "t") return out;
    for (const auto& row : psql_rows("SELECT source || '|' || holder FROM " + schema_ +
                                     ".leases WHERE expires_at > now() ORDER BY source"))
      out[row.substr(0, row.find('|'))] = row.substr(row.find('|') + 1);
    return out;
  }
  // Leases of the instance configured as `name`: holders are "<instance>#<tag>".
  std::size_t held_by(const std::string& name) {
    std::size_t n = 0;
    for (const auto& [s, h] : holders()) n += h.starts_with(name + "#");
    return n;
  }
  std::int64_t fake_live_reviews() {
    std::int64_t n = 0;
    auto dump = fake_->get("/_control/partoo/reviews");
    for (const auto& v : dump.as_array()) {
      const auto& o = v.as_object();
      n += o.at("delete_date").is_null() && o.at("state").as_string() != "deleted";
    }
    return n;
  }
};

class notify_socket {
public:
  explicit notify_socket(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot bind " + path.string());
    timeval tv{0, 100'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~notify_socket() {
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  // The next message, or "" after 100 ms without one.
  std::string next() {
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
  // Reads messages until one contains `text`; every message read is appended to `seen`.
  bool wait_for(const std::string& text, std::string& seen, std::chrono::seconds limit = 60s) {
    return eventually(
        [&] {
          auto m = next();
          seen += m + "\n";
          return m.find(text) != std::string::npos;
        },
        limit);
  }

private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace sluice::test
