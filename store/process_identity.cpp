#include "store/process_identity.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include <signal.h>
#include <sys/random.h>
#include <unistd.h>

namespace sluice::store {
namespace {

std::optional<std::string> first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  if (line.empty()) return std::nullopt;
  return line;
}

std::optional<std::string> link_target(const char* path) {
  std::array<char, 256> buf{};
  const auto n = ::readlink(path, buf.data(), buf.size() - 1);
  if (n <= 0) return std::nullopt;
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

// Whether /proc shows our own pid namespace: a /proc mounted for another namespace (a container
// sharing the host's /proc) names other processes under these pids.
bool proc_is_ours() {
  auto self = link_target("/proc/self");
  return self && *self == std::to_string(::getpid());
}

// Field 22 (starttime) of /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so the fields are counted after its last ')'.
std::optional<std::int64_t> start_ticks_at(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string stat = text.str();
  const auto close = stat.rfind(')');
  if (!in || close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i)
    if (!(fields >> field)) return std::nullopt;
  std::int64_t ticks = 0;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), ticks);
  if (ec != std::errc{} || end != field.data() + field.size()) return std::nullopt;
  return ticks;
}

process_identity read_this_process() {
  process_identity me;
  me.instance_id = random_instance_id();
  me.boot_id = first_line("/proc/sys/kernel/random/boot_id");
  me.pid_namespace = link_target("/proc/self/ns/pid");
  me.pid = static_cast<int>(::getpid());
  me.start_ticks = start_ticks_at("/proc/self/stat");
  return me;
}

}  // namespace

const process_identity& this_process() {
  static const process_identity me = read_this_process();
  return me;
}

std::string random_instance_id() {
  std::array<unsigned char, 16> bytes{};
  // getrandom never returns short for 16 bytes once the pool is ready; /dev/urandom and then
  // random_device cover a kernel or filter that refuses it.
  if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    if (!urandom.read(reinterpret_cast<char*>(bytes.data()), bytes.size())) {
      std::random_device rd;
      for (auto& b : bytes) b = static_cast<unsigned char>(rd());
    }
  }
  std::string out;
  for (unsigned char b : bytes) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    out += hex;
  }
  return out;
}

bool process_alive(int pid) {
  // kill(0, ...) and negative pids address process groups, never one process.
  if (pid <= 0) return false;
  if (::kill(pid, 0) == 0) return true;
  // EPERM: it exists but belongs to another user.
  return errno == EPERM;
}

std::optional<std::int64_t> process_start_ticks(int pid) {
  if (pid <= 0 || !proc_is_ours()) return std::nullopt;
  return start_ticks_at("/proc/" + std::to_string(pid) + "/stat");
}

bool holder_gone(const process_identity& holder, const process_identity& me,
                 const process_probe& probe) {
  if (holder.instance_id == me.instance_id) return false;
  if (!holder.boot_id || !me.boot_id || *holder.boot_id != *me.boot_id) return false;
  if (!holder.pid_namespace || !me.pid_namespace || *holder.pid_namespace != *me.pid_namespace)
    return false;
  if (holder.pid <= 0) return false;
  if (!probe.alive(holder.pid)) return true;
  // The pid is in use: by the holder, or by a later process that got the same pid.
  if (!holder.start_ticks) return false;
  const auto now_there = probe.start_ticks(holder.pid);
  return now_there && *now_there != *holder.start_ticks;
}

}  // namespace sluice::store
