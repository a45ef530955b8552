#pragma once
// Operator control of running daemons, kept in the database so every instance on every host sees
// it: paused streams (table stream_pauses). Each change is committed together with a NOTIFY on
// the channel `control_channel`, whose payload says what changed and in which schema
// (control_payload: "pause sluice"), so listening instances (store/control_listener.hpp) act
// within a second.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "store/database.hpp"

namespace sluice::store {

// The LISTEN/NOTIFY channel of every control change, whatever the schema: a listener re-reads what
// it cares about on any notification, so one channel serves pauses and later kinds of requests.
inline constexpr std::string_view control_channel = "sluice_control";
inline constexpr std::string_view control_change_pause = "pause";
// "<change> <schema>": one database may hold several sluice schemas, and NOTIFY is per database.
inline std::string control_payload(std::string_view change, std::string_view schema) {
  return std::string(change) + " " + std::string(schema);
}
// The stream name that pauses every stream of a source.
inline constexpr std::string_view all_streams = "*";

struct stream_pause {
  std::string source;
  std::string stream;  // all_streams for the whole source
  std::string reason;  // empty when none was given
  std::string paused_by;
  timestamp paused_at{};
};

class control {
public:
  explicit control(const database_options& db);  // throws sluice::error(kind database)
  ~control();
  control(const control&) = delete;
  control& operator=(const control&) = delete;

  // Pauses the stream (all_streams: the whole source). Pausing what is already paused replaces
  // its reason and author and keeps its time. Returns false when it was already paused.
  bool pause(std::string_view source, std::string_view stream, std::string_view reason,
             std::string_view by);
  // Removes the pause of exactly this (source, stream); all_streams removes every pause of the
  // source, its streams' included. Returns the pauses removed (none: nothing was paused).
  std::vector<stream_pause> resume(std::string_view source, std::string_view stream);
  // Every pause, ordered by source and stream.
  std::vector<stream_pause> list_pauses();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::store
