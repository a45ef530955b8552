#include "fakeapi/clevertim/wire.hpp"

#include "fakeapi/clevertim/vocabulary.hpp"
#include "fakeapi/control_body.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/sample_text.hpp"
#include "fakeapi/timestamp.hpp"

#include <string>

namespace sluice::fakeapi::clevertim {
namespace {

unsigned digits_at(std::string_view text, std::size_t pos, std::size_t n) {
  unsigned value = 0;
  for (std::size_t i = pos; i < pos + n; ++i)
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
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
    w.key("ao").string(format_iso_seconds(at));
    w.end_object();
  }
  w.end_array();
}

}  // namespace

void record_writer::write_links(json_writer& w,
                                const std::unordered_map<std::uint64_t, id_lists>& links,
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

void record_writer::write_custom_values(json_writer& w, resource r, std::uint64_t salt) const {
  prng rng(mix64(salt, 0xcf));
  w.key("cf").begin_object();
  if (rng.percent(10)) w.key(data_.orphan_key).string(pick(text_values, rng.next()));
  for (const auto& field : data_.schema) {
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
        w.string(
            format_iso_date(range_begin + static_cast<micros>(rng.below(6 * 365 * day_seconds)) *
                                              micros_per_second));
        break;
    }
  }
  w.end_object();
}

void record_writer::write_common(json_writer& w, resource r, const record& rec) const {
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
  w.key("ao").string(format_iso_seconds(rec.added));
  w.key("lm").string(format_iso_seconds(rec.modified));
}

// Contacts and companies: the same shape except for the name fields.
void record_writer::write_party(json_writer& w, resource r, const record& rec) const {
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

  write_party_contacts(w, rng, company, local, site);

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
  write_links(w, data_.customer_links, rec.id, true);
  write_common(w, r, rec);
  w.end_object();
}

// E-mail addresses, phone numbers and web site, drawn after the name (the order matters: one
// generator draws every field).
void record_writer::write_party_contacts(json_writer& w, prng& rng, bool company,
                                         const std::string& local, const std::string& site) const {
  w.key("email").begin_array();
  const std::uint64_t emails = rng.percent(15) ? 0 : 1 + rng.below(2);
  for (std::uint64_t k = 0; k < emails; ++k) {
    w.string(local + (k == 0 ? "" : std::to_string(k + 1)) + "@" +
             std::string(pick(domains, rng.next())));
  }
  w.end_array();

  w.key("phones").begin_array();
  const std::uint64_t phones = rng.below(4);
  for (std::uint64_t k = 0; k < phones; ++k) {
    w.begin_object();
    w.key("type").string(pick(phone_types, rng.next()));
    w.key("no").string(std::string(pick(country_codes, rng.next())) + " " +
                       random_digits(rng.next(), 3) + " " + random_digits(rng.next(), 6));
    w.end_object();
  }
  w.end_array();

  w.key("website").begin_array();
  if (company ? rng.percent(85) : rng.percent(25))
    w.string("https://www." + site + ".example.com/");
  w.end_array();
}

void record_writer::write_case(json_writer& w, const record& rec) const {
  prng rng(rec.salt);
  w.begin_object();
  w.key("id").number(static_cast<std::int64_t>(rec.id));
  w.key("name").string(pick(case_names, rng.next()));
  w.key("description").string(pick(descriptions, rng.next()));
  w.key("leadUser").number(pick(user_ids, rng.next()));
  write_id_or_null(w, "cust", rec.cust);
  write_links(w, data_.case_links, rec.id, false);
  write_common(w, resource::kase, rec);
  w.end_object();
}

void record_writer::write_opportunity(json_writer& w, const record& rec) const {
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
  write_links(w, data_.opportunity_links, rec.id, false);
  write_common(w, resource::opportunity, rec);
  w.end_object();
}

void record_writer::write_task(json_writer& w, const record& rec) const {
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
  const micros start =
      (rec.added / quarter + 1 + static_cast<micros>(rng.below(60 * 96))) * quarter;
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

void record_writer::write_task_date(json_writer& w, std::string_view key,
                                    std::optional<micros> generated,
                                    const std::optional<pinned_date>& pinned) const {
  if (pinned && pinned->wall) {
    const auto& f = *pinned->wall;
    w.key(key).begin_object();
    w.key("y")
        .number(f[0])
        .key("mo")
        .number(f[1])
        .key("d")
        .number(f[2])
        .key("h")
        .number(f[3])
        .key("mi")
        .number(f[4]);
    w.end_object();
    return;
  }
  const std::optional<micros> at = pinned ? pinned->instant : generated;
  write_split_date(w, key, at ? std::optional(zone_.wall_time(*at)) : std::nullopt);
}

void record_writer::write_note(json_writer& w, const record& rec) const {
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

void record_writer::write_customfield(json_writer& w, const record& rec) const {
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

void record_writer::write_record(json_writer& w, resource r, const record& rec) const {
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

}  // namespace sluice::fakeapi::clevertim
