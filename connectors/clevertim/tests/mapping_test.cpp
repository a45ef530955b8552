// Clevertim records -> rows: every column from the vendor's own examples (resources/*.md of the
// vendor's API repository, in tests/fixtures/clevertim/, with the examples' missing and
// trailing commas fixed), plus the rules the examples do not show: value decimals, task dates,
// is_deleted, contact/company mix-ups, odd values that only warn, and the envelope.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <iterator>

#include "connectors/clevertim/mapping.hpp"
#include "core/error.hpp"
#include "connectors/clevertim/tables.hpp"
#include "tests/connectors/test_support.hpp"

namespace sluice::connectors::clevertim {
namespace {

using test::at;

std::string fixture(std::string_view name) {
  std::string path = std::string(SLUICE_FIXTURES_DIR) + "/clevertim/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The records of a fixture's envelope.
boost::json::array records(std::string_view name) {
  return boost::json::parse(fixture(name)).at("content").as_array();
}

struct mapped {
  const table_def& table;
  row values;

  bool null(std::string_view column) const { return test::is_null(values, table, column); }
  const std::string& text(std::string_view column) const {
    return test::value_of<std::string>(values, table, column);
  }
  const std::vector<std::string>& list(std::string_view column) const {
    return test::value_of<std::vector<std::string>>(values, table, column);
  }
  timestamp time(std::string_view column) const {
    return test::value_of<timestamp>(values, table, column);
  }
  bool flag(std::string_view column) const { return test::value_of<bool>(values, table, column); }
  boost::json::value json(std::string_view column) const {
    return boost::json::parse(text(column));
  }
};

mapped map(std::string_view resource, const boost::json::value& record, run_counters& counters) {
  const auto* info = find_resource(resource);
  if (info == nullptr) throw std::logic_error("no resource " + std::string(resource));
  return {*info->table, map_record(*info, record.as_object(), counters)};
}

mapped map_text(std::string_view resource, std::string_view json, run_counters& counters) {
  return map(resource, boost::json::parse(json), counters);
}

TEST(ClevertimMapping, ResourcesAndTheirTables) {
  std::vector<std::string> names;
  for (const auto& r : resources()) names.emplace_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"contact", "company", "case", "opportunity", "task",
                                             "note", "customfield"}));
  EXPECT_EQ(find_resource("contact")->table, &tables::crm_contacts);
  EXPECT_EQ(find_resource("company")->table, &tables::crm_companies);
  EXPECT_EQ(find_resource("case")->table, &tables::crm_cases);
  EXPECT_EQ(find_resource("opportunity")->table, &tables::crm_opportunities);
  EXPECT_EQ(find_resource("task")->table, &tables::crm_tasks);
  EXPECT_EQ(find_resource("note")->table, &tables::crm_notes);
  EXPECT_EQ(find_resource("customfield")->table, &tables::crm_custom_fields);
  EXPECT_EQ(find_resource("contacts"), nullptr);
}

TEST(ClevertimMapping, VendorContactExample) {
  run_counters counters;
  auto list = records("contact.json");
  auto r = map("contact", list.at(0), counters);
  EXPECT_EQ(r.values.size(), tables::crm_contacts.columns.size());
  EXPECT_EQ(r.text("external_id"), "4");
  EXPECT_EQ(r.text("first_name"), "PRAVEEN");
  EXPECT_EQ(r.text("last_name"), "BELLUR");
  EXPECT_EQ(r.text("title"), "Business Development IT Sales");
  EXPECT_EQ(r.text("company_external_id"), "3");
  EXPECT_EQ(r.list("emails"),
            (std::vector<std::string>{"praveen.bellur@gmail.com", "praveen@yahoo.com"}));
  EXPECT_EQ(r.json("phones"),
            boost::json::parse(
                R"([{"type":"Work","no":"008745849854"},{"type":"Home","no":"87450-94545"}])"));
  EXPECT_EQ(r.text("city"), "London");
  EXPECT_EQ(r.text("country"), "United Kingdom");
  EXPECT_EQ(r.list("tags"), (std::vector<std::string>{"Europe", "twitter", "important"}));
  EXPECT_EQ(r.json("custom_fields"), boost::json::parse(R"({"3":"54334","2":"453"})"));
  EXPECT_TRUE(r.null("created_at"));  // the example has no ao/lm
  EXPECT_TRUE(r.null("modified_at"));
  EXPECT_TRUE(r.null("deleted_at"));
  EXPECT_EQ(r.json("raw"), list.at(0));  // the whole object, unknown fields included
  EXPECT_EQ(counters.warnings, 0);
}

TEST(ClevertimMapping, ContactTimesEmailObjectsAndNoLink) {
  run_counters counters;
  auto r = map("contact", records("contact.json").at(1), counters);
  EXPECT_EQ(r.text("external_id"), "17");  // a string id is kept as is
  EXPECT_EQ(r.time("created_at"), at("2014-03-02T09:15:00Z"));
  EXPECT_EQ(r.time("modified_at"), at("2015-06-30T17:45:12.250Z"));
  EXPECT_TRUE(r.null("company_external_id"));  // companyId 0: no company
  EXPECT_TRUE(r.null("custom_fields"));        // no cf: NULL, not {}
  EXPECT_TRUE(r.null("title"));
  // An object's `value` is the address; a number and an object without value are skipped.
  EXPECT_EQ(r.list("emails"),
            (std::vector<std::string>{"ana@example.com", "ana.lima@example.org"}));
  EXPECT_EQ(r.json("phones"), boost::json::array{});
  EXPECT_TRUE(r.list("tags").empty());  // an empty list, not NULL
  EXPECT_EQ(counters.warnings, 2);
  EXPECT_NE(counters.first_warning.find("clevertim contact 17: email element 42"),
            std::string::npos)
      << counters.first_warning;
}

TEST(ClevertimMapping, VendorCompanyExample) {
  run_counters counters;
  auto list = records("company.json");
  auto r = map("company", list.at(0), counters);
  EXPECT_EQ(r.values.size(), tables::crm_companies.columns.size());
  EXPECT_EQ(r.text("external_id"), "4");
  EXPECT_EQ(r.text("name"), "Busy Bee Ltd.");
  EXPECT_EQ(r.list("emails").size(), 2u);
  EXPECT_EQ(r.json("phones").as_array().size(), 2u);
  EXPECT_EQ(r.text("city"), "London");
  EXPECT_EQ(r.text("country"), "United Kingdom");
  EXPECT_EQ(r.list("tags"), (std::vector<std::string>{"Europe", "twitter", "important"}));
  EXPECT_EQ(r.json("custom_fields"), boost::json::parse(R"({"3":"54334","2":"453"})"));
  EXPECT_EQ(r.json("raw"), list.at(0));
  EXPECT_EQ(counters.warnings, 0);
}

TEST(ClevertimMapping, ARecordInTheWrongListIsStoredWhereListedWithAWarning) {
  run_counters counters;
  auto company = records("company.json").at(0);
  auto as_contact = map("contact", company, counters);  // is_company true in the contact list
  EXPECT_EQ(as_contact.table.name, "crm_contacts");
  EXPECT_EQ(as_contact.text("external_id"), "4");
  EXPECT_TRUE(as_contact.null("first_name"));
  EXPECT_EQ(counters.warnings, 1);
  EXPECT_NE(counters.first_warning.find("is_company is true in the contact list"),
            std::string::npos)
      << counters.first_warning;

  run_counters more;
  auto as_company = map("company", records("contact.json").at(0), more);
  EXPECT_EQ(as_company.table.name, "crm_companies");
  EXPECT_TRUE(as_company.null("name"));
  EXPECT_EQ(more.warnings, 1);
  EXPECT_NE(more.first_warning.find("is_company is false in the company list"), std::string::npos);
}

TEST(ClevertimMapping, VendorCaseExample) {
  run_counters counters;
  auto list = records("case.json");
  auto r = map("case", list.at(0), counters);
  EXPECT_EQ(r.values.size(), tables::crm_cases.columns.size());
  EXPECT_EQ(r.text("external_id"), "1");
  EXPECT_EQ(r.text("name"), "Case 1");
  EXPECT_EQ(r.text("description"), "this is an example of a case");
  EXPECT_EQ(r.text("customer_external_id"), "34");
  EXPECT_EQ(r.text("lead_user"), "5");
  EXPECT_EQ(r.list("tags"), (std::vector<std::string>{"case", "support", "open"}));
  EXPECT_EQ(r.json("custom_fields"), boost::json::parse(R"({"1":"2012-11-22"})"));
  EXPECT_EQ(r.json("raw"), list.at(0));
  EXPECT_EQ(counters.warnings, 0);
}

TEST(ClevertimMapping, VendorOpportunityExample) {
  run_counters counters;
  auto list = records("opportunity.json");
  auto r = map("opportunity", list.at(0), counters);
  EXPECT_EQ(r.values.size(), tables::crm_opportunities.columns.size());
  EXPECT_EQ(r.text("external_id"), "1");
  EXPECT_EQ(r.text("name"), "opportunity 1");
  EXPECT_EQ(r.text("description"), "this is the description");
  EXPECT_EQ(r.text("status"), "Won");
  EXPECT_EQ(r.text("value"), "4500");
  EXPECT_EQ(r.text("currency"), "EUR");
  EXPECT_EQ(r.text("customer_external_id"), "4");
  EXPECT_EQ(r.text("lead_user"), "4");
  EXPECT_EQ(r.list("tags"), (std::vector<std::string>{"sale"}));
  EXPECT_EQ(r.json("custom_fields"), boost::json::parse(R"({"1":"2012-11-30"})"));
  EXPECT_EQ(r.json("raw"), list.at(0));
  EXPECT_EQ(counters.warnings, 0);
}

TEST(ClevertimMapping, OpportunityValueIsADecimalOrNull) {
  auto value = [](std::string_view json, run_counters& counters) {
    auto r = map_text("opportunity", R"({"id":9,"value":)" + std::string(json) + "}", counters);
    return r.null("value") ? std::string("NULL") : r.text("value");
  };
  run_counters fine;
  EXPECT_EQ(value(R"("4500")", fine), "4500");
  EXPECT_EQ(value(R"("12.50")", fine), "12.50");  // digits kept as sent: numeric keeps scale
  EXPECT_EQ(value(R"("-3.25")", fine), "-3.25");
  EXPECT_EQ(value(R"(" 99.9 ")", fine), "99.9");
  EXPECT_EQ(value(R"("1e3")", fine), "1e3");
  EXPECT_EQ(value("4500", fine), "4500");  // a number is fine too
  EXPECT_EQ(value("12.5", fine), "12.5");
  EXPECT_EQ(value(R"("")", fine), "NULL");  // no value, not an odd one
  EXPECT_EQ(value("null", fine), "NULL");
  EXPECT_EQ(fine.warnings, 0);

  for (auto odd : {R"("4,500")", R"("EUR 100")", R"("12.")", R"("abc")", R"("1.2.3")", "true",
                   "[1]", R"("NaN")"}) {
    run_counters counters;
    EXPECT_EQ(value(odd, counters), "NULL") << odd;
    EXPECT_EQ(counters.warnings, 1) << odd;
    EXPECT_NE(counters.first_warning.find("clevertim opportunity 9: value"), std::string::npos)
        << counters.first_warning;
  }
}

TEST(ClevertimMapping, VendorTaskExample) {
  run_counters counters;
  auto list = records("task.json");
  auto r = map("task", list.at(0), counters);
  EXPECT_EQ(r.values.size(), tables::crm_tasks.columns.size());
  EXPECT_EQ(r.text("external_id"), "3");
  EXPECT_EQ(r.text("name"), "send them a new email");
  EXPECT_EQ(r.text("type"), "TO DO");
  EXPECT_EQ(r.time("starts_at"), at("2013-12-29T04:04:00Z"));
  EXPECT_EQ(r.time("ends_at"), at("2013-12-31T07:05:00Z"));
  EXPECT_FALSE(r.flag("completed"));
  EXPECT_EQ(r.text("case_external_id"), "1");
  EXPECT_EQ(r.text("opportunity_external_id"), "2");
  EXPECT_EQ(r.text("customer_external_id"), "10");
  EXPECT_TRUE(r.null("deleted_at"));  // is_deleted false
  EXPECT_EQ(r.json("raw"), list.at(0));
  EXPECT_EQ(counters.warnings, 0);
}

TEST(ClevertimMapping, TaskDates) {
  auto starts = [](std::string_view json, run_counters& counters) {
    return map_text("task", R"({"id":5,"startDate":)" + std::string(json) + "}", counters);
  };
  run_counters fine;
  EXPECT_EQ(starts(R"({"y":2016,"mo":2,"d":29,"h":23,"mi":59})", fine).time("starts_at"),
            at("2016-02-29T23:59:00Z"));  // a leap day
  EXPECT_EQ(starts(R"({"y":2013,"mo":1,"d":1,"h":0,"mi":0})", fine).time("starts_at"),
            at("2013-01-01T00:00:00Z"));
  // Numbers sent as strings or integral doubles are still numbers.
  EXPECT_EQ(starts(R"({"y":"2013","mo":"12","d":"29","h":4.0,"mi":"4"})", fine).time("starts_at"),
            at("2013-12-29T04:04:00Z"));
  EXPECT_TRUE(starts("null", fine).null("starts_at"));  // no date: no warning
  EXPECT_TRUE(map_text("task", R"({"id":5})", fine).null("ends_at"));
  EXPECT_EQ(fine.warnings, 0);

  for (auto odd :
       {R"({"y":2013,"mo":12,"d":29})",                  // no time
        R"({"y":2013,"mo":12,"d":29,"h":4,"mi":null})",  // partial
        R"({"y":2013,"mo":13,"d":1,"h":0,"mi":0})",      // month 13
        R"({"y":2013,"mo":2,"d":29,"h":0,"mi":0})",      // no leap day in 2013
        R"({"y":2013,"mo":4,"d":31,"h":0,"mi":0})",      // April 31st
        R"({"y":2013,"mo":1,"d":1,"h":24,"mi":0})", R"({"y":2013,"mo":1,"d":1,"h":1,"mi":60})",
        R"({"y":2013,"mo":0,"d":1,"h":1,"mi":0})", R"({"y":2013,"mo":1,"d":1,"h":-1,"mi":0})",
        R"({"y":2013,"mo":1,"d":1.5,"h":1,"mi":0})", R"("2013-12-29T04:04:00Z")", "[2013,12,29]"}) {
    run_counters counters;
    auto r = starts(odd, counters);
    EXPECT_TRUE(r.null("starts_at")) << odd;
    EXPECT_EQ(counters.warnings, 1) << odd;
    EXPECT_NE(counters.first_warning.find("clevertim task 5: startDate"), std::string::npos)
        << counters.first_warning;
    EXPECT_EQ(r.text("external_id"), "5");  // the record is still stored
  }
}

TEST(ClevertimMapping, ADeletedTaskIsDeletedAtItsLastModification) {
  run_counters counters;
  auto r = map_text("task", R"({"id":7,"name":"old","is_deleted":true,"is_completed":true,
                   "ao":"2013-01-01T10:00:00Z","lm":"2013-02-03T04:05:06Z"})",
                    counters);
  EXPECT_EQ(r.time("deleted_at"), at("2013-02-03T04:05:06Z"));
  EXPECT_TRUE(r.flag("completed"));
  EXPECT_EQ(r.time("created_at"), at("2013-01-01T10:00:00Z"));
  EXPECT_EQ(r.time("modified_at"), at("2013-02-03T04:05:06Z"));
  EXPECT_EQ(counters.warnings, 0);

  auto without_lm =
      map_text("task", R"({"id":8,"is_deleted":true,"ao":"2013-01-01T10:00:00Z"})", counters);
  EXPECT_EQ(without_lm.time("deleted_at"), at("2013-01-01T10:00:00Z"));
  EXPECT_EQ(counters.warnings, 0);

  auto no_time = map_text("task", R"({"id":9,"is_deleted":true})", counters);
  EXPECT_TRUE(no_time.null("deleted_at"));
  EXPECT_EQ(counters.warnings, 1);
  EXPECT_NE(counters.first_warning.find("clevertim task 9: is_deleted is true"), std::string::npos);

  run_counters live;
  EXPECT_TRUE(map_text("task", R"({"id":7,"is_deleted":false,"lm":"2013-02-03T04:05:06Z"})", live)
                  .null("deleted_at"));
  EXPECT_EQ(live.warnings, 0);
}

TEST(ClevertimMapping, VendorNoteExample) {
  run_counters counters;
  auto list = records("note.json");
  auto r = map("note", list.at(0), counters);
  EXPECT_EQ(r.values.size(), tables::crm_notes.columns.size());
  EXPECT_EQ(r.text("external_id"), "2");
  EXPECT_EQ(r.text("body"), "One more note just to make it clear.\n\nTell me more about this.");
  EXPECT_EQ(r.text("customer_external_id"), "2");
  EXPECT_EQ(r.text("case_external_id"), "1");
  EXPECT_EQ(r.text("opportunity_external_id"), "2");
  EXPECT_EQ(r.json("raw"), list.at(0));
  EXPECT_EQ(counters.warnings, 0);
}

TEST(ClevertimMapping, VendorCustomFieldExample) {
  run_counters counters;
  auto list = records("customfield.json");
  auto date = map("customfield", list.at(0), counters);
  EXPECT_EQ(date.values.size(), tables::crm_custom_fields.columns.size());
  EXPECT_EQ(date.text("external_id"), "1");
  EXPECT_EQ(date.text("name"), "Deadline");
  EXPECT_TRUE(date.null("full_name"));
  EXPECT_EQ(date.text("element_type"), "date");
  EXPECT_EQ(date.list("model_types"), (std::vector<std::string>{"cases", "opportunities"}));
  EXPECT_TRUE(date.null("multiple"));
  EXPECT_EQ(date.json("allowed_values"), boost::json::parse(R"(["X","Y","Z"])"));
  EXPECT_EQ(date.json("raw"), list.at(0));

  auto select = map("customfield", list.at(1), counters);
  EXPECT_EQ(select.text("full_name"), "acme.Tier");
  EXPECT_TRUE(select.flag("multiple"));
  EXPECT_EQ(select.list("model_types"), (std::vector<std::string>{"customers", "companies"}));
  EXPECT_EQ(counters.warnings, 0);
}

TEST(ClevertimMapping, OddValuesWarnAndKeepTheRecord) {
  run_counters counters;
  auto r = map_text("contact", R"({"id":3,"fn":["x"],"tags":"solo","cf":[1],"phones":{"no":"1"},
                   "ao":"<string>","companyId":true,"email":"a@b.c","city":null})",
                    counters);
  EXPECT_TRUE(r.null("first_name"));
  EXPECT_EQ(r.list("tags"), (std::vector<std::string>{"solo"}));  // a bare string is one tag
  EXPECT_EQ(r.list("emails"), (std::vector<std::string>{"a@b.c"}));
  EXPECT_TRUE(r.null("custom_fields"));
  EXPECT_TRUE(r.null("phones"));
  EXPECT_TRUE(r.null("created_at"));
  EXPECT_TRUE(r.null("company_external_id"));
  EXPECT_TRUE(r.null("city"));
  EXPECT_EQ(counters.warnings, 5);  // fn, cf, phones, ao, companyId
  EXPECT_NE(counters.first_warning.find("clevertim contact 3: fn"), std::string::npos)
      << counters.first_warning;

  run_counters tags;
  auto t = map_text("case", R"({"id":1,"tags":["a",2,null,"b"],"leadUser":"0","cust":"35"})", tags);
  EXPECT_EQ(t.list("tags"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(t.null("lead_user"));
  EXPECT_EQ(t.text("customer_external_id"), "35");
  EXPECT_EQ(tags.warnings, 2);
}

TEST(ClevertimMapping, ARecordWithoutAUsableIdFailsTheRun) {
  run_counters counters;
  for (auto json :
       {R"({"fn":"x"})", R"({"id":null})", R"({"id":""})", R"({"id":1.5})", R"({"id":{"x":1}})"}) {
    try {
      map_text("contact", json, counters);
      ADD_FAILURE() << "no error for " << json;
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::data);
      EXPECT_NE(std::string(e.what()).find("clevertim contact without a usable id"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(ClevertimMapping, ElementsNameTheirPlace) {
  run_counters counters;
  const body_origin origin{"crm", "https://www.clevertim.com/api/task"};
  const auto& task = *find_resource("task");
  try {
    map_element(task, boost::json::parse("[1]"), 7, origin, counters);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("source 'crm': https://www.clevertim.com/api/task: "
                                         "content[7] is not an object"),
              std::string::npos)
        << e.what();
  }
  try {
    map_element(task, boost::json::parse(R"({"name":"x"})"), 3, origin, counters);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("content[3]: clevertim task without a usable id"),
              std::string::npos)
        << e.what();
  }
  auto r = map_element(task, boost::json::parse(R"({"id":12})"), 0, origin, counters);
  EXPECT_EQ(std::get<std::string>(r.at(0)), "12");
}

// ---- the envelope

TEST(ClevertimMapping, EnvelopeOkPasses) {
  const body_origin origin{"crm", "https://www.clevertim.com/api/contact"};
  EXPECT_NO_THROW(check_envelope(boost::json::object{{"status", "OK"}}, origin, 200));
}

TEST(ClevertimMapping, EnvelopeErrorIsAClientErrorWithTheVendorText) {
  const body_origin origin{"crm", "https://www.clevertim.com/api/contact"};
  auto body = boost::json::parse(fixture("error.json")).as_object();
  try {
    check_envelope(body, origin, 200);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::client);
    EXPECT_EQ(e.http_status(), 200u);
    EXPECT_EQ(std::string(e.what()),
              "source 'crm': https://www.clevertim.com/api/contact: HTTP 200 with status ERROR: "
              "Clevertim error: Message describing the error here");
  }
  try {
    check_envelope(boost::json::object{{"status", "ERROR"}}, origin, 200);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::client);
    EXPECT_NE(std::string(e.what()).find("(no error text)"), std::string::npos);
  }
}

TEST(ClevertimMapping, EnvelopeWithoutAKnownStatusIsADataError) {
  const body_origin origin{"crm", "https://www.clevertim.com/api/contact"};
  for (const auto& members :
       {boost::json::object{}, boost::json::object{{"status", "ok"}},
        boost::json::object{{"status", 1}}, boost::json::object{{"status", nullptr}}}) {
    try {
      check_envelope(members, origin, 200);
      ADD_FAILURE() << "no error for " << boost::json::serialize(members);
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::data);
      EXPECT_NE(std::string(e.what()).find("expected \"OK\" or \"ERROR\""), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace sluice::connectors::clevertim
