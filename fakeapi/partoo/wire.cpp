#include "fakeapi/partoo/wire.hpp"

#include "fakeapi/partoo/generator.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace sluice::fakeapi::partoo {
namespace {

// A reply thread: its top-level comments and whether a customer's comment answers them.
struct thread {
  bool object = false;  // a single comment object instead of an array
  std::vector<comment_kind> top;
  bool customer_reply = false;
};

thread thread_of(const review& r, bool reply_threads) {
  using k = comment_kind;
  if (!reply_threads) {
    if (r.comments == comment_shape::none) return {};
    return {r.comments == comment_shape::object, {k::business}, false};
  }
  const auto roll = mix64(r.salt, 0x7e4d) % 100;
  switch (r.comments) {
    case comment_shape::none: return roll < 10 ? thread{false, {k::customer}, false} : thread{};
    case comment_shape::object: return {true, {roll < 20 ? k::suggestion : k::business}, false};
    case comment_shape::array:
      if (roll < 15) return {false, {k::suggestion}, false};
      if (roll < 30) return {false, {k::customer, k::business}, false};
      if (roll < 40) return {false, {k::suggestion, k::business}, false};
      if (roll < 50) return {false, {k::business}, true};  // the customer answers the business
      return {false, {k::business}, false};
  }
  return {};
}

// parent_id 0 is null; `reply`, when set, is written as the comment's one nested reply.
void write_comment(json_writer& w, const review& r, const business& b, comment_kind kind,
                   std::int64_t parent_id, const comment_kind* reply) {
  // A customer's comment comes before the business's answer.
  const micros at = kind == comment_kind::customer
                        ? std::max(r.date, r.comment_date - 3600 * micros_per_second)
                        : r.comment_date;
  const std::string when = format_iso(at, r.offset_minutes);
  const std::int64_t base = kind == comment_kind::business     ? 1'000'000
                            : kind == comment_kind::suggestion ? 2'000'000
                                                               : 3'000'000;
  w.begin_object();
  w.key("id").number(base + r.id);
  w.key("partner_id").string(comment_partner_id(r, b));
  w.key("created").string(when);
  switch (kind) {
    case comment_kind::business:
      w.key("author_name").string(reply_author(r.salt));
      w.key("content").string(business_reply_text(r.salt));
      break;
    case comment_kind::suggestion:  // proposed to the business under its own name, not posted
      w.key("author_name").string(reply_author(r.salt));
      w.key("content").string(suggestion_text(r.salt));
      break;
    case comment_kind::customer:  // the reviewer adds to the review
      w.key("author_name").string(author_name(r.salt));
      w.key("content").string(customer_comment_text(r.salt));
      break;
  }
  w.key("date").string(when);
  w.key("update_date").string(when);
  w.key("can_edit").boolean(kind != comment_kind::customer && r.platform != partner::tripadvisor);
  w.key("review_id").number(r.id);
  w.key("parent_id");
  if (parent_id != 0) {
    w.number(parent_id);
  } else {
    w.null();
  }
  w.key("user_id");
  if (kind == comment_kind::customer) {
    w.null();
  } else {
    w.string(random_hex(mix64(r.salt, 7), 24));
  }
  w.key("is_reply_suggestion").boolean(kind == comment_kind::suggestion);
  w.key("replies").begin_array();
  if (reply != nullptr) write_comment(w, r, b, *reply, base + r.id, nullptr);
  w.end_array();
  w.end_object();
}

void write_thread(json_writer& w, const review& r, const business& b, bool reply_threads) {
  const thread t = thread_of(r, reply_threads);
  const comment_kind customer = comment_kind::customer;
  if (t.object && t.top.size() == 1) {
    write_comment(w, r, b, t.top.front(), 0, nullptr);
    return;
  }
  w.begin_array();
  for (const auto kind : t.top)
    write_comment(w, r, b, kind, 0, t.customer_reply ? &customer : nullptr);
  w.end_array();
}

// The fields a review may lack (null then), from rating to link.
void write_review_details(json_writer& w, const review& r, const review_context& context) {
  const business& b = context.owner;
  w.key("rating");
  if (r.rating != 0) {
    w.number(r.rating);
  } else {
    w.null();
  }
  w.key("recommended");
  if (r.recommended >= 0) {
    w.boolean(r.recommended == 1);
  } else {
    w.null();
  }
  w.key("title");
  if (r.has_title) {
    w.string(title_text(r.text_seed));
  } else {
    w.null();
  }
  w.key("content");
  if (r.has_content) {
    w.string(content_text(r.text_seed));
  } else {
    w.null();
  }
  w.key("state");
  if (const auto state = shown_state(r, context.switches.extra_states); !state.empty()) {
    w.string(state);
  } else {
    w.null();
  }
  w.key("link");
  if (r.has_link) {
    w.string(review_link(r, b));
  } else {
    w.null();
  }
}

}  // namespace

std::optional<std::string_view> business_reply(const review& r, const switch_set& switches) {
  const thread t = thread_of(r, switches.reply_threads);
  if (std::find(t.top.begin(), t.top.end(), comment_kind::business) == t.top.end())
    return std::nullopt;
  return business_reply_text(r.salt);
}

void write_review(json_writer& w, const review& r, const review_context& context) {
  const business& b = context.owner;
  w.begin_object();
  w.key("key").string(review_key(r));
  w.key("org_id").number(context.org_id);
  w.key("id").number(r.id);
  w.key("business_id").string(b.id);
  w.key("partner").string(partner_name(r.platform));
  w.key("partner_id").string(review_partner_id(r, b));
  w.key("author_name").string(author_name(r.salt));
  w.key("date").string(format_iso(r.date, r.offset_minutes));
  w.key("update_date").string(format_iso(r.update_date, r.offset_minutes));
  w.key("delete_date");
  if (r.has_delete_date) {
    w.string(format_iso(r.delete_date, r.offset_minutes));
  } else {
    w.null();
  }
  write_review_details(w, r, context);
  // Both shapes of the reply thread occur in the vendor's docs: clients must accept either.
  w.key("comments");
  write_thread(w, r, b, context.switches.reply_threads);
  w.key("tags").begin_array();
  for (const auto t : r.tags) {
    if (t == 0) continue;
    const tag& info = tags_table[t - 1];
    w.begin_object()
        .key("id")
        .number(info.id)
        .key("label")
        .string(info.label)
        .key("color")
        .string(info.color)
        .end_object();
  }
  w.end_array();
  w.end_object();
}

void write_business(json_writer& w, const business& b, std::int64_t org_id) {
  w.begin_object();
  w.key("id").string(b.id);
  w.key("name").string(b.name);
  w.key("code").string(b.code);
  w.key("status").string(b.open ? "open" : "closed");
  w.key("address").string(b.address);
  w.key("city").string(b.city);
  w.key("zipcode").string(b.zipcode);
  w.key("country").string("FR");
  w.key("org_id").number(org_id);
  w.key("group_id").number(b.group_id);
  w.key("created").raw(format_unix_seconds(b.created));
  w.key("modified").raw(format_unix_seconds(b.modified));
  w.end_object();
}

}  // namespace sluice::fakeapi::partoo
