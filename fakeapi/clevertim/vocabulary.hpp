#pragma once
// The words Clevertim's sample records are made of. Names and free text include non-ASCII, emoji
// and characters JSON must escape, so clients' decoding and storage are exercised. Records store
// only a salt: these tables are drawn from when a record is shown (wire.cpp), and custom field
// kinds also when one is generated.
#include "fakeapi/clevertim/records.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::fakeapi::clevertim {

struct name_pair {
  std::string_view display;
  std::string_view ascii;  // for e-mail addresses and web sites
};

inline constexpr auto first_names = std::to_array<name_pair>({
    {"Anna", "anna"},
    {"Ben", "ben"},
    {"Chloé", "chloe"},
    {"Zoë", "zoe"},
    {"José", "jose"},
    {"Łukasz", "lukasz"},
    {"Søren", "soren"},
    {"François", "francois"},
    {"Mei", "mei"},
    {"Ahmed", "ahmed"},
    {"Ingrid", "ingrid"},
    {"Hiroshi", "hiroshi"},
    {"María José", "mariajose"},
    {"Priya", "priya"},
    {"Olúmídé", "olumide"},
    {"Ken", "ken"},
});

inline constexpr auto last_names = std::to_array<name_pair>({
    {"Smith", "smith"},
    {"Müller", "mueller"},
    {"O'Brien", "obrien"},
    {"García", "garcia"},
    {"Nowak", "nowak"},
    {"Johansson", "johansson"},
    {"Dubois", "dubois"},
    {"van der Berg", "vanderberg"},
    {"Nakamura", "nakamura"},
    {"李", "li"},
    {"Østergaard", "ostergaard"},
    {"D'Angelo", "dangelo"},
    {"Kowalski-Nowak", "kowalski"},
    {"Smith \"Jr.\"", "smithjr"},
});

inline constexpr auto company_names = std::to_array<name_pair>({
    {"Acme Corp", "acme"},
    {"Müller & Söhne GmbH", "mueller-soehne"},
    {"O'Reilly Media", "oreilly"},
    {"\"Quote\" Industries Ltd", "quote-industries"},
    {"Smith, Jones & Partners", "smithjones"},
    {"東京商事株式会社", "tokyo-shoji"},
    {"Café Olé SARL", "cafeole"},
    {"Nordic Fjord AS", "nordicfjord"},
    {"Back\\slash Labs", "backslash"},
    {"Globex", "globex"},
    {"Initech", "initech"},
    {"Umbrella plc", "umbrella"},
});

inline constexpr auto titles = std::to_array<std::string_view>({
    "CEO",
    "Head of Sales",
    "Office Manager",
    "CTO",
    "Purchasing",
    "",
    "Directeur général",
    "Einkäufer",
    "VP, Operations & Finance",
});

inline constexpr auto descriptions = std::to_array<std::string_view>({
    "",
    "Met at the trade fair in Köln.",
    "Prefers email.\nDo not call before 10am.",
    "Budget approved ✅",
    "Quote: \"ASAP\" – see thread",
    "Tab\tseparated\tnotes",
    "Shared drive: C:\\Clients\\2023",
    "Long-time customer since 2015. Renewal talks every spring; the decision maker is the CFO.",
});

inline constexpr auto domains = std::to_array<std::string_view>(
    {"example.com", "example.org", "example.net", "mail.example.de"});
inline constexpr auto phone_types =
    std::to_array<std::string_view>({"Work", "Home", "Mobile", "Fax", "Pager"});
inline constexpr auto country_codes =
    std::to_array<std::string_view>({"+49", "+44", "+1", "+33", "+81"});

struct place {
  std::string_view street;
  std::string_view city;
  std::string_view postcode;
  std::string_view region;
  std::string_view country;
};

inline constexpr auto places = std::to_array<place>({
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

inline constexpr auto social =
    std::to_array<std::string_view>({"twitter:@", "linkedin:in/", "skype:", "facebook:"});
inline constexpr auto ctypes =
    std::to_array<std::string_view>({"Lead", "Customer", "Prospect", "Partner", "Supplier", ""});

inline constexpr auto tags = std::to_array<std::string_view>({
    "vip",
    "lead",
    "newsletter",
    "partner",
    "Zürich office",
    "follow-up",
    "cold",
    "\"hot\"",
    "trade fair 2023",
    "billing, urgent",
});

inline constexpr auto case_names = std::to_array<std::string_view>({
    "Onboarding",
    "Support ticket",
    "Contract renewal",
    "Complaint: late delivery",
    "Data migration",
    "Refund request",
    "Installation – phase 2",
    "Billing question «VAT»",
});

inline constexpr auto opportunity_names = std::to_array<std::string_view>({
    "Annual licence",
    "Website redesign",
    "Consulting package",
    "Hardware upgrade",
    "Expansion – Q3",
    "Support contract \"Gold\"",
    "Pilot project 🚀",
});

inline constexpr auto opportunity_statuses =
    std::to_array<std::string_view>({"Open", "Proposal sent", "Negotiation", "Won", "Lost"});
inline constexpr auto currencies =
    std::to_array<std::string_view>({"USD", "EUR", "GBP", "CHF", "JPY"});

inline constexpr auto task_names = std::to_array<std::string_view>({
    "Call back",
    "Send proposal",
    "Quarterly review",
    "Product demo",
    "Follow up on invoice",
    "Lunch meeting",
    "Prepare contract – v2",
});

inline constexpr auto locations =
    std::to_array<std::string_view>({"", "Office", "Zoom", "Café Central, Wien", "Client site"});
inline constexpr auto task_types = std::to_array<std::string_view>({
    "Appointment",
    "Email",
    "Meeting",
    "Call",
    "Follow up",
    "TO DO",
    "Not set",
});

inline constexpr auto note_texts = std::to_array<std::string_view>({
    "Called, no answer.",
    "Sent the price list.\nWaiting for feedback.",
    "Customer is happy 😀",
    "Meeting notes:\n- budget \"approved\"\n- start in Q3",
    "Wants a discount of 10%",
    "Résumé attached",
});

inline constexpr auto note_types =
    std::to_array<std::string_view>({"Note", "Email", "Call", "Meeting"});

inline constexpr auto comment_texts = std::to_array<std::string_view>({
    "Done.",
    "Moved to next week",
    "See the \"latest\" draft",
    "Ça marche 👍",
});

// Users of the account and their groups.
inline constexpr auto user_ids = std::to_array<std::int64_t>({4101, 4102, 4103, 4104, 4105});
inline constexpr auto group_ids = std::to_array<std::int64_t>({31, 32});

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

inline constexpr std::uint8_t customers = bit(resource::contact) | bit(resource::company);

inline const std::array<field_kind, 6> field_kinds{{
    {"text",
     false,
     customers,
     {"source", "referrer", "account_no"},
     {"Lead source", "Referred by", "Account number"},
     {},
     0},
    {"number",
     false,
     static_cast<std::uint8_t>(bit(resource::kase) | bit(resource::opportunity)),
     {"budget", "score", "seats"},
     {"Budget (k€)", "Lead score", "Number of seats"},
     {},
     0},
    {"select",
     false,
     customers,
     {"segment", "tier", "sales_region"},
     {"Customer segment", "Support tier", "Sales region"},
     {"Gold", "Silver", "Bronze", "Zoë's \"special\""},
     4},
    {"select",
     true,
     static_cast<std::uint8_t>(customers | bit(resource::kase) | bit(resource::opportunity)),
     {"interests", "channels", "products"},
     {"Interests", "Marketing channels", "Products of interest"},
     {"Newsletter", "Events", "Webinars", "Partner programme"},
     4},
    {"checkbox",
     false,
     static_cast<std::uint8_t>(bit(resource::contact) | bit(resource::task) | bit(resource::note)),
     {"gdpr_consent", "vip", "billable"},
     {"GDPR consent given", "VIP", "Billable"},
     {},
     0},
    {"date",
     false,
     static_cast<std::uint8_t>(bit(resource::kase) | bit(resource::opportunity) |
                               bit(resource::task)),
     {"renewal", "deadline", "signed_on"},
     {"Renewal date", "Deadline", "Contract signed on"},
     {},
     0},
}};

inline constexpr auto text_values = std::to_array<std::string_view>({
    "Trade fair 2023",
    "Website",
    "Zoë's referral",
    "Cold call",
    "Partner \"Globex\"",
    "ACC-00417",
});

}  // namespace sluice::fakeapi::clevertim
