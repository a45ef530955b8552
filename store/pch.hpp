// Precompiled for sluice_store's sources (see cmake/precompiled_headers.cmake).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <type_traits>
#include <variant>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
