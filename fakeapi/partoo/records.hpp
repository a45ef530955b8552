#pragma once
// The records of the Partoo imitation as it keeps them, and the facts about them that every part
// (generator, store, routes) must agree on: what counts as deleted, which state the API shows.
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::fakeapi::partoo {

using namespace std::string_view_literals;

enum class partner : std::uint8_t { google, facebook, tripadvisor };
// `none` is a review without a state (`"state": null`): deleted when it has a delete_date.
enum class review_state : std::uint8_t { treated, not_treated, deleted, none };
enum class comment_shape : std::uint8_t { none, array, object };
// Who wrote a comment of a reply thread: the business (its answer), Partoo (a reply suggestion,
// `is_reply_suggestion: true`, not posted) or the customer who wrote the review.
enum class comment_kind : std::uint8_t { business, suggestion, customer };

// Compact on purpose (200,000 of them must stay cheap): texts and platform identifiers are
// derived from `salt` and `text_seed` when serialized instead of being stored.
struct review {
  std::int64_t id = 0;
  micros date = 0;
  micros update_date = 0;
  micros delete_date = 0;  // meaningful when has_delete_date
  micros comment_date = 0;
  std::uint64_t salt = 0;       // identity: key, platform ids, author, link, reply
  std::uint64_t text_seed = 0;  // wording: content and title; changes when the review is edited
  std::uint32_t business = 0;
  std::int16_t offset_minutes = 120;
  std::uint8_t rating = 0;       // 1..5; 0 is null
  std::int8_t recommended = -1;  // -1 null, 0 false, 1 true
  partner platform = partner::google;
  review_state state = review_state::not_treated;
  comment_shape comments = comment_shape::none;
  std::array<std::uint8_t, 2> tags{};  // tag table index + 1; 0 is no tag
  bool has_delete_date = false;
  bool purged = false;  // removed without trace: no answer, no dump, no mutation picks it
  bool has_content = true;
  bool has_title = false;
  bool has_link = true;
};

struct business {
  std::string id;
  std::string name;
  std::string code;
  bool open = true;
  std::string address;
  std::string city;
  std::string zipcode;
  std::int64_t group_id = 0;
  micros created = 0;
  micros modified = 0;
  std::string gmb_location;   // accounts/.../locations/...
  std::string facebook_page;  // numeric page id
};

struct tag {
  std::int64_t id;
  std::string_view label;
  std::string_view color;
};

inline constexpr std::array tags_table{
    tag{25, "food", "#808080"},    tag{26, "service", "#1e90ff"},  tag{27, "prix", "#2e8b57"},
    tag{28, "accueil", "#ff8c00"}, tag{29, "propreté", "#8a2be2"},
};

inline std::string_view partner_name(partner p) {
  switch (p) {
    case partner::google: return "google_my_business";
    case partner::facebook: return "facebook";
    case partner::tripadvisor: return "tripadvisor";
  }
  return "google_my_business";
}

// Deleted at the source: `state` says so, or a review without a state has a delete_date. A
// review whose state is anything else is live, even with a stale delete_date.
inline bool is_deleted(const review& r) {
  return r.state == review_state::deleted || (r.state == review_state::none && r.has_delete_date);
}

inline constexpr std::array known_states{"treated"sv, "not_treated"sv, "deleted"sv,
                                         "pending_auto_reply"sv, "treated_auto_reply"sv};

// The state as the API shows it; empty for null. With extra states on, about one review in six
// of those (not) treated shows the automatic-reply variant instead: the review's identity decides,
// so it is stable across requests and edits that keep the state.
inline std::string_view shown_state(const review& r, bool extra_states) {
  const bool automatic = extra_states && mix64(r.salt, 0x5a7e) % 6 == 0;
  switch (r.state) {
    case review_state::treated: return automatic ? "treated_auto_reply"sv : "treated"sv;
    case review_state::not_treated: return automatic ? "pending_auto_reply"sv : "not_treated"sv;
    case review_state::deleted: return "deleted"sv;
    case review_state::none: return {};
  }
  return {};
}

}  // namespace sluice::fakeapi::partoo
