#include "connectors/partoo/mapping.hpp"
#include "connectors/row_builder.hpp"

#include <utility>

#include "core/error.hpp"
#include "connectors/review_tables.hpp"

namespace sluice::connectors::partoo {
namespace {

std::optional<std::string> platform(const record_fields& fields) {
  auto partner = fields.indexed_text("partner");
  if (!partner) return std::nullopt;
  for (auto& c : *partner)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (*partner == "google_my_business") return std::string("google");
  return partner;
}

// Whether a comment of the thread is the business's answer. A thread may also hold reply
// suggestions (`is_reply_suggestion: true`: text proposed to the business, not posted, often under
// the business's own name) and the customer's own comments (written under the review's author
// name, before or under the answer). So: not a suggestion, not written by the review's author,
// and with some content (the vendor's example thread holds empty `{}` replies).
bool is_business_answer(const boost::json::object& comment,
                        const std::optional<std::string>& reviewer) {
  const auto* suggestion = comment.if_contains("is_reply_suggestion");
  if (suggestion != nullptr && suggestion->is_bool() && suggestion->get_bool()) return false;
  const auto* content = comment.if_contains("content");
  if (content == nullptr || content->is_null()) return false;
  const auto* author = comment.if_contains("author_name");
  return !(reviewer && author != nullptr && author->is_string() &&
           author->get_string() == *reviewer);
}

// The business's answer in a reply thread: the first comment, in thread order (each comment
// before its nested `replies`), that is_business_answer accepts; not simply the first comment.
// `comments` is a single object in some versions of the vendor's documentation and an array in
// others; `depth` bounds the nesting a hostile answer could send.
const boost::json::object* business_answer(const boost::json::value& thread,
                                           const record_fields& fields,
                                           const std::optional<std::string>& reviewer,
                                           int depth = 0) {
  if (depth > 8) return nullptr;
  if (thread.is_object()) {
    const auto& comment = thread.get_object();
    if (is_business_answer(comment, reviewer)) return &comment;
    const auto* replies = comment.if_contains("replies");
    return replies != nullptr && replies->is_array()
               ? business_answer(*replies, fields, reviewer, depth + 1)
               : nullptr;
  }
  if (!thread.is_array()) {
    fields.warn("comments", thread, "is neither a comment object nor an array of them");
    return nullptr;
  }
  for (const auto& element : thread.get_array()) {
    if (!element.is_object()) {
      fields.warn("comments", element, "holds something that is not a comment object");
      continue;
    }
    if (const auto* found = business_answer(element, fields, reviewer, depth + 1)) return found;
  }
  return nullptr;
}

// Deletion follows `state` (deletions are reversible: Google restores reviews): state=deleted is
// deleted, at delete_date if it has one, else at update_date; a review without a state is deleted
// when it has a delete_date; any other state is live, even with a stale delete_date left over
// from before a restore. nullopt (live) clears deleted_at on upsert.
std::optional<timestamp> deleted_at(const record_fields& fields,
                                    const std::optional<std::string>& state,
                                    timestamp update_date) {
  auto delete_date = fields.time("delete_date");  // read anyway: an odd value counts a warning
  if (state && *state != "deleted") return std::nullopt;
  if (state) return delete_date ? delete_date : update_date;
  return delete_date;
}

std::optional<std::vector<std::string>> tag_labels(const record_fields& fields) {
  const auto* tags = fields.find("tags");
  if (tags == nullptr) return std::nullopt;
  if (!tags->is_array()) {
    fields.warn("tags", *tags, "is not an array");
    return std::nullopt;
  }
  std::vector<std::string> labels;
  for (const auto& tag : tags->get_array()) {
    const boost::json::value* label =
        tag.is_object() ? tag.get_object().if_contains("label") : &tag;
    if (label != nullptr && label->is_string()) {
      labels.emplace_back(label->get_string());
    } else {
      fields.warn("tags", tag, "has no label");  // the other labels are still worth keeping
    }
  }
  return labels;
}

}  // namespace

mapped_review map_review(const boost::json::object& review, run_counters& counters,
                         std::string_view text) {
  std::string id = required_id(review, "partoo review");
  record_fields fields(review, "partoo review " + id, counters, text);

  const auto* update_value = fields.find("update_date");
  auto update_date = update_value == nullptr ? std::nullopt : timestamp_value(*update_value);
  if (!update_date)
    throw error(error_kind::data,
                fields.label() + ": update_date " +
                    (update_value == nullptr ? std::string("absent") : excerpt(*update_value)) +
                    " is not a timestamp; it is the cursor field, so the review cannot be stored");

  auto state = fields.text("state");
  auto author = fields.text("author_name");

  row_builder out(tables::reviews);
  out.set("external_id", id);
  out.set("provider", std::string("partoo"));
  out.set("business_external_id", fields.id("business_id"));
  out.set("platform", platform(fields));
  out.set("author_name", author);
  out.set("rating", fields.number_text("rating"));
  out.set("recommended", fields.boolean("recommended"));
  out.set("title", fields.text("title"));
  out.set("content", fields.text("content"));
  out.set("status", state);
  out.set("review_url", fields.text("link"));
  const auto* thread = fields.find("comments");
  if (const auto* comment = thread ? business_answer(*thread, fields, author) : nullptr) {
    auto reply = fields.nested(*comment, "comment");
    out.set("reply_content", reply.text("content"));
    out.set("reply_author", reply.text("author_name"));
    out.set("reply_at", reply.time("date"));
  }
  out.set("tags", tag_labels(fields));
  out.set("created_at", fields.time("date"));
  out.set("updated_at", update_date);
  out.set("archived", cell{false});  // Partoo has no archive
  out.set("raw", fields.raw());
  out.set("deleted_at", deleted_at(fields, state, *update_date));
  return {out.take(), std::move(id), *update_date};
}

mapped_business map_business(const boost::json::object& business, run_counters& counters,
                             std::string_view text) {
  std::string id = required_id(business, "partoo business");
  record_fields fields(business, "partoo business " + id, counters, text);

  const auto* modified_value = fields.find("modified");
  auto modified = modified_value == nullptr ? std::nullopt : timestamp_value(*modified_value);
  if (!modified)
    throw error(
        error_kind::data,
        fields.label() + ": modified " +
            (modified_value == nullptr ? std::string("absent") : excerpt(*modified_value)) +
            " is not a timestamp; it is the cursor field, so the business cannot be stored");

  row_builder out(tables::businesses);
  out.set("external_id", id);
  out.set("provider", std::string("partoo"));
  out.set("name", fields.indexed_text("name"));
  // platforms stays NULL: Partoo does not list a business's platforms in this answer.
  out.set("address", fields.text("address"));
  out.set("city", fields.text("city"));
  out.set("zipcode", fields.text("zipcode"));
  out.set("country", fields.text("country"));
  out.set("status", fields.text("status"));
  out.set("raw", fields.raw());
  // deleted_at stays NULL: the search answer has no deletion marker.
  return {out.take(), std::move(id), *modified,
          modified_value->is_number() ? time_form::unix_seconds : time_form::iso};
}

namespace {

template <class Record, class Map>
page<Record> read_page(std::string_view body, std::string_view content_type,
                       const body_origin& origin, std::string_view list, Map map) {
  auto answer = parse_object_body(body, content_type, origin);
  const auto& items = array_member(answer, list, origin);
  // Each record's text as sent, so raw keeps numbers a double cannot hold.
  const auto texts = element_texts(body, list);
  page<Record> result;
  result.max_page = integer_member(answer, "max_page");
  result.count = integer_member(answer, "count");
  result.records.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto prefix = [&] {
      return describe(origin) + ": " + std::string(list) + "[" + std::to_string(i) + "]";
    };
    if (!items[i].is_object())
      throw error(error_kind::data, prefix() + " is not an object: " + excerpt(items[i]));
    try {
      result.records.push_back(
          map(items[i].get_object(), texts.size() == items.size() ? texts[i] : std::string_view()));
    } catch (const error& e) {
      // The mapper knows the record, the page knows where it came from: say both, once.
      throw error(e.kind(), prefix() + ": " + e.what());
    }
  }
  return result;
}

}  // namespace

page<mapped_review> read_reviews_page(std::string_view body, std::string_view content_type,
                                      const body_origin& origin, run_counters& counters) {
  return read_page<mapped_review>(body, content_type, origin, "reviews",
                                  [&](const boost::json::object& r, std::string_view text) {
                                    return map_review(r, counters, text);
                                  });
}

page<mapped_business> read_businesses_page(std::string_view body, std::string_view content_type,
                                           const body_origin& origin, run_counters& counters) {
  return read_page<mapped_business>(body, content_type, origin, "businesses",
                                    [&](const boost::json::object& b, std::string_view text) {
                                      return map_business(b, counters, text);
                                    });
}

}  // namespace sluice::connectors::partoo
