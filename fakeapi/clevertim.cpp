#include "fakeapi/clevertim.hpp"

#include "fakeapi/clevertim_zone.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <numeric>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::fakeapi {
namespace {

namespace http = boost::beast::http;
using http::verb;
using namespace std::string_view_literals;

// Generated records were added over 2019..2023, in id order; edits follow within 200 days.
constexpr micros range_begin = 1'546'300'800 * micros_per_second;  // 2019-01-01T00:00:00Z
constexpr micros range_end = 1'704'067'200 * micros_per_second;    // 2024-01-01T00:00:00Z
constexpr std::uint64_t day_seconds = 86'400;
constexpr std::uint64_t max_added_per_mutation = 1'000'000;

constexpr std::string_view api_prefix = "/clevertim/api/";
constexpr std::string_view control_prefix = "/_control/clevertim/";

enum class resource : std::uint8_t { contact, company, kase, opportunity, task, note, customfield };
constexpr std::size_t resource_count = 7;
constexpr std::array resource_names{"contact"sv,     "company"sv, "case"sv,       "opportunity"sv,
                                    "task"sv,        "note"sv,    "customfield"sv};
constexpr std::array all_resources{resource::contact, resource::company, resource::kase,       resource::opportunity,
                                   resource::task,    resource::note,    resource::customfield};
// Parents before children, so added records can point at records added in the same mutation.
constexpr std::array add_order{resource::customfield, resource::company, resource::contact, resource::kase,
                               resource::opportunity, resource::task,    resource::note};

constexpr std::size_t index(resource r) { return static_cast<std::size_t>(r); }
constexpr std::string_view name_of(resource r) { return resource_names[index(r)]; }
constexpr std::uint8_t bit(resource r) { return static_cast<std::uint8_t>(1U << index(r)); }

std::optional<resource> resource_named(std::string_view name) {
  for (const auto r : all_resources) {
    if (name_of(r) == name) return r;
  }
  return std::nullopt;
}

// Each resource numbers its records on its own, except that contacts and companies share one
// id space (a `cust` may be either). The first id is one past the base.
constexpr std::array<std::uint64_t, resource_count> id_bases{10'000, 10'000, 2'000, 3'000, 5'000, 7'000, 100};
constexpr std::size_t id_slot(resource r) { return r == resource::company ? index(resource::contact) : index(r); }

// Compact: text fields are derived from `salt` when serialized, and an update only draws a new
// salt. Links are stored because they must point at records that exist.
struct record {
  std::uint64_t id = 0;
  micros added = 0;
  micros modified = 0;
  std::uint64_t salt = 0;
  std::uint64_t company = 0;  // contact: companyId; 0 = null
  std::uint64_t cust = 0;     // case, opportunity, task, note
  std::uint64_t case_id = 0;  // task, note
  std::uint64_t opp = 0;      // task, note
  std::uint32_t revision = 0;  // updates so far
  bool is_deleted = false;    // task
  std::uint8_t kind = 0;      // customfield: index into field_kinds
  std::uint8_t models = 0;    // customfield: bit(resource) per resource it applies to
};

// The id lists a record carries (`notes`, `opportunities`, `tasks`, `cases`). Fixed when the data
// is generated: mutations touch only the records they name, so removing a task leaves its id in
// its contact's list, and nothing else changes for a client comparing snapshots.
struct id_lists {
  std::vector<std::uint64_t> notes;
  std::vector<std::uint64_t> opportunities;
  std::vector<std::uint64_t> tasks;
  std::vector<std::uint64_t> cases;
};

// --- generated text ---------------------------------------------------------------------------
// Names and free text include non-ASCII, emoji and characters JSON must escape, so clients'
// decoding and storage are exercised.

struct name_pair {
  std::string_view display;
  std::string_view ascii;  // for e-mail addresses and web sites
};

constexpr auto first_names = std::to_array<name_pair>({
    {"Anna", "anna"}, {"Ben", "ben"}, {"Chloé", "chloe"}, {"Zoë", "zoe"}, {"José", "jose"},
    {"Łukasz", "lukasz"}, {"Søren", "soren"}, {"François", "francois"}, {"Mei", "mei"}, {"Ahmed", "ahmed"},
    {"Ingrid", "ingrid"}, {"Hiroshi", "hiroshi"}, {"María José", "mariajose"}, {"Priya", "priya"},
    {"Olúmídé", "olumide"}, {"Ken", "ken"},
});

constexpr auto last_names = std::to_array<name_pair>({
    {"Smith", "smith"}, {"Müller", "mueller"}, {"O'Brien", "obrien"}, {"García", "garcia"}, {"Nowak", "nowak"},
    {"Johansson", "johansson"}, {"Dubois", "dubois"}, {"van der Berg", "vanderberg"}, {"Nakamura", "nakamura"},
    {"李", "li"}, {"Østergaard", "ostergaard"}, {"D'Angelo", "dangelo"}, {"Kowalski-Nowak", "kowalski"},
    {"Smith \"Jr.\"", "smithjr"},
});

constexpr auto company_names = std::to_array<name_pair>({
    {"Acme Corp", "acme"}, {"Müller & Söhne GmbH", "mueller-soehne"}, {"O'Reilly Media", "oreilly"},
    {"\"Quote\" Industries Ltd", "quote-industries"}, {"Smith, Jones & Partners", "smithjones"},
    {"東京商事株式会社", "tokyo-shoji"}, {"Café Olé SARL", "cafeole"}, {"Nordic Fjord AS", "nordicfjord"},
    {"Back\\slash Labs", "backslash"}, {"Globex", "globex"}, {"Initech", "initech"}, {"Umbrella plc", "umbrella"},
});

constexpr auto titles = std::to_array<std::string_view>({
    "CEO", "Head of Sales", "Office Manager", "CTO", "Purchasing", "", "Directeur général", "Einkäufer",
    "VP, Operations & Finance",
});

constexpr auto descriptions = std::to_array<std::string_view>({
    "", "Met at the trade fair in Köln.", "Prefers email.\nDo not call before 10am.", "Budget approved ✅",
    "Quote: \"ASAP\" – see thread", "Tab\tseparated\tnotes", "Shared drive: C:\\Clients\\2023",
    "Long-time customer since 2015. Renewal talks every spring; the decision maker is the CFO.",
});

constexpr auto domains = std::to_array<std::string_view>({"example.com", "example.org", "example.net", "mail.example.de"});
constexpr auto phone_types = std::to_array<std::string_view>({"Work", "Home", "Mobile", "Fax", "Pager"});
constexpr auto country_codes = std::to_array<std::string_view>({"+49", "+44", "+1", "+33", "+81"});

struct place {
  std::string_view street;
  std::string_view city;
  std::string_view postcode;
  std::string_view region;
  std::string_view country;
};

constexpr auto places = std::to_array<place>({
    {"Friedrichstraße 12", "Berlin", "10115", "Berlin", "Germany"},
    {"", "München", "80331", "Bayern", "Germany"},
    {"221B Baker Street", "London", "EC1A 1BB", "England", "United Kingdom"},
    {"12 rue de l'Église", "Paris", "75001", "Île-de-France", "France"},
    {"Suite 400\n500 Main St", "New York", "10001", "NY", "United States"},
    {"Av. Paulista, 1000", "São Paulo", "01000-000", "SP", "Brazil"},
    {"1-2-3 Marunouchi", "Tokyo", "100-0001", "東京都", "Japan"},
    {"ul. Floriańska 3", "Kraków", "30-001", "Małopolskie", "Poland"},
    {"Bahnhofstrasse 1", "Zürich", "8001", "ZH", "Switzerland"},
    {"", "", "", "", ""},
});

constexpr auto social = std::to_array<std::string_view>({"twitter:@", "linkedin:in/", "skype:", "facebook:"});
constexpr auto ctypes = std::to_array<std::string_view>({"Lead", "Customer", "Prospect", "Partner", "Supplier", ""});

constexpr auto tags = std::to_array<std::string_view>({
    "vip", "lead", "newsletter", "partner", "Zürich office", "follow-up", "cold", "\"hot\"", "trade fair 2023",
    "billing, urgent",
});

constexpr auto case_names = std::to_array<std::string_view>({
    "Onboarding", "Support ticket", "Contract renewal", "Complaint: late delivery", "Data migration",
    "Refund request", "Installation – phase 2", "Billing question «VAT»",
});

constexpr auto opportunity_names = std::to_array<std::string_view>({
    "Annual licence", "Website redesign", "Consulting package", "Hardware upgrade", "Expansion – Q3",
    "Support contract \"Gold\"", "Pilot project 🚀",
});

constexpr auto opportunity_statuses = std::to_array<std::string_view>({"Open", "Proposal sent", "Negotiation", "Won", "Lost"});
constexpr auto currencies = std::to_array<std::string_view>({"USD", "EUR", "GBP", "CHF", "JPY"});

constexpr auto task_names = std::to_array<std::string_view>({
    "Call back", "Send proposal", "Quarterly review", "Product demo", "Follow up on invoice", "Lunch meeting",
    "Prepare contract – v2",
});

constexpr auto locations = std::to_array<std::string_view>({"", "Office", "Zoom", "Café Central, Wien", "Client site"});
constexpr auto task_types = std::to_array<std::string_view>({
    "Appointment", "Email", "Meeting", "Call", "Follow up", "TO DO", "Not set",
});

constexpr auto note_texts = std::to_array<std::string_view>({
    "Called, no answer.", "Sent the price list.\nWaiting for feedback.", "Customer is happy 😀",
    "Meeting notes:\n- budget \"approved\"\n- start in Q3", "Wants a discount of 10%", "Résumé attached",
});

constexpr auto note_types = std::to_array<std::string_view>({"Note", "Email", "Call", "Meeting"});

constexpr auto comment_texts = std::to_array<std::string_view>({
    "Done.", "Moved to next week", "See the \"latest\" draft", "Ça marche 👍",
});

// Users of the account and their groups.
constexpr auto user_ids = std::to_array<std::int64_t>({4101, 4102, 4103, 4104, 4105});
constexpr auto group_ids = std::to_array<std::int64_t>({31, 32});

// Custom field kinds. Value shapes: strings, numbers, lists of strings, booleans.
struct field_kind {
  std::string_view elem_type;
  bool multiple;
  std::uint8_t models;
  std::array<std::string_view, 3> names;
  std::array<std::string_view, 3> fullnames;
  std::array<std::string_view, 4> labels;
  std::size_t label_count;
};

constexpr std::uint8_t customers = bit(resource::contact) | bit(resource::company);

const std::array<field_kind, 6> field_kinds{{
    {"text", false, customers, {"source", "referrer", "account_no"}, {"Lead source", "Referred by", "Account number"}, {}, 0},
    {"number", false, static_cast<std::uint8_t>(bit(resource::kase) | bit(resource::opportunity)),
     {"budget", "score", "seats"}, {"Budget (k€)", "Lead score", "Number of seats"}, {}, 0},
    {"select", false, customers, {"segment", "tier", "sales_region"}, {"Customer segment", "Support tier", "Sales region"},
     {"Gold", "Silver", "Bronze", "Zoë's \"special\""}, 4},
    {"select", true, static_cast<std::uint8_t>(customers | bit(resource::kase) | bit(resource::opportunity)),
     {"interests", "channels", "products"}, {"Interests", "Marketing channels", "Products of interest"},
     {"Newsletter", "Events", "Webinars", "Partner programme"}, 4},
    {"checkbox", false, static_cast<std::uint8_t>(bit(resource::contact) | bit(resource::task) | bit(resource::note)),
     {"gdpr_consent", "vip", "billable"}, {"GDPR consent given", "VIP", "Billable"}, {}, 0},
    {"date", false, static_cast<std::uint8_t>(bit(resource::kase) | bit(resource::opportunity) | bit(resource::task)),
     {"renewal", "deadline", "signed_on"}, {"Renewal date", "Deadline", "Contract signed on"}, {}, 0},
}};

constexpr auto text_values = std::to_array<std::string_view>({
    "Trade fair 2023", "Website", "Zoë's referral", "Cold call", "Partner \"Globex\"", "ACC-00417",
});

template <class Table>
const auto& pick(const Table& table, std::uint64_t x) {
  return table[x % table.size()];
}

// `2021-03-04T10:15:22Z`: whole seconds in UTC.
std::string iso_seconds(micros utc) { return format_iso(utc, 0).substr(0, 19) + "Z"; }

std::string date_only(micros utc) { return format_iso(utc, 0).substr(0, 10); }

unsigned digits_at(std::string_view text, std::size_t pos, std::size_t n) {
  unsigned value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) value = value * 10 + static_cast<unsigned>(text[i] - '0');
  return value;
}

// The vendor's split date: `{"y":2023,"mo":4,"d":5,"h":14,"mi":30}` (month 1..12, no zone), from
// a wall-clock time (account_clock::wall_time).
void write_split_date(json_writer& w, std::string_view key, std::optional<micros> wall) {
  w.key(key);
  if (!wall) {
    w.null();
    return;
  }
  const std::string iso = format_iso(*wall, 0);
  w.begin_object();
  w.key("y").number(digits_at(iso, 0, 4));
  w.key("mo").number(digits_at(iso, 5, 2));
  w.key("d").number(digits_at(iso, 8, 2));
  w.key("h").number(digits_at(iso, 11, 2));
  w.key("mi").number(digits_at(iso, 14, 2));
  w.end_object();
}

void write_id_or_null(json_writer& w, std::string_view key, std::uint64_t id) {
  w.key(key);
  if (id == 0) {
    w.null();
  } else {
    w.number(static_cast<std::int64_t>(id));
  }
}

void write_ids(json_writer& w, std::string_view key, const std::vector<std::uint64_t>& ids) {
  w.key(key).begin_array();
  for (const auto id : ids) w.number(static_cast<std::int64_t>(id));
  w.end_array();
}

// A decimal with two places, `1234.50`; a few whole amounts come without a fraction, `1500`.
std::string money(prng& rng) {
  const std::uint64_t cents = rng.below(5'000'000);
  if (rng.percent(15)) return std::to_string(cents / 100);
  std::string text = std::to_string(cents / 100) + ".";
  const auto fraction = cents % 100;
  if (fraction < 10) text += '0';
  return text + std::to_string(fraction);
}

void write_tags(json_writer& w, prng& rng) {
  w.key("tags").begin_array();
  const std::uint64_t n = rng.percent(40) ? 0 : 1 + rng.below(3);
  const std::uint64_t first = rng.next();
  // Consecutive entries of the table: distinct without a shuffle.
  for (std::uint64_t k = 0; k < n; ++k) w.string(pick(tags, first + k));
  w.end_array();
}

void write_comments(json_writer& w, prng& rng, micros after) {
  w.key("comments").begin_array();
  const std::uint64_t n = rng.percent(75) ? 0 : 1 + rng.below(2);
  micros at = after;
  for (std::uint64_t k = 0; k < n; ++k) {
    at += static_cast<micros>(1 + rng.below(10 * day_seconds)) * micros_per_second;
    w.begin_object();
    w.key("text").string(pick(comment_texts, rng.next()));
    w.key("userId").number(pick(user_ids, rng.next()));
    w.key("ao").string(iso_seconds(at));
    w.end_object();
  }
  w.end_array();
}

reply error_reply(unsigned status, std::string_view message) {
  json_writer w;
  w.begin_object().key("status").string("ERROR").key("error").string(message).end_object();
  return json_reply(status, w.take());
}

std::string_view default_error(unsigned status) {
  switch (status) {
    case 400: return "Bad request";
    case 401: return "Authentication failed";
    case 404: return "Not found";
    case 429: return "Too many requests";
    case 500: return "Your JSON cannot be parsed";  // the vendor's meaning of 500
    case 501: return "Operation not supported";
    case 502: return "Bad gateway";
    case 503: return "Service temporarily unavailable";
    case 504: return "Gateway timeout";
    default: return "Error";
  }
}

std::optional<std::uint64_t> parse_id(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

// RFC 4648 base64 with padding; nullopt for anything else.
std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.ends_with("==")) {
    text.remove_suffix(2);
  } else if (text.ends_with("=")) {
    text.remove_suffix(1);
  }
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int pending = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out += static_cast<char>((bits >> pending) & 0xff);
    }
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::uint64_t read_count(const boost::json::value& value, std::string_view what) {
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0) return static_cast<std::uint64_t>(value.get_int64());
  throw reply_error(json_reply(400, errors_json(std::string(what) + " must be a non-negative integer")));
}

std::uint64_t read_count(const boost::json::object& body, std::string_view key, std::uint64_t fallback) {
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return fallback;
  return read_count(*value, key);
}

resource read_resource(const boost::json::object& body) {
  const auto* value = body.if_contains("resource");
  if (value == nullptr || !value->is_string()) {
    throw reply_error(json_reply(400, errors_json("resource must be one of contact, company, case, opportunity, task, note, customfield")));
  }
  const auto r = resource_named(value->get_string());
  if (!r) throw reply_error(json_reply(400, errors_json("unknown resource '" + std::string(value->get_string()) + "'")));
  return *r;
}

using counts = std::array<std::uint64_t, resource_count>;

// `{"contact":1,"task":2}`: counts per resource name.
counts read_counts(const boost::json::object& body, std::string_view key) {
  counts out{};
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return out;
  if (!value->is_object()) {
    throw reply_error(json_reply(400, errors_json(std::string(key) + " must be an object of counts per resource")));
  }
  for (const auto& entry : value->get_object()) {
    const auto r = resource_named(entry.key());
    if (!r) throw reply_error(json_reply(400, errors_json("unknown resource '" + std::string(entry.key()) + "'")));
    out[index(*r)] = read_count(entry.value(), std::string(key) + "." + std::string(entry.key()));
  }
  return out;
}

// A task date set through the control API instead of the generated one: an instant (shown in the
// account's zone like generated dates), wall-clock fields sent exactly as given (so tests can
// send times that daylight-saving changes make ambiguous or impossible), or null.
struct pinned_date {
  std::optional<micros> instant;
  std::optional<std::array<std::int64_t, 5>> wall;  // y, mo, d, h, mi
};

struct task_pin {
  std::optional<pinned_date> start;  // nullopt: the generated date
  std::optional<pinned_date> end;
};

struct failure {
  unsigned status = 503;
  std::string error;
  std::uint64_t remaining = 0;
};

struct field_definition {
  std::uint64_t id = 0;
  std::uint8_t kind = 0;
  std::uint8_t models = 0;
  std::string key;  // the id as text, as `cf` objects name it
};

}  // namespace

class clevertim_api::store {
 public:
  explicit store(clevertim_options options);

  std::optional<reply> authenticate(const request& req) const;
  reply read_all(resource r);
  reply read_one(resource r, const request& req);
  reply dump(resource r);
  reply mutate(const request& req);
  reply fail(const request& req);
  reply failures() const;
  reply set_empty(const request& req);
  reply timezone() const;
  reply set_timezone(const request& req);
  reply pin_task_dates(const request& req);

  std::size_t record_count() const {
    std::size_t n = 0;
    for (const auto& records : records_) n += records.size();
    return n;
  }

 private:
  void generate();
  record make_record(prng& rng, resource r, micros added);
  void link(prng& rng, resource r, record& rec) const;
  void link_child(prng& rng, record& rec) const;
  std::uint64_t pick_customer(prng& rng) const;
  void build_links();
  std::optional<reply> take_failure(resource r);
  const std::string& listing(resource r);

  void write_record(json_writer& w, resource r, const record& rec) const;
  void write_party(json_writer& w, resource r, const record& rec) const;
  void write_case(json_writer& w, const record& rec) const;
  void write_opportunity(json_writer& w, const record& rec) const;
  void write_task(json_writer& w, const record& rec) const;
  void write_task_date(json_writer& w, std::string_view key, std::optional<micros> generated,
                       const std::optional<pinned_date>& pinned) const;
  void write_note(json_writer& w, const record& rec) const;
  void write_customfield(json_writer& w, const record& rec) const;
  void write_common(json_writer& w, resource r, const record& rec) const;
  void write_custom_values(json_writer& w, resource r, std::uint64_t salt) const;
  static void write_links(json_writer& w, const std::unordered_map<std::uint64_t, id_lists>& links, std::uint64_t id,
                          bool with_cases);

  micros tick() {
    const micros now = clock_;
    clock_ += micros_per_second;
    return now;
  }

  clevertim_options options_;
  // Each sorted by id: ids grow with creation and added records get the next ones.
  std::array<std::vector<record>, resource_count> records_;
  std::array<std::uint64_t, resource_count> next_id_ = id_bases;
  // Keyed by contact or company id, by case id, by opportunity id.
  std::unordered_map<std::uint64_t, id_lists> customer_links_;
  std::unordered_map<std::uint64_t, id_lists> case_links_;
  std::unordered_map<std::uint64_t, id_lists> opportunity_links_;
  // The custom fields generated at start. Records' `cf` values follow these definitions even after
  // a mutation removed or added some, so a definition removed later leaves orphaned keys behind,
  // as in the real CRM.
  std::vector<field_definition> schema_;
  // One key that never had a definition: clients must keep values they cannot name.
  std::string orphan_key_;
  micros clock_ = 0;
  std::array<std::optional<failure>, resource_count> failures_;
  account_clock zone_;
  std::unordered_map<std::uint64_t, task_pin> pins_;  // by task id
  std::array<bool, resource_count> empty_{};
  // Serialized read-all answers, rebuilt after a mutation of their resource: a 50,000-contact
  // answer is served again and again by benchmarks.
  std::array<std::optional<std::string>, resource_count> cache_;
};

clevertim_api::store::store(clevertim_options options)
    : options_(std::move(options)), zone_(options_.timezone) {
  orphan_key_ = std::to_string(id_bases[index(resource::customfield)]);
  generate();
}

record clevertim_api::store::make_record(prng& rng, resource r, micros added) {
  record rec;
  auto& next = next_id_[id_slot(r)];
  // Gaps: records deleted before the snapshot, or other accounts', took the numbers between.
  next += 1 + rng.below(3);
  rec.id = next;
  rec.added = added;
  rec.modified = rng.percent(40) ? added : added + static_cast<micros>(rng.below(200 * day_seconds)) * micros_per_second;
  rec.salt = rng.next();
  return rec;
}

std::uint64_t clevertim_api::store::pick_customer(prng& rng) const {
  const auto& contacts = records_[index(resource::contact)];
  const auto& companies = records_[index(resource::company)];
  const std::uint64_t total = contacts.size() + companies.size();
  if (total == 0) return 0;
  const std::uint64_t k = rng.below(total);
  return k < contacts.size() ? contacts[k].id : companies[k - contacts.size()].id;
}

// A task or note belongs to a case, an opportunity, a customer alone, or nothing; when it belongs
// to a case or opportunity its customer is that one's.
void clevertim_api::store::link_child(prng& rng, record& rec) const {
  const auto& cases = records_[index(resource::kase)];
  const auto& opportunities = records_[index(resource::opportunity)];
  const std::uint64_t roll = rng.below(10);
  if (roll < 3 && !cases.empty()) {
    const record& parent = cases[rng.below(cases.size())];
    rec.case_id = parent.id;
    rec.cust = parent.cust;
  } else if (roll < 6 && !opportunities.empty()) {
    const record& parent = opportunities[rng.below(opportunities.size())];
    rec.opp = parent.id;
    rec.cust = parent.cust;
  } else if (roll < 9) {
    rec.cust = pick_customer(rng);
  }
}

void clevertim_api::store::link(prng& rng, resource r, record& rec) const {
  switch (r) {
    case resource::contact: {
      const auto& companies = records_[index(resource::company)];
      if (!companies.empty() && rng.percent(70)) rec.company = companies[rng.below(companies.size())].id;
      break;
    }
    case resource::company: break;
    case resource::kase: rec.cust = rng.percent(90) ? pick_customer(rng) : 0; break;
    case resource::opportunity: rec.cust = rng.percent(95) ? pick_customer(rng) : 0; break;
    case resource::task:
      link_child(rng, rec);
      rec.is_deleted = rng.percent(8);
      break;
    case resource::note: link_child(rng, rec); break;
    case resource::customfield: {
      rec.kind = static_cast<std::uint8_t>(rng.below(field_kinds.size()));
      rec.models = field_kinds[rec.kind].models;
      break;
    }
  }
}

void clevertim_api::store::generate() {
  auto creation_times = [this](std::uint64_t stream, std::size_t n) {
    prng rng(mix64(options_.seed, stream));
    const auto span = static_cast<std::uint64_t>((range_end - range_begin) / micros_per_second);
    std::vector<micros> times(n);
    for (auto& t : times) t = range_begin + static_cast<micros>(rng.below(span)) * micros_per_second;
    std::sort(times.begin(), times.end());
    return times;
  };

  // Custom field definitions: the first six cover every kind.
  {
    const auto created = creation_times(0xcf, options_.customfields);
    for (std::size_t i = 0; i < options_.customfields; ++i) {
      prng rng(mix64(options_.seed, mix64(0xcf1, i)));
      record rec = make_record(rng, resource::customfield, created[i]);
      link(rng, resource::customfield, rec);
      if (i < field_kinds.size()) {
        rec.kind = static_cast<std::uint8_t>(i);
        rec.models = field_kinds[i].models;
      }
      schema_.push_back({rec.id, rec.kind, rec.models, std::to_string(rec.id)});
      records_[index(resource::customfield)].push_back(rec);
    }
  }

  // Contacts and companies interleaved in one id space.
  {
    const std::size_t n = options_.contacts + options_.companies;
    const auto created = creation_times(0xc057, n);
    std::vector<bool> is_company(n, false);
    {
      prng choose(mix64(options_.seed, 0xc0a));
      std::vector<std::uint32_t> all(n);
      std::iota(all.begin(), all.end(), 0U);
      for (const auto p : choose.pick_distinct(std::move(all), options_.companies)) is_company[p] = true;
    }
    records_[index(resource::contact)].reserve(options_.contacts);
    records_[index(resource::company)].reserve(options_.companies);
    for (std::size_t i = 0; i < n; ++i) {
      prng rng(mix64(options_.seed, mix64(0xc05, i)));
      const resource r = is_company[i] ? resource::company : resource::contact;
      records_[index(r)].push_back(make_record(rng, r, created[i]));
    }
    // Contacts may work for a company added after them.
    auto& contacts = records_[index(resource::contact)];
    for (std::size_t k = 0; k < contacts.size(); ++k) {
      prng rng(mix64(options_.seed, mix64(0xc1d, k)));
      link(rng, resource::contact, contacts[k]);
    }
  }

  const std::array<std::pair<resource, std::size_t>, 4> children{{
      {resource::kase, options_.cases},
      {resource::opportunity, options_.opportunities},
      {resource::task, options_.tasks},
      {resource::note, options_.notes},
  }};
  for (const auto& [r, n] : children) {
    const auto created = creation_times(0x5eed + index(r), n);
    auto& records = records_[index(r)];
    records.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      prng rng(mix64(options_.seed, mix64(0xa11 + index(r), i)));
      record rec = make_record(rng, r, created[i]);
      link(rng, r, rec);
      records.push_back(rec);
    }
  }

  build_links();

  micros latest = range_end;
  for (const auto& records : records_) {
    for (const auto& rec : records) latest = std::max(latest, rec.modified);
  }
  clock_ = latest + micros_per_second;
}

void clevertim_api::store::build_links() {
  for (const auto& rec : records_[index(resource::kase)]) {
    if (rec.cust != 0) customer_links_[rec.cust].cases.push_back(rec.id);
  }
  for (const auto& rec : records_[index(resource::opportunity)]) {
    if (rec.cust != 0) customer_links_[rec.cust].opportunities.push_back(rec.id);
  }
  for (const auto& rec : records_[index(resource::task)]) {
    if (rec.cust != 0) customer_links_[rec.cust].tasks.push_back(rec.id);
    if (rec.case_id != 0) case_links_[rec.case_id].tasks.push_back(rec.id);
    if (rec.opp != 0) opportunity_links_[rec.opp].tasks.push_back(rec.id);
  }
  for (const auto& rec : records_[index(resource::note)]) {
    if (rec.cust != 0) customer_links_[rec.cust].notes.push_back(rec.id);
    if (rec.case_id != 0) case_links_[rec.case_id].notes.push_back(rec.id);
    if (rec.opp != 0) opportunity_links_[rec.opp].notes.push_back(rec.id);
  }
}

// --- serialization ----------------------------------------------------------------------------

void clevertim_api::store::write_links(json_writer& w, const std::unordered_map<std::uint64_t, id_lists>& links,
                                       std::uint64_t id, bool with_cases) {
  static const id_lists none;
  const auto it = links.find(id);
  const id_lists& lists = it == links.end() ? none : it->second;
  write_ids(w, "notes", lists.notes);
  if (with_cases) {
    write_ids(w, "opportunities", lists.opportunities);
    write_ids(w, "tasks", lists.tasks);
    write_ids(w, "cases", lists.cases);
  } else {
    write_ids(w, "tasks", lists.tasks);
  }
}

void clevertim_api::store::write_custom_values(json_writer& w, resource r, std::uint64_t salt) const {
  prng rng(mix64(salt, 0xcf));
  w.key("cf").begin_object();
  if (rng.percent(10)) w.key(orphan_key_).string(pick(text_values, rng.next()));
  for (const auto& field : schema_) {
    if ((field.models & bit(r)) == 0 || !rng.percent(70)) continue;
    w.key(field.key);
    const field_kind& kind = field_kinds[field.kind];
    switch (field.kind) {
      case 0: w.string(pick(text_values, rng.next())); break;
      case 1:
        if (rng.percent(50)) {
          w.number(static_cast<std::int64_t>(rng.below(100'000)));
        } else {
          w.raw(std::to_string(rng.below(1000)) + "." + std::to_string(1 + rng.below(9)));
        }
        break;
      case 2: w.string(kind.labels[rng.below(kind.label_count)]); break;
      case 3: {
        const std::uint64_t n = 1 + rng.below(kind.label_count - 1);
        const std::uint64_t first = rng.next();
        w.begin_array();
        for (std::uint64_t k = 0; k < n; ++k) w.string(kind.labels[(first + k) % kind.label_count]);
        w.end_array();
        break;
      }
      case 4: w.boolean(rng.percent(50)); break;
      default:
        w.string(date_only(range_begin + static_cast<micros>(rng.below(6 * 365 * day_seconds)) * micros_per_second));
        break;
    }
  }
  w.end_object();
}

void clevertim_api::store::write_common(json_writer& w, resource r, const record& rec) const {
  prng rng(mix64(rec.salt, 0xc0));
  write_tags(w, rng);
  write_custom_values(w, r, rec.salt);
  const bool is_private = rng.percent(15);
  w.key("is_private").boolean(is_private);
  // The owner of a private record; shared ones may belong to a group instead.
  w.key("puser");
  if (is_private) {
    w.number(pick(user_ids, rng.next()));
  } else {
    w.null();
  }
  w.key("gid");
  if (!is_private && rng.percent(25)) {
    w.number(pick(group_ids, rng.next()));
  } else {
    w.null();
  }
  w.key("ao").string(iso_seconds(rec.added));
  w.key("lm").string(iso_seconds(rec.modified));
}

// Contacts and companies: the same shape except for the name fields.
void clevertim_api::store::write_party(json_writer& w, resource r, const record& rec) const {
  prng rng(rec.salt);
  const bool company = r == resource::company;
  w.begin_object();
  w.key("id").number(static_cast<std::int64_t>(rec.id));
  std::string local;
  std::string site;
  if (company) {
    const name_pair& name = pick(company_names, rng.next());
    w.key("cn").string(name.display);
    local = "info";
    site = std::string(name.ascii);
  } else {
    const name_pair& first = pick(first_names, rng.next());
    const name_pair& last = pick(last_names, rng.next());
    w.key("fn").string(first.display);
    w.key("ln").string(last.display);
    w.key("title").string(pick(titles, rng.next()));
    local = std::string(first.ascii) + "." + std::string(last.ascii);
    site = local;
  }
  w.key("description").string(pick(descriptions, rng.next()));
  w.key("is_company").boolean(company);
  if (!company) write_id_or_null(w, "companyId", rec.company);

  w.key("email").begin_array();
  const std::uint64_t emails = rng.percent(15) ? 0 : 1 + rng.below(2);
  for (std::uint64_t k = 0; k < emails; ++k) {
    w.string(local + (k == 0 ? "" : std::to_string(k + 1)) + "@" + std::string(pick(domains, rng.next())));
  }
  w.end_array();

  w.key("phones").begin_array();
  const std::uint64_t phones = rng.below(4);
  for (std::uint64_t k = 0; k < phones; ++k) {
    w.begin_object();
    w.key("type").string(pick(phone_types, rng.next()));
    w.key("no").string(std::string(pick(country_codes, rng.next())) + " " + random_digits(rng.next(), 3) + " " +
                       random_digits(rng.next(), 6));
    w.end_object();
  }
  w.end_array();

  w.key("website").begin_array();
  if (company ? rng.percent(85) : rng.percent(25)) w.string("https://www." + site + ".example.com/");
  w.end_array();

  const place& where = pick(places, rng.next());
  w.key("address").string(where.street);
  w.key("city").string(where.city);
  w.key("postcode").string(where.postcode);
  w.key("region").string(where.region);
  w.key("country").string(where.country);

  w.key("smids").begin_array();
  if (rng.percent(20)) w.string(std::string(pick(social, rng.next())) + (company ? site : local));
  w.end_array();

  w.key("ctype").string(pick(ctypes, rng.next()));
  write_links(w, customer_links_, rec.id, true);
  write_common(w, r, rec);
  w.end_object();
}

void clevertim_api::store::write_case(json_writer& w, const record& rec) const {
  prng rng(rec.salt);
  w.begin_object();
  w.key("id").number(static_cast<std::int64_t>(rec.id));
  w.key("name").string(pick(case_names, rng.next()));
  w.key("description").string(pick(descriptions, rng.next()));
  w.key("leadUser").number(pick(user_ids, rng.next()));
  write_id_or_null(w, "cust", rec.cust);
  write_links(w, case_links_, rec.id, false);
  write_common(w, resource::kase, rec);
  w.end_object();
}

void clevertim_api::store::write_opportunity(json_writer& w, const record& rec) const {
  prng rng(rec.salt);
  w.begin_object();
  w.key("id").number(static_cast<std::int64_t>(rec.id));
  w.key("name").string(pick(opportunity_names, rng.next()));
  w.key("description").string(pick(descriptions, rng.next()));
  w.key("status").string(pick(opportunity_statuses, rng.next()));
  w.key("leadUser").number(pick(user_ids, rng.next()));
  w.key("value").string(money(rng));
  w.key("currency").string(pick(currencies, rng.next()));
  write_id_or_null(w, "cust", rec.cust);
  w.key("userId").number(pick(user_ids, rng.next()));
  write_links(w, opportunity_links_, rec.id, false);
  write_common(w, resource::opportunity, rec);
  w.end_object();
}

void clevertim_api::store::write_task(json_writer& w, const record& rec) const {
  prng rng(rec.salt);
  w.begin_object();
  w.key("id").number(static_cast<std::int64_t>(rec.id));
  w.key("name").string(pick(task_names, rng.next()));
  w.key("location").string(pick(locations, rng.next()));
  write_id_or_null(w, "case", rec.case_id);
  write_id_or_null(w, "opp", rec.opp);
  write_id_or_null(w, "cust", rec.cust);
  w.key("aUserId").number(pick(user_ids, rng.next()));
  w.key("userId").number(pick(user_ids, rng.next()));
  // On a quarter hour within two months of creation; some tasks have no start, some no end,
  // and a deadline may come without a start.
  const micros quarter = 900 * micros_per_second;
  const micros start = (rec.added / quarter + 1 + static_cast<micros>(rng.below(60 * 96))) * quarter;
  const bool has_start = rng.percent(85);
  const bool has_end = has_start ? rng.percent(70) : rng.percent(40);
  const micros end = start + static_cast<micros>(1 + rng.below(16)) * quarter;
  const auto pin = pins_.find(rec.id);
  write_task_date(w, "startDate", has_start ? std::optional(start) : std::nullopt,
                  pin != pins_.end() ? pin->second.start : std::nullopt);
  write_task_date(w, "endDate", has_end ? std::optional(end) : std::nullopt,
                  pin != pins_.end() ? pin->second.end : std::nullopt);
  w.key("is_deleted").boolean(rec.is_deleted);
  w.key("is_completed").boolean(rng.percent(40));
  w.key("atype").string(pick(task_types, rng.next()));
  write_comments(w, rng, rec.added);
  write_common(w, resource::task, rec);
  w.end_object();
}

void clevertim_api::store::write_task_date(json_writer& w, std::string_view key, std::optional<micros> generated,
                                           const std::optional<pinned_date>& pinned) const {
  if (pinned && pinned->wall) {
    const auto& f = *pinned->wall;
    w.key(key).begin_object();
    w.key("y").number(f[0]).key("mo").number(f[1]).key("d").number(f[2]).key("h").number(f[3]).key("mi").number(f[4]);
    w.end_object();
    return;
  }
  const std::optional<micros> at = pinned ? pinned->instant : generated;
  write_split_date(w, key, at ? std::optional(zone_.wall_time(*at)) : std::nullopt);
}

void clevertim_api::store::write_note(json_writer& w, const record& rec) const {
  prng rng(rec.salt);
  w.begin_object();
  w.key("id").number(static_cast<std::int64_t>(rec.id));
  w.key("desc").string(pick(note_texts, rng.next()));
  write_id_or_null(w, "cust", rec.cust);
  write_id_or_null(w, "case", rec.case_id);
  write_id_or_null(w, "opportunity", rec.opp);
  write_comments(w, rng, rec.added);
  w.key("type").string(pick(note_types, rng.next()));
  w.key("userId").number(pick(user_ids, rng.next()));
  write_common(w, resource::note, rec);
  w.end_object();
}

void clevertim_api::store::write_customfield(json_writer& w, const record& rec) const {
  const field_kind& kind = field_kinds[rec.kind];
  // Every update renames the field: it has nothing else that could change.
  const std::uint64_t variant = mix64(rec.id, 0xf1) + rec.revision;
  w.begin_object();
  w.key("id").number(static_cast<std::int64_t>(rec.id));
  w.key("name").string(pick(kind.names, variant));
  w.key("fullname").string(pick(kind.fullnames, variant));
  w.key("elemType").string(kind.elem_type);
  w.key("modelType").begin_array();
  for (const auto r : all_resources) {
    if ((rec.models & bit(r)) != 0) w.string(name_of(r));
  }
  w.end_array();
  w.key("multiple").boolean(kind.multiple);
  w.key("values").begin_array();
  for (std::size_t k = 0; k < kind.label_count; ++k) w.string(kind.labels[k]);
  w.end_array();
  w.end_object();
}

void clevertim_api::store::write_record(json_writer& w, resource r, const record& rec) const {
  switch (r) {
    case resource::contact:
    case resource::company: write_party(w, r, rec); break;
    case resource::kase: write_case(w, rec); break;
    case resource::opportunity: write_opportunity(w, rec); break;
    case resource::task: write_task(w, rec); break;
    case resource::note: write_note(w, rec); break;
    case resource::customfield: write_customfield(w, rec); break;
  }
}

const std::string& clevertim_api::store::listing(resource r) {
  auto& cached = cache_[index(r)];
  if (!cached) {
    const auto& records = records_[index(r)];
    json_writer w;
    w.reserve(64 + records.size() * (r == resource::customfield ? 200 : 900));
    w.begin_object().key("status").string("OK").key("content").begin_array();
    for (const auto& rec : records) write_record(w, r, rec);
    w.end_array().end_object();
    cached = w.take();
  }
  return *cached;
}

// --- API handlers -----------------------------------------------------------------------------

std::optional<reply> clevertim_api::store::authenticate(const request& req) const {
  const auto header = req.http.find(http::field::authorization);
  if (header != req.http.end()) {
    std::string_view value = header->value();
    const auto space = value.find(' ');
    if (space != std::string_view::npos && iequals(value.substr(0, space), "basic")) {
      value.remove_prefix(space);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (const auto credentials = decode_base64(value)) {
        const auto colon = credentials->find(':');
        if (colon != std::string::npos && std::string_view(*credentials).substr(0, colon) == options_.token &&
            std::string_view(*credentials).substr(colon + 1) == "X") {
          return std::nullopt;
        }
      }
    }
  }
  reply rejected = error_reply(401, "Authentication failed");
  rejected.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Clevertim\"");
  return rejected;
}

std::optional<reply> clevertim_api::store::take_failure(resource r) {
  auto& rule = failures_[index(r)];
  if (!rule) return std::nullopt;
  reply failed = error_reply(rule->status, rule->error);
  if (--rule->remaining == 0) rule.reset();
  return failed;
}

reply clevertim_api::store::read_all(resource r) {
  if (auto failed = take_failure(r)) return std::move(*failed);
  if (empty_[index(r)]) return json_reply(200, R"({"status":"OK","content":[]})");
  return json_reply(200, listing(r));
}

reply clevertim_api::store::read_one(resource r, const request& req) {
  if (auto failed = take_failure(r)) return std::move(*failed);
  const std::string_view path = req.url.encoded_path();
  const auto id = parse_id(path.substr(api_prefix.size() + name_of(r).size() + 1));
  const auto& records = records_[index(r)];
  const auto it = id ? std::lower_bound(records.begin(), records.end(), *id,
                                        [](const record& rec, std::uint64_t value) { return rec.id < value; })
                     : records.end();
  if (it == records.end() || it->id != *id) return error_reply(404, "Object not found");
  json_writer w;
  w.begin_object().key("status").string("OK").key("content").begin_array();
  write_record(w, r, *it);
  w.end_array().end_object();
  return json_reply(200, w.take());
}

// --- control handlers -------------------------------------------------------------------------

reply clevertim_api::store::dump(resource r) { return json_reply(200, listing(r)); }

reply clevertim_api::store::mutate(const request& req) {
  const auto body = parse_json_object(req);
  for (const auto& entry : body) {
    const std::string_view key = entry.key();
    if (key != "remove" && key != "update" && key != "add" && key != "seed") {
      throw reply_error(json_reply(400, errors_json("unknown key '" + std::string(key) + "'")));
    }
  }
  const counts remove = read_counts(body, "remove");
  const counts update = read_counts(body, "update");
  const counts add = read_counts(body, "add");
  const std::uint64_t seed = read_count(body, "seed", 1);
  for (const auto n : add) {
    if (n > max_added_per_mutation) throw reply_error(json_reply(400, errors_json("add counts must be at most 1000000")));
  }

  std::array<std::vector<std::uint64_t>, resource_count> removed;
  std::array<std::vector<std::uint64_t>, resource_count> updated;
  std::array<std::vector<std::uint64_t>, resource_count> added;

  // Victims depend only on the seeds and the current data, and are distinct within a resource.
  for (const auto r : all_resources) {
    auto& records = records_[index(r)];
    const std::size_t removing = std::min<std::uint64_t>(remove[index(r)], records.size());
    const std::size_t updating = std::min<std::uint64_t>(update[index(r)], records.size() - removing);
    if (removing + updating == 0) continue;
    prng rng(mix64(options_.seed, mix64(0x6d7574 + index(r), seed)));
    std::vector<std::uint32_t> all(records.size());
    std::iota(all.begin(), all.end(), 0U);
    auto victims = rng.pick_distinct(std::move(all), removing + updating);
    std::sort(victims.begin() + static_cast<std::ptrdiff_t>(removing), victims.end());
    for (std::size_t k = removing; k < victims.size(); ++k) {
      record& rec = records[victims[k]];
      rec.salt = rng.next();
      rec.modified = tick();
      ++rec.revision;
      updated[index(r)].push_back(rec.id);
    }
    std::vector<bool> doomed(records.size(), false);
    for (std::size_t k = 0; k < removing; ++k) doomed[victims[k]] = true;
    std::size_t keep = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (doomed[i]) {
        removed[index(r)].push_back(records[i].id);
      } else {
        if (keep != i) records[keep] = records[i];
        ++keep;
      }
    }
    records.resize(keep);
    cache_[index(r)].reset();
  }

  for (const auto r : add_order) {
    const std::uint64_t n = add[index(r)];
    if (n == 0) continue;
    prng rng(mix64(options_.seed, mix64(0xadd0 + index(r), seed)));
    for (std::uint64_t k = 0; k < n; ++k) {
      prng one(mix64(rng.next(), k));
      record rec = make_record(one, r, tick());
      rec.modified = rec.added;
      link(one, r, rec);
      records_[index(r)].push_back(rec);
      added[index(r)].push_back(rec.id);
    }
    cache_[index(r)].reset();
  }

  json_writer w;
  w.begin_object();
  const std::array<std::pair<std::string_view, const std::array<std::vector<std::uint64_t>, resource_count>*>, 3> actions{{
      {"removed", &removed}, {"updated", &updated}, {"added", &added}}};
  for (const auto& [action, ids] : actions) {
    w.key(action).begin_object();
    for (const auto r : all_resources) write_ids(w, name_of(r), (*ids)[index(r)]);
    w.end_object();
  }
  w.end_object();
  return json_reply(200, w.take());
}

reply clevertim_api::store::failures() const {
  json_writer w;
  w.begin_object();
  for (const auto r : all_resources) {
    const auto& rule = failures_[index(r)];
    if (!rule) continue;
    w.key(name_of(r)).begin_object();
    w.key("status").number(rule->status);
    w.key("error").string(rule->error);
    w.key("remaining").number(static_cast<std::int64_t>(rule->remaining));
    w.end_object();
  }
  w.end_object();
  return json_reply(200, w.take());
}

reply clevertim_api::store::fail(const request& req) {
  const auto body = parse_json_object(req);
  const resource r = read_resource(body);
  failure rule;
  const std::uint64_t status = read_count(body, "status", 503);
  if (status < 400 || status > 599) throw reply_error(json_reply(400, errors_json("status must be 400..599")));
  rule.status = static_cast<unsigned>(status);
  rule.remaining = read_count(body, "times", 1);
  if (const auto* error = body.if_contains("error"); error != nullptr && !error->is_null()) {
    if (!error->is_string()) throw reply_error(json_reply(400, errors_json("error must be a string")));
    rule.error = std::string(error->get_string());
  } else {
    rule.error = std::string(default_error(rule.status));
  }
  auto& slot = failures_[index(r)];
  if (rule.remaining == 0) {
    slot.reset();
  } else {
    slot = std::move(rule);
  }
  return failures();
}

reply clevertim_api::store::set_empty(const request& req) {
  const auto body = parse_json_object(req);
  const resource r = read_resource(body);
  bool empty = true;
  if (const auto* value = body.if_contains("empty"); value != nullptr && !value->is_null()) {
    if (!value->is_bool()) throw reply_error(json_reply(400, errors_json("empty must be a boolean")));
    empty = value->get_bool();
  }
  empty_[index(r)] = empty;
  json_writer w;
  w.begin_object();
  for (const auto each : all_resources) w.key(name_of(each)).boolean(empty_[index(each)]);
  w.end_object();
  return json_reply(200, w.take());
}

reply clevertim_api::store::timezone() const {
  json_writer w;
  w.begin_object().key("timezone").string(zone_.name()).end_object();
  return json_reply(200, w.take());
}

reply clevertim_api::store::set_timezone(const request& req) {
  const auto body = parse_json_object(req);
  const auto* name = body.if_contains("timezone");
  if (name == nullptr || !name->is_string()) throw reply_error(json_reply(400, errors_json("timezone must be a string")));
  try {
    zone_ = account_clock(name->get_string());
  } catch (const std::invalid_argument& e) {
    throw reply_error(json_reply(400, errors_json(e.what())));
  }
  cache_[index(resource::task)].reset();
  return timezone();
}

namespace {

// Absent: keep; null: no date; "2023-10-29T00:30:00Z": an instant; {y, mo, d, h, mi}: wall-clock
// fields sent as they are.
std::optional<pinned_date> read_pinned_date(const boost::json::object& body, std::string_view key,
                                            std::optional<pinned_date> current) {
  const auto* value = body.if_contains(key);
  if (value == nullptr) return current;
  if (value->is_null()) return pinned_date{};
  if (value->is_string()) {
    std::string_view text = value->get_string();
    if (text.ends_with('Z')) text.remove_suffix(1);
    if (const auto utc = parse_naive_utc(text)) return pinned_date{*utc, std::nullopt};
  } else if (value->is_object()) {
    std::array<std::int64_t, 5> fields{};
    std::size_t i = 0;
    for (const auto* part : {"y", "mo", "d", "h", "mi"}) {
      const auto* v = value->get_object().if_contains(part);
      if (v == nullptr || !v->is_int64()) break;
      fields[i++] = v->get_int64();
    }
    if (i == fields.size()) return pinned_date{std::nullopt, fields};
  }
  throw reply_error(json_reply(400, errors_json(std::string(key) +
                                                " must be null, an ISO instant or {y, mo, d, h, mi}")));
}

}  // namespace

reply clevertim_api::store::pin_task_dates(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t id = read_count(body, "id", 0);
  const auto& tasks = records_[index(resource::task)];
  if (std::none_of(tasks.begin(), tasks.end(), [id](const record& rec) { return rec.id == id; })) {
    throw reply_error(json_reply(404, errors_json("no task " + std::to_string(id))));
  }
  task_pin& pin = pins_[id];
  pin.start = read_pinned_date(body, "startDate", pin.start);
  pin.end = read_pinned_date(body, "endDate", pin.end);
  cache_[index(resource::task)].reset();
  json_writer w;
  w.begin_object().key("status").string("OK").key("content").begin_array();
  write_task(w, *std::find_if(tasks.begin(), tasks.end(), [id](const record& rec) { return rec.id == id; }));
  w.end_array().end_object();
  return json_reply(200, w.take());
}

clevertim_api::clevertim_api(clevertim_options options) : store_(std::make_unique<store>(std::move(options))) {}

clevertim_api::~clevertim_api() = default;

std::size_t clevertim_api::record_count() const { return store_->record_count(); }

void clevertim_api::install(router& routes) {
  store& s = *store_;
  api_scope scope;
  scope.prefix = "/clevertim/";
  scope.name = "clevertim";
  scope.unauthorized_name = "clevertim.unauthorized";
  scope.authenticate = [&s](const request& req) { return s.authenticate(req); };
  scope.not_found = [](const request&) { return error_reply(404, "Resource not found"); };
  // The API is read-only here: every other verb on a resource is "not supported".
  scope.method_not_allowed = [](const request&) { return error_reply(501, "Operation not supported"); };
  for (const auto r : all_resources) {
    const std::string path = std::string(api_prefix) + std::string(name_of(r));
    const std::string stats = "clevertim." + std::string(name_of(r));
    scope.routes.push_back({verb::get, path, stats, [&s, r](const request&) { return s.read_all(r); }});
    scope.routes.push_back(
        {verb::get, path + "/", stats + ".one", [&s, r](const request& req) { return s.read_one(r, req); }, true});
    routes.add_control(verb::get, std::string(control_prefix) + std::string(name_of(r)),
                       [&s, r](const request&) { return s.dump(r); });
  }
  routes.add_scope(std::move(scope));

  routes.add_control(verb::post, std::string(control_prefix) + "mutate", [&s](const request& req) { return s.mutate(req); });
  routes.add_control(verb::get, std::string(control_prefix) + "fail", [&s](const request&) { return s.failures(); });
  routes.add_control(verb::post, std::string(control_prefix) + "fail", [&s](const request& req) { return s.fail(req); });
  routes.add_control(verb::post, std::string(control_prefix) + "empty", [&s](const request& req) { return s.set_empty(req); });
  routes.add_control(verb::get, std::string(control_prefix) + "timezone", [&s](const request&) { return s.timezone(); });
  routes.add_control(verb::post, std::string(control_prefix) + "timezone", [&s](const request& req) { return s.set_timezone(req); });
  routes.add_control(verb::post, std::string(control_prefix) + "task_dates",
                     [&s](const request& req) { return s.pin_task_dates(req); });
}

}  // namespace sluice::fakeapi
