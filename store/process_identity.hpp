#pragma once
// Who a lease holder is, as a process, and when it is certainly gone. A pid means something only
// inside one pid namespace of one running kernel: containers with host networking share the host
// name but not the pid space, and after a reboot or in another container the same pid is another
// process. So a process is recorded with a random instance id, the kernel's boot id, its pid
// namespace and its start time; another process may call it gone only when it shares that boot
// and namespace and the pid is free (or belongs to a process started at another time). Anything
// less certain leaves the holder to its lease's expiry.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace sluice::store {

struct process_identity {
  std::string instance_id;                   // 32 hex digits, random per process
  std::optional<std::string> boot_id;        // /proc/sys/kernel/random/boot_id; none if unreadable
  std::optional<std::string> pid_namespace;  // readlink /proc/self/ns/pid, e.g. "pid:[4026531836]"
  int pid = 0;                               // in that namespace
  std::optional<std::int64_t> start_ticks;   // clock ticks after boot (/proc/PID/stat field 22)
};

// This process, read once (the instance id stays the same for the process's lifetime).
const process_identity& this_process();

// A fresh random instance id: 128 bits as 32 lowercase hex digits.
std::string random_instance_id();

// Whether process `pid` of our pid namespace exists (kill(pid, 0); EPERM counts as alive).
bool process_alive(int pid);

// When process `pid` of our pid namespace started (clock ticks after boot), or none when it
// cannot be told: no such process, or /proc hidden or belonging to another pid namespace.
std::optional<std::int64_t> process_start_ticks(int pid);

// How the rule looks at this kernel's processes; tests replace it.
struct process_probe {
  std::function<bool(int)> alive = process_alive;
  std::function<std::optional<std::int64_t>(int)> start_ticks = process_start_ticks;
};

// Whether the process recorded as `holder` certainly no longer exists, seen from `me`: same boot
// id and pid namespace (both known), another instance, and its pid free or taken by a process
// that started at another time. False whenever anything is unknown.
bool holder_gone(const process_identity& holder, const process_identity& me,
                 const process_probe& probe = {});

}  // namespace sluice::store
