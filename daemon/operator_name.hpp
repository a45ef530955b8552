#pragma once
// Who is at the keyboard: "<user>@<host>" of this command, recorded with what an operator asks of
// the daemons (a pause, a handed-over run), so the rows say who to ask.
#include <string>

namespace sluice::daemon {

std::string operator_name();

}  // namespace sluice::daemon
