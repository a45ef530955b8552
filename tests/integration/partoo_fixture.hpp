#pragma once
// The Partoo end-to-end fixture: one sluice-fakeapi, a config with one Partoo source
// ("reviews-eu"), and the table and the fake's data side by side for comparison.
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/time.hpp"
#include "tests/support/sync_fixture.hpp"

namespace sluice::test {

inline constexpr const char* api_key = "partoo-KEY-9f8e7d6c5b4a";

struct review_state {
  std::string updated_at;  // UTC, format_timestamp
  bool deleted = false;
  std::string rating;  // "" for null
  std::string status;
  bool operator==(const review_state&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const review_state& r) {
  return os << "{" << r.updated_at << (r.deleted ? " deleted" : "") << " rating=" << r.rating
            << " status=" << r.status << "}";
}

class partoo_sync : public sync_fixture {
protected:
  void start_fake(std::vector<std::string> options) {
    options.insert(options.end(), {"--partoo-key", api_key});
    fake_ = std::make_unique<fakeapi>(options);
  }

  // A config with one Partoo source; `extra` lines go into the source table.
  std::string partoo_config(const std::string& extra = "", bool https = false,
                            const std::string& ca_file = "") {
    write_file(dir_ / "partoo.key", std::string(api_key) + "\n");
    std::string base = https ? fake_->https_url("/partoo/v2") : fake_->http_url("/partoo/v2");
    std::string toml = "[sources.reviews-eu]\nkind = \"partoo\"\nbase_url = \"" + base +
                       "\"\napi_key_file = \"" + (dir_ / "partoo.key").string() +
                       "\"\nrate_limit = \"100000/min\"\ntimeout = \"10s\"\n";
    if (https)
      toml += "ca_file = \"" + (ca_file.empty() ? fake_->cert_file().string() : ca_file) + "\"\n";
    return write_config(toml + extra);
  }

  std::map<std::string, review_state> fake_reviews() {
    std::map<std::string, review_state> out;
    auto dump = fake_->get("/_control/partoo/reviews");
    for (const auto& v : dump.as_array()) {
      const auto& o = v.as_object();
      review_state r;
      r.updated_at = format_timestamp(*parse_timestamp(o.at("update_date").as_string()));
      // The state decides: deleted, or no state and a delete_date; any other state is live.
      const auto& state = o.at("state");
      r.deleted = state.is_null() ? !o.at("delete_date").is_null() : state.as_string() == "deleted";
      r.rating = o.at("rating").is_null() ? "" : std::to_string(o.at("rating").to_number<int>());
      r.status = state.is_null() ? "" : std::string(state.as_string());
      out[std::to_string(o.at("id").to_number<std::int64_t>())] = r;
    }
    return out;
  }

  std::map<std::string, review_state> table_reviews() {
    std::map<std::string, review_state> out;
    for (const auto& line : psql_rows("SELECT external_id, to_char(updated_at AT TIME ZONE 'UTC', "
                                      "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), deleted_at IS NOT "
                                      "NULL, coalesce(rating::text, ''), "
                                      "coalesce(status, '') FROM " +
                                      schema_ + ".reviews WHERE source = 'reviews-eu'")) {
      if (line.empty()) continue;
      std::vector<std::string> f;
      std::size_t pos = 0;
      for (;;) {
        auto bar = line.find('|', pos);
        f.push_back(line.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
        if (bar == std::string::npos) break;
        pos = bar + 1;
      }
      EXPECT_EQ(f.size(), 5u) << line;
      if (f.size() != 5) continue;
      EXPECT_FALSE(out.count(f[0])) << "duplicate row " << f[0];
      out[f[0]] = {f[1], f[2] == "t", f[3], f[4]};
    }
    return out;
  }

  void expect_table_matches_fake() {
    auto fake = fake_reviews();
    auto table = table_reviews();
    EXPECT_EQ(table.size(), fake.size());
    int mismatches = 0;
    for (const auto& [id, r] : fake) {
      auto it = table.find(id);
      if (it == table.end()) {
        if (++mismatches < 5) ADD_FAILURE() << "review " << id << " missing from the table";
      } else if (!(it->second == r)) {
        if (++mismatches < 5)
          ADD_FAILURE() << "review " << id << ": table " << it->second << " fake " << r;
      }
    }
    EXPECT_EQ(mismatches, 0);
  }

  std::string cursor(const std::string& stream = "reviews") {
    return psql("SELECT cursor->>'update_date' FROM " + schema_ +
                ".sync_state WHERE source = 'reviews-eu' AND stream = '" + stream + "'");
  }

  std::vector<std::string> review_requests() {
    std::vector<std::string> out;
    for (auto& t : fake_->request_log())
      if (t.find("/partoo/v2/reviews") != std::string::npos) out.push_back(t);
    return out;
  }
};

}  // namespace sluice::test
