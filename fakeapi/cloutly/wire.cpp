#include "fakeapi/cloutly/wire.hpp"

#include "fakeapi/cloutly/generator.hpp"
#include "fakeapi/timestamp.hpp"

#include <cstddef>
#include <string>

namespace sluice::fakeapi::cloutly {
namespace {

// The reviewer's contact details, each present or null.
void write_contact(json_writer& w, const review& r) {
  w.key("email");
  if (r.has_email) {
    w.string(customer_email(r.salt));
  } else {
    w.null();
  }
  w.key("phoneNumber");
  if (r.has_phone) {
    w.string(customer_phone(r.salt));
  } else {
    w.null();
  }
  w.key("photo");
  if (r.has_photo) {
    w.string(customer_photo(r.salt));
  } else {
    w.null();
  }
}

void write_response(json_writer& w, const review& r, const business& b) {
  w.key("response");
  if (r.has_response) {
    w.begin_object();
    w.key("name").string(b.name);
    w.key("date").string(format_iso_date(r.response_date));
    w.key("comment").string(reply_text(r.response_seed));
    w.end_object();
  } else {
    w.null();
  }
}

}  // namespace

void write_review(json_writer& w, const review& r, const business& b) {
  const std::string author = author_name(r.salt);
  w.begin_object();
  w.key("id").string(r.id);
  w.key("businessId").string(b.id);
  w.key("authorName").string(author);
  // Usually the same as authorName; some platforms only give a first name here.
  w.key("name").string(mix64(r.salt, 10) % 10 == 0 ? author.substr(0, author.find(' ')) : author);
  write_contact(w, r);
  char rating[2] = {static_cast<char>('0' + r.rating), '\0'};
  w.key("rating").string(rating);
  w.key("text");
  if (r.has_text) {
    w.string(review_text(r.text_seed));
  } else {
    w.null();
  }
  w.key("source").string(platform_names[static_cast<std::size_t>(r.source)]);
  w.key("sourceFeedbackId").string(source_feedback_id(r));
  w.key("status").string(status_names[static_cast<std::size_t>(r.status)]);
  w.key("reviewUrl");
  if (r.has_url) {
    w.string(review_url(r));
  } else {
    w.null();
  }
  w.key("type");
  if (r.source == platform::facebook) {
    w.string("recommendation");
  } else {
    w.null();
  }
  w.key("showOnWidget").boolean(r.show_on_widget);
  w.key("isArchived").boolean(r.archived);
  w.key("shield").boolean(r.shield);
  w.key("videoRef").null();
  w.key("gifRef").null();
  write_response(w, r, b);
  w.key("createdAt").string(format_iso_millis(r.created));
  w.key("updatedAt").string(format_iso_millis(r.updated));
  // Not in the vendor's docs: "new fields may appear at any time", and clients must keep them.
  w.key("sentiment").string(sentiment(r.rating));
  w.end_object();
}

void write_business(json_writer& w, const business& b) {
  const business_address a = address_of(b);
  w.begin_object();
  w.key("id").string(b.id);
  w.key("name").string(b.name);
  w.key("sources").begin_array();
  for (std::size_t i = 0; i < platform_count; ++i) {
    if ((b.sources & (1U << i)) != 0) w.string(platform_names[i]);
  }
  w.end_array();
  // Undocumented extras ("..." in the vendor's example): clients must tolerate them.
  w.key("timezone").string(a.timezone);
  w.key("createdAt").string(format_iso_millis(b.created));
  w.key("address").begin_object();
  w.key("line1").string(a.line1);
  w.key("city").string(a.city);
  w.key("postcode").string(a.postcode);
  w.key("country").string(a.country);
  w.end_object();
  w.key("website");
  if (a.website) {
    w.string(*a.website);
  } else {
    w.null();
  }
  w.end_object();
}

}  // namespace sluice::fakeapi::cloutly
