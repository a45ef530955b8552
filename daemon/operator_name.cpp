#include "daemon/operator_name.hpp"

#include <pwd.h>
#include <unistd.h>

namespace sluice::daemon {

std::string operator_name() {
  std::string user = "unknown";
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr)
    user = pw->pw_name;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return user;
  return user + "@" + host;
}

}  // namespace sluice::daemon
