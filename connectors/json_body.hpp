#pragma once
// Reading API answers as JSON, for every connector: the body checks that fail a run (DESIGN 7:
// malformed JSON, a wrong content type or shape) and the per-field readers that only warn (one odd
// value is stored as a typed NULL, `raw` keeps it, and the run counts a warning).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/run_counters.hpp"
#include "core/time.hpp"

namespace sluice::connectors {

// Where an answer came from, for error messages. The URL's query string is never shown (it may
// carry filters that are noise in a log line); the source name says whose answer it was.
struct body_origin {
  std::string_view source;
  std::string_view url;
};

// "source 'reviews-eu': https://api.partoo.co/v2/reviews": the prefix of every message about
// an answer.
std::string describe(const body_origin& origin);

// Parses a body that must be a JSON object. Throws sluice::error (kind data) naming the source, the
// URL and the problem: a Content-Type that is not JSON (an HTML error page served with 200),
// malformed JSON (parser message, byte offset and the text there), or a top-level value that is
// not an object. An absent Content-Type is tolerated: the parse decides.
boost::json::object parse_object_body(std::string_view body, std::string_view content_type,
                                      const body_origin& origin);

// The same checks for a body that must be a JSON array (Cloutly's GET /businesses).
boost::json::array parse_array_body(std::string_view body, std::string_view content_type,
                                    const body_origin& origin);

// The array under `key` of a list answer (`{"reviews": [...]}`); throws sluice::error (kind data)
// when it is missing or not an array: an answer without its list is not an empty list.
const boost::json::array& array_member(const boost::json::object& body, std::string_view key,
                                       const body_origin& origin);

// A counter of a list answer (`max_page`, `count`): an integer, an integral number or a numeric
// string. nullopt when absent or unusable: paging then relies on empty pages instead.
std::optional<std::int64_t> integer_member(const boost::json::object& body, std::string_view key);

// An identifier as text: a non-empty string, or an integer. nullopt for anything else.
std::optional<std::string> id_text(const boost::json::value& value);

// The record's `id` as text; a record without a usable one throws kind data ("partoo review
// without a usable id (absent): {...}"): a record without a usable id fails the run.
std::string required_id(const boost::json::object& record, std::string_view what);

// JSON text of a value (our own cursors and details; for vendor data see json_text).
std::string serialize(const boost::json::value& value);

// The exact text of each element of a list answer's array, in order: of the member `list_key` of
// a top-level object, or of the top-level array when `list_key` is empty. Empty when the body has
// no such list. The body must already have parsed (the views point into it).
std::vector<std::string_view> element_texts(std::string_view body, std::string_view list_key);

// The exact text of the member `key` of an object's JSON text (the last one when repeated, as the
// parser keeps); nullopt when absent or when `object_text` is not an object.
std::optional<std::string_view> member_text(std::string_view object_text, std::string_view key);

// Vendor JSON for a jsonb column (`raw`, Clevertim's custom fields), where `original` is the text
// `value` was parsed from (empty when unknown). The parse tree gives back only integers of up to
// 18 digits as sent (a 30-digit integer comes back rounded, `1e400` as Infinity, `4.50` as
// `4.5E0`), so a value with any other number is stored from the vendor's text, as sent;
// everything else is serialized from the tree, which keeps the stored form (and so the content
// hash) of ordinary records as it was. What jsonb cannot hold even so is made storable and
// reported in `problems` (record_fields turns them into warnings): a `\u0000` escape is dropped
// (PostgreSQL text has no NUL), and a number beyond numeric's range is stored as a string of its
// literal.
struct json_text_problems {
  bool nul_dropped = false;
  bool number_quoted = false;
};
std::string json_text(const boost::json::value& value, std::string_view original,
                      json_text_problems& problems);

// Whether PostgreSQL's numeric type can hold this JSON number literal (its range is 131,072
// digits before the decimal point and 16,383 after it).
bool numeric_can_hold(std::string_view literal) noexcept;

// At most about 60 bytes of a value's JSON text (cut at a UTF-8 boundary), for messages.
std::string excerpt(const boost::json::value& value);

// Reads an answer that is a JSON object whose one large member is a list (Clevertim's
// `{"status":"OK","content":[...]}` with 50,000 contacts) one element at a time, so that peak
// memory is the body text plus one element, never a parse tree of the whole answer.
//
// The constructor scans the whole body once with a small tokenizer (strings, escapes, nesting;
// no tree): the top level must be one object with nothing after it, every container must be
// closed, and every comma and colon must be in place. A truncated or garbled body therefore
// fails here, before any element is handed out. Every top-level member other than the list is
// parsed (they are small: "status", "error"), so they can be inspected before the first element,
// whatever their order in the text. next() then parses one element at a time into an arena that
// is reused for the next one. Every failure throws sluice::error (kind data) naming the source,
// the URL (without query) and the byte offset in the body.
//
// The reader keeps views into `body`: the body must outlive it.
class list_body_reader {
public:
  list_body_reader(std::string_view body, std::string_view content_type, std::string list_key,
                   const body_origin& origin);
  ~list_body_reader();
  list_body_reader(list_body_reader&&) noexcept;
  list_body_reader& operator=(list_body_reader&&) noexcept;

  // The top-level members other than the list, parsed.
  const boost::json::object& members() const noexcept;

  // Whether the body has the list member at all (of whatever type).
  bool has_list() const noexcept;

  // The next element of the list; nullptr after the last one. The value stays valid until the
  // next call. Throws (kind data) when the list member is absent or not an array (an answer
  // without its list is not an empty list) and for an element that is not valid JSON (byte
  // offset and index named).
  const boost::json::value* next();

  // The exact text of the element next() returned last.
  std::string_view text() const noexcept;

  // Elements handed out so far.
  std::size_t count() const noexcept;

private:
  struct state;
  std::unique_ptr<state> state_;
};

// Typed reads of one API record. A missing or null field is nullopt. A present value of the wrong
// type, or one that does not parse, is nullopt too and counts one warning naming the record, the
// field and the value.
class record_fields {
public:
  // `label` names the record in warnings, e.g. "partoo review 34". `text` is the record's JSON
  // text as the vendor sent it, when known: number_text() then reads literals exactly and raw()
  // can keep numbers a double cannot hold.
  record_fields(const boost::json::object& record, std::string label, run_counters& counters,
                std::string_view text = {});

  // The value of `key`; nullptr when absent or null.
  const boost::json::value* find(std::string_view key) const noexcept;

  std::optional<std::string> text(std::string_view key) const;  // a string
  // A string for an indexed column (a name, a platform): a btree entry cannot hold much more
  // than 2 kB, and one long value would fail every commit of the table, so one longer than
  // max_id_bytes (core/record.hpp) is nullopt with a warning (raw keeps it).
  std::optional<std::string> indexed_text(std::string_view key) const;
  std::optional<std::string> id(std::string_view key) const;  // a string or an integer
  // A decimal literal, exactly as sent when the record's text is known; a number numeric cannot
  // hold warns.
  std::optional<std::string> number_text(std::string_view key) const;
  // A member as jsonb text (json_text), warning when it had to be changed to be storable.
  std::optional<std::string> json(std::string_view key) const;
  // The whole record for `raw` (json_text), warning when it had to be changed to be storable.
  std::string raw() const;
  std::optional<bool> boolean(std::string_view key) const;
  // An ISO-8601 string (offsets converted to UTC) or unix seconds as a number.
  std::optional<timestamp> time(std::string_view key) const;

  // Counts a warning about `key` holding `value`; `problem` says what is wrong with it.
  void warn(std::string_view key, const boost::json::value& value, std::string_view problem) const;

  // Readers for a nested object (a comment of a review), warning under this record's label.
  record_fields nested(const boost::json::object& inner, std::string_view what) const;

  const std::string& label() const noexcept { return label_; }
  run_counters& counters() const noexcept { return counters_; }

private:
  std::string storable_json(const boost::json::value& value, std::string_view original,
                            std::string_view what) const;

  const boost::json::object& record_;
  std::string label_;
  run_counters& counters_;
  std::string_view text_;
};

// A JSON number (or numeric string) as a PostgreSQL numeric literal: `4`, `4.5`, `-1e+21`;
// nullopt for a value numeric cannot hold.
std::optional<std::string> decimal_text(const boost::json::value& value);

// An instant as APIs send them: an ISO-8601 string (offsets converted to UTC) or unix seconds as
// a number. nullopt for anything else, such as the placeholder "<string>".
std::optional<timestamp> timestamp_value(const boost::json::value& value);

}  // namespace sluice::connectors
