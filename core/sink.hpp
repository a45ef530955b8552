#pragma once
// Where a connector's rows go. The store implements it with a writer thread; connectors see only
// this interface, so they never touch the database and can be tested with any sink.
#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "core/record.hpp"

namespace sluice {

struct write_totals {
  std::int64_t records = 0;   // rows handed to the sink
  std::int64_t inserted = 0;  // rows that did not exist
  std::int64_t updated = 0;   // rows whose content changed (unchanged rows are not written)
  std::int64_t deleted = 0;   // rows marked deleted (source deletions and snapshot absences)
};

class sink {
public:
  virtual ~sink() = default;

  // Hands over rows and the cursor they advance. Resumes as soon as the writer's bounded queue
  // has room, so fetching the next page overlaps the commit of this one. A commit failure of an
  // earlier batch of this stream is rethrown here (as sluice::error, kind database).
  virtual boost::asio::awaitable<void> write(record_batch batch) = 0;

  // Resumes when every batch written so far has committed; throws the first commit failure.
  virtual boost::asio::awaitable<write_totals> flush() = 0;
};

}  // namespace sluice
