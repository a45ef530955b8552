// The one redaction routine: known secrets in every wire form, credentials by their shape, and
// database passwords however the URL is spelled.
#include "core/redaction.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace sluice {
namespace {

// A failing check must not print the secret it found: the excerpt shown is masked by hand.
::testing::AssertionResult free_of(const std::string& text, const std::string& secret) {
  if (text.find(secret) == std::string::npos) return ::testing::AssertionSuccess();
  std::string shown = text;
  for (auto at = shown.find(secret); at != std::string::npos; at = shown.find(secret, at + 7))
    shown.replace(at, secret.size(), "<LEAK>");
  return ::testing::AssertionFailure() << "the secret appears in: " << shown;
}

class redaction : public ::testing::Test {
protected:
  void SetUp() override { forget_registered_secrets(); }
  void TearDown() override { forget_registered_secrets(); }
};

TEST_F(redaction, patterns_of_both_former_routines_are_kept) {
  EXPECT_EQ(redact("postgresql://sluice:s3cret@db.example:5432/sluice?sslmode=require"),
            "postgresql://sluice:***@db.example:5432/sluice?sslmode=require");
  EXPECT_EQ(redact("postgresql://sluice@localhost/sluice"), "postgresql://sluice@localhost/sluice");
  EXPECT_EQ(redact("postgresql://u:pa/ss@wo@rd@h/db"), "postgresql://u:***@h/db");
  EXPECT_EQ(redact("cannot reach postgresql://u:p1@a/db, postgresql://v:p2@b/db: refused"),
            "cannot reach postgresql://u:***@a/db, postgresql://v:***@b/db: refused");
  EXPECT_EQ(redact("host=db user=sluice password=s3cret dbname=sluice"),
            "host=db user=sluice password=*** dbname=sluice");
  EXPECT_EQ(redact("password = 'two words \\' quote' host=db"), "password = *** host=db");
  EXPECT_EQ(redact("postgresql://db/x?user=u&password=s3cret&sslmode=require"),
            "postgresql://db/x?user=u&password=***&sslmode=require");
  EXPECT_EQ(redact("sslpassword=k3y PASSWORD=S3"), "sslpassword=*** PASSWORD=***");
  EXPECT_EQ(redact("FATAL: password authentication failed for user \"sluice\""),
            "FATAL: password authentication failed for user \"sluice\"");
  EXPECT_EQ(redact("https://api.partoo.co/v2/reviews?page=2"),
            "https://api.partoo.co/v2/reviews?page=2");
  EXPECT_EQ(redact("no secrets here: 12:30, a:b"), "no secrets here: 12:30, a:b");
  EXPECT_EQ(redact(""), "");
}

TEST_F(redaction, mistyped_postgresql_schemes_still_lose_their_password) {
  EXPECT_EQ(redact("missing \"=\" after \"postgresql:/u:pw@h/db\""),
            "missing \"=\" after \"postgresql:/u:***@h/db\"");
  EXPECT_EQ(redact("missing \"=\" after \"postgresql:u:pw@h/db\""),
            "missing \"=\" after \"postgresql:u:***@h/db\"");
  EXPECT_EQ(redact("see POSTGRES:///u:pw@h/db"), "see POSTGRES:///u:***@h/db");
}

TEST_F(redaction, auth_headers_are_masked_by_shape) {
  EXPECT_EQ(redact("Authorization: Basic dXNlcjpwYXNzd29yZA=="), "Authorization: Basic ***");
  EXPECT_EQ(redact("Authorization: Bearer abc.def-ghi_123"), "Authorization: Bearer ***");
  EXPECT_EQ(redact("use basic auth"), "use basic auth");
  EXPECT_EQ(redact("Basic authentication failed"), "Basic authentication failed");
  EXPECT_EQ(
      redact("Authorization: Digest username=\"u\", nonce=\"n1\", response=\"6629fae4\", qop=auth"),
      "Authorization: Digest username=\"u\", nonce=\"n1\", response=\"***\", qop=auth");
  EXPECT_EQ(redact("digest response=abc123 x"), "digest response=*** x");
  EXPECT_EQ(redact(R"({"e":"Digest response=\"abc123\""})"), R"({"e":"Digest response=\"***\""})");
  EXPECT_EQ(redact("a digest of the response"), "a digest of the response");
}

TEST_F(redaction, a_registered_key_is_masked_in_every_wire_form) {
  const std::string key = "partoo-KEY/9f8e+7d6c&5b<4a>";
  register_secret(key);
  EXPECT_EQ(redact("401 for key " + key + " (" + key + ")"), "401 for key *** (***)");
  EXPECT_TRUE(free_of(redact("Location: /login?k=partoo-KEY%2F9f8e%2B7d6c%265b%3C4a%3E"), "9f8e"));
  EXPECT_TRUE(free_of(redact("Location: /login?k=partoo-KEY%2f9f8e%2b7d6c%265b%3c4a%3e"), "9f8e"));
  EXPECT_TRUE(free_of(redact(R"({"key":"partoo-KEY\/9f8e+7d6c&5b<4a>"})"), "9f8e"));
  EXPECT_TRUE(free_of(redact("<title>partoo-KEY/9f8e+7d6c&amp;5b&lt;4a&gt;</title>"), "9f8e"));
  // Inside any base64 text, at any of the three byte alignments (Basic `user:KEY`, `KEY:X`).
  for (const std::string prefix : {"", "u:", "ab:", "abc:"}) {
    const std::string plain = prefix + key + ":X";
    // The base64 of `plain`, computed independently of the routine under test.
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string b64;
    unsigned bits = 0;
    int count = 0;
    for (unsigned char c : plain) {
      bits = (bits << 8) | c;
      count += 8;
      while (count >= 6) b64 += alphabet[(bits >> (count -= 6)) & 0x3F];
    }
    if (count > 0) b64 += alphabet[(bits << (6 - count)) & 0x3F];
    auto masked = redact("Authorization=" + b64);
    EXPECT_NE(masked.find("***"), std::string::npos) << prefix;
    // What is left of the base64 cannot carry more than two bytes of the key.
    EXPECT_LE(masked.size() - std::string("Authorization=***").size(), prefix.size() * 4 / 3 + 6);
  }
}

TEST_F(redaction, basic_credentials_are_masked_whole) {
  register_basic_credentials("ops@example.com", "hunter2hunter2");
  // base64("ops@example.com:hunter2hunter2")
  EXPECT_EQ(redact("echo b3BzQGV4YW1wbGUuY29tOmh1bnRlcjJodW50ZXIy"), "echo ***");
  EXPECT_EQ(redact("pw hunter2hunter2"), "pw ***");
}

TEST_F(redaction, short_secrets_are_left_to_the_patterns) {
  register_secret("ab");
  EXPECT_EQ(redact("abba cab"), "abba cab");
}

TEST_F(redaction, forgetting_unmasks_nothing_it_did_not_register) {
  register_secret("s3cr3t-value");
  EXPECT_EQ(redact("x s3cr3t-value y"), "x *** y");
  forget_registered_secrets();
  EXPECT_EQ(redact("x s3cr3t-value y"), "x s3cr3t-value y");
}

// Every spelling of a database URL that libpq rejects (and then quotes) gives up its password.
TEST_F(redaction, database_passwords_are_found_however_the_url_is_spelled) {
  const std::string pw = "Pw-9x7Q2z";
  const std::vector<std::string> urls = {
      "postgresql://sluice:" + pw + "@db/sluice",
      "postgresql:/sluice:" + pw + "@db/sluice",
      "postgresql:sluice:" + pw + "@db/sluice",
      "postgres//sluice:" + pw + "@db/sluice",
      "\xEF\xBB\xBFpostgresql://sluice:" + pw + "@db/sluice",
      "  postgresql://sluice:" + pw + "@db:5432/sluice?sslmode=require  ",
      "host=db user=sluice password=" + pw + " dbname=sluice",
      "host=db password = '" + pw + "' dbname=sluice",
      "postgresql://db/sluice?user=sluice&password=" + pw + "&sslmode=require",
  };
  for (const auto& url : urls) {
    auto found = database_url_passwords(url);
    EXPECT_TRUE(std::any_of(found.begin(), found.end(),
                            [&](const std::string& p) { return p.find(pw) != std::string::npos; }))
        << "no password found in URL #" << (&url - urls.data());
    forget_registered_secrets();
    register_database_url(url);
    EXPECT_TRUE(free_of(redact("libpq said: " + url + " / " + pw), pw));
  }
}

// Found by fuzzing the config loader: a URL of a few kB made of ':' and "password=" made the
// candidates grow with the square of its length (1.3 s and 338 MB for 1.9 kB). Their number and
// total size now grow linearly at most; the whole password is still found.
TEST_F(redaction, pathological_urls_yield_a_bounded_number_of_candidates) {
  const std::string colons(4000, ':');
  const std::string url = "postgres://u:PW" + colons + "tail@db/x";
  auto found = database_url_passwords(url);
  EXPECT_LE(found.size(), 40u);
  std::size_t total = 0;
  for (const auto& p : found) total += p.size();
  EXPECT_LE(total, 40 * url.size());
  EXPECT_TRUE(std::any_of(found.begin(), found.end(),
                          [&](const std::string& p) { return p == "PW" + colons + "tail"; }));

  std::string keywords;
  for (int i = 0; i < 2000; ++i) keywords += "password=";
  found = database_url_passwords(keywords + " host=db");
  EXPECT_LE(found.size(), 40u);
}

TEST_F(redaction, percent_encoded_password_is_masked_in_both_forms) {
  register_database_url("postgresql://sluice:Pw%40x-9x7Q2z@db/sluice");
  EXPECT_EQ(redact("a Pw%40x-9x7Q2z b Pw@x-9x7Q2z"), "a *** b ***");
}

TEST_F(redaction, unencoded_at_and_slash_in_the_password) {
  const std::string pw = "se/cr@et:word";
  register_database_url("postgresql://sluice:" + pw + "@db/sluice");
  EXPECT_EQ(redact("could not translate host name \"cr@et:word@db\""),
            "could not translate host name \"***@db\"");
  EXPECT_EQ(redact("pw " + pw), "pw ***");
  EXPECT_EQ(redact("percent se%2Fcr%40et%3Aword"), "percent ***");
  // Pieces too short to be told from ordinary words stay.
  EXPECT_EQ(redact("password authentication failed"), "password authentication failed");
}

TEST_F(redaction, a_key_cut_short_by_an_excerpt_is_masked) {
  register_secret("partoo-KEY-9f8e7d6c5b4a");
  EXPECT_EQ(redact("HTTP 401: {\"error\":\"bad key partoo-KEY-9f8e"),
            "HTTP 401: {\"error\":\"bad key ***");
  EXPECT_EQ(redact("HTTP 401: bad key partoo-KEY-9f (after 2 attempts)"),
            "HTTP 401: bad key *** (after 2 attempts)");
  // A shorter beginning, or one that goes on as other text, is not the key.
  EXPECT_EQ(redact("source partoo-KEY and partoo-KEY-9fzz"),
            "source partoo-KEY and partoo-KEY-9fzz");
}

}  // namespace
}  // namespace sluice
