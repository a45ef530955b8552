#include "fakeapi/clevertim/generator.hpp"

#include "fakeapi/clevertim/vocabulary.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace sluice::fakeapi::clevertim {
namespace {

// n creation instants in whole seconds over the range, ascending, from their own stream.
std::vector<micros> creation_times(std::uint64_t seed, std::uint64_t stream, std::size_t n) {
  prng rng(mix64(seed, stream));
  const auto span = static_cast<std::uint64_t>((range_end - range_begin) / micros_per_second);
  std::vector<micros> times(n);
  for (auto& t : times) t = range_begin + static_cast<micros>(rng.below(span)) * micros_per_second;
  std::sort(times.begin(), times.end());
  return times;
}

std::uint64_t pick_customer(prng& rng, const data_set& data) {
  const auto& contacts = data.records[index(resource::contact)];
  const auto& companies = data.records[index(resource::company)];
  const std::uint64_t total = contacts.size() + companies.size();
  if (total == 0) return 0;
  const std::uint64_t k = rng.below(total);
  return k < contacts.size() ? contacts[k].id : companies[k - contacts.size()].id;
}

// A task or note belongs to a case, an opportunity, a customer alone, or nothing; when it belongs
// to a case or opportunity its customer is that one's.
void link_child(prng& rng, record& rec, const data_set& data) {
  const auto& cases = data.records[index(resource::kase)];
  const auto& opportunities = data.records[index(resource::opportunity)];
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
    rec.cust = pick_customer(rng, data);
  }
}

// The id lists records carry, fixed at generation (see id_lists).
void build_links(data_set& data) {
  for (const auto& rec : data.records[index(resource::kase)]) {
    if (rec.cust != 0) data.customer_links[rec.cust].cases.push_back(rec.id);
  }
  for (const auto& rec : data.records[index(resource::opportunity)]) {
    if (rec.cust != 0) data.customer_links[rec.cust].opportunities.push_back(rec.id);
  }
  for (const auto& rec : data.records[index(resource::task)]) {
    if (rec.cust != 0) data.customer_links[rec.cust].tasks.push_back(rec.id);
    if (rec.case_id != 0) data.case_links[rec.case_id].tasks.push_back(rec.id);
    if (rec.opp != 0) data.opportunity_links[rec.opp].tasks.push_back(rec.id);
  }
  for (const auto& rec : data.records[index(resource::note)]) {
    if (rec.cust != 0) data.customer_links[rec.cust].notes.push_back(rec.id);
    if (rec.case_id != 0) data.case_links[rec.case_id].notes.push_back(rec.id);
    if (rec.opp != 0) data.opportunity_links[rec.opp].notes.push_back(rec.id);
  }
}

// Custom field definitions: the first six cover every kind.
void generate_customfields(const options& opts, data_set& data) {
  const auto created = creation_times(opts.seed, 0xcf, opts.customfields);
  for (std::size_t i = 0; i < opts.customfields; ++i) {
    prng rng(mix64(opts.seed, mix64(0xcf1, i)));
    record rec = make_record(rng, resource::customfield, created[i], data);
    link(rng, resource::customfield, rec, data);
    if (i < field_kinds.size()) {
      rec.kind = static_cast<std::uint8_t>(i);
      rec.models = field_kinds[i].models;
    }
    data.schema.push_back({rec.id, rec.kind, rec.models, std::to_string(rec.id)});
    data.records[index(resource::customfield)].push_back(rec);
  }
}

// Contacts and companies interleaved in one id space.
void generate_parties(const options& opts, data_set& data) {
  const std::size_t n = opts.contacts + opts.companies;
  const auto created = creation_times(opts.seed, 0xc057, n);
  std::vector<bool> is_company(n, false);
  {
    prng choose(mix64(opts.seed, 0xc0a));
    std::vector<std::uint32_t> all(n);
    std::iota(all.begin(), all.end(), 0U);
    for (const auto p : choose.pick_distinct(std::move(all), opts.companies)) is_company[p] = true;
  }
  data.records[index(resource::contact)].reserve(opts.contacts);
  data.records[index(resource::company)].reserve(opts.companies);
  for (std::size_t i = 0; i < n; ++i) {
    prng rng(mix64(opts.seed, mix64(0xc05, i)));
    const resource r = is_company[i] ? resource::company : resource::contact;
    data.records[index(r)].push_back(make_record(rng, r, created[i], data));
  }
  // Contacts may work for a company added after them.
  auto& contacts = data.records[index(resource::contact)];
  for (std::size_t k = 0; k < contacts.size(); ++k) {
    prng rng(mix64(opts.seed, mix64(0xc1d, k)));
    link(rng, resource::contact, contacts[k], data);
  }
}

void generate_children(const options& opts, data_set& data) {
  const std::array<std::pair<resource, std::size_t>, 4> children{{
      {resource::kase, opts.cases},
      {resource::opportunity, opts.opportunities},
      {resource::task, opts.tasks},
      {resource::note, opts.notes},
  }};
  for (const auto& [r, n] : children) {
    const auto created = creation_times(opts.seed, 0x5eed + index(r), n);
    auto& records = data.records[index(r)];
    records.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      prng rng(mix64(opts.seed, mix64(0xa11 + index(r), i)));
      record rec = make_record(rng, r, created[i], data);
      link(rng, r, rec, data);
      records.push_back(rec);
    }
  }
}

}  // namespace

record make_record(prng& rng, resource r, micros added, data_set& data) {
  record rec;
  auto& next = data.next_id[id_slot(r)];
  // Gaps: records deleted before the snapshot, or other accounts', took the numbers between.
  next += 1 + rng.below(3);
  rec.id = next;
  rec.added = added;
  rec.modified = rng.percent(40) ? added
                                 : added + static_cast<micros>(rng.below(200 * day_seconds)) *
                                               micros_per_second;
  rec.salt = rng.next();
  return rec;
}

void link(prng& rng, resource r, record& rec, const data_set& data) {
  switch (r) {
    case resource::contact: {
      const auto& companies = data.records[index(resource::company)];
      if (!companies.empty() && rng.percent(70))
        rec.company = companies[rng.below(companies.size())].id;
      break;
    }
    case resource::company: break;
    case resource::kase: rec.cust = rng.percent(90) ? pick_customer(rng, data) : 0; break;
    case resource::opportunity: rec.cust = rng.percent(95) ? pick_customer(rng, data) : 0; break;
    case resource::task:
      link_child(rng, rec, data);
      rec.is_deleted = rng.percent(8);
      break;
    case resource::note: link_child(rng, rec, data); break;
    case resource::customfield: {
      rec.kind = static_cast<std::uint8_t>(rng.below(field_kinds.size()));
      rec.models = field_kinds[rec.kind].models;
      break;
    }
  }
}

data_set generate(const options& opts) {
  data_set data;
  data.orphan_key = std::to_string(id_bases[index(resource::customfield)]);
  generate_customfields(opts, data);
  generate_parties(opts, data);
  generate_children(opts, data);
  build_links(data);
  return data;
}

micros latest_instant(const data_set& data) {
  micros latest = range_end;
  for (const auto& records : data.records) {
    for (const auto& rec : records) latest = std::max(latest, rec.modified);
  }
  return latest;
}

}  // namespace sluice::fakeapi::clevertim
