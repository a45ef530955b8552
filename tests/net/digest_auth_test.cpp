// HTTP Digest: RFC test vectors, the WWW-Authenticate parser and digest_auth's nonce handling.
#include "net/digest_auth.hpp"

#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sluice::net {
namespace {

// The fields of an `Authorization: Digest ...` value (written independently of the parser under
// test, and only for the values digest_authorization produces).
std::map<std::string, std::string> fields(std::string_view value) {
  std::map<std::string, std::string> out;
  EXPECT_EQ(value.substr(0, 7), "Digest ");
  std::size_t i = 7;
  while (i < value.size()) {
    const auto eq = value.find('=', i);
    std::string name(value.substr(i, eq - i));
    std::string v;
    i = eq + 1;
    if (value[i] == '"') {
      for (++i; value[i] != '"'; ++i) {
        if (value[i] == '\\') ++i;
        v.push_back(value[i]);
      }
      ++i;
    } else {
      while (i < value.size() && value[i] != ',') v.push_back(value[i++]);
    }
    EXPECT_FALSE(out.count(name)) << name << " twice in " << value;
    out[name] = v;
    if (i < value.size()) {
      EXPECT_EQ(value.substr(i, 2), ", ");
      i += 2;
    }
  }
  return out;
}

std::string authorization_of(const request& req) {
  std::string found;
  int count = 0;
  for (const auto& h : req.headers)
    if (h.name == "Authorization") {
      found = h.value;
      ++count;
    }
  EXPECT_LE(count, 1);
  return found;
}

// --- RFC test vectors ------------------------------------------------------------------------

constexpr const char* rfc7616_nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr const char* rfc7616_opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
constexpr const char* rfc7616_cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

digest_challenge rfc7616_challenge(std::string algorithm) {
  digest_challenge c;
  c.realm = "http-auth@example.org";
  c.nonce = rfc7616_nonce;
  c.opaque = rfc7616_opaque;
  c.algorithm = std::move(algorithm);
  c.qop = {"auth", "auth-int"};
  return c;
}

// RFC 7616 section 3.9.1. The RFC as published prints the MD5 response as
// "8ca523f5e9506fed4657c9700eebdec1"; that is a typo (RFC errata 4897): the MD5 of the inputs it
// gives is the value below, which independent implementations agree on.
TEST(digest_vectors, rfc7616_md5) {
  const auto value = digest_authorization(rfc7616_challenge("MD5"), "Mufasa", "Circle of Life",
                                          "GET", "/dir/index.html", 1, rfc7616_cnonce);
  EXPECT_EQ(value,
            "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
            "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", "
            "algorithm=MD5, "
            "response=\"8ca523f5e9506fed4657c9700eebdbec\", qop=auth, nc=00000001, "
            "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
            "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
}

TEST(digest_vectors, rfc7616_sha256) {
  const auto value = digest_authorization(rfc7616_challenge("SHA-256"), "Mufasa", "Circle of Life",
                                          "GET", "/dir/index.html", 1, rfc7616_cnonce);
  auto f = fields(value);
  EXPECT_EQ(f["response"], "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  EXPECT_EQ(f["algorithm"], "SHA-256");
  EXPECT_EQ(f["username"], "Mufasa");
  EXPECT_EQ(f["realm"], "http-auth@example.org");
  EXPECT_EQ(f["nonce"], rfc7616_nonce);
  EXPECT_EQ(f["uri"], "/dir/index.html");
  EXPECT_EQ(f["qop"], "auth");
  EXPECT_EQ(f["nc"], "00000001");
  EXPECT_EQ(f["cnonce"], rfc7616_cnonce);
  EXPECT_EQ(f["opaque"], rfc7616_opaque);
  EXPECT_EQ(f.size(), 10u);
}

digest_challenge rfc2617_challenge() {
  digest_challenge c;
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.opaque = "5ccc069c403ebaf9f0171e9517f40e41";
  c.qop = {"auth", "auth-int"};
  return c;  // no algorithm parameter: MD5
}

// RFC 2617 section 3.5 (note the capital O in its password).
TEST(digest_vectors, rfc2617) {
  const auto value = digest_authorization(rfc2617_challenge(), "Mufasa", "Circle Of Life", "GET",
                                          "/dir/index.html", 1, "0a4f113b");
  EXPECT_EQ(
      value,
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", algorithm=MD5, "
      "response=\"6629fae49393a05397450978507c4ef1\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
}

// A server that offers no qop gets the RFC 2069 answer: H(HA1:nonce:HA2), no qop/nc/cnonce.
// Expected value computed independently (Python hashlib).
TEST(digest_vectors, rfc2069_without_qop) {
  auto c = rfc2617_challenge();
  c.qop.clear();
  c.opaque.clear();
  const auto value =
      digest_authorization(c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1, "0a4f113b");
  EXPECT_EQ(value,
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
            "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", algorithm=MD5, "
            "response=\"670fd8c2df070c60b045671b8b24ff02\"");
}

// -sess: HA1 = H(H(user:realm:password):nonce:cnonce). Expected values computed with hashlib.
TEST(digest_vectors, session_algorithms) {
  auto md5 = rfc2617_challenge();
  md5.algorithm = "MD5-sess";
  EXPECT_EQ(fields(digest_authorization(md5, "Mufasa", "Circle Of Life", "GET", "/dir/index.html",
                                        1, "0a4f113b"))["response"],
            "8e3825c57e897f5a0dec6c2d4e5059d0");

  auto sha = rfc7616_challenge("sha-256-SESS");  // the algorithm name is case-insensitive
  const auto value = digest_authorization(sha, "Mufasa", "Circle of Life", "POST",
                                          "/items?page=2&q=a%20b", 10, rfc7616_cnonce);
  auto f = fields(value);
  EXPECT_EQ(f["response"], "1e90fdf24c03d680408d8b304fee08ac04134d47908a5fc135c43ffb629b3032");
  EXPECT_EQ(f["algorithm"], "SHA-256-sess");
  EXPECT_EQ(f["nc"], "0000000a");  // 8 lower-case hex digits
  EXPECT_EQ(f["uri"], "/items?page=2&q=a%20b");
}

// RFC 7616 section 3.4.4: with userhash the user name is H(user:realm), and a name a quoted
// string cannot carry goes in username* (RFC 8187). Hash computed with hashlib.
TEST(digest_vectors, userhash_and_extended_username) {
  digest_challenge c;
  c.realm = "api@example.org";
  c.nonce = "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK";
  c.algorithm = "SHA-256";
  c.qop = {"auth"};
  c.userhash = true;
  const std::string name = "J\xc3\xa4s\xc3\xb8n Doe";
  auto f = fields(digest_authorization(c, name, "Secret, or not?", "GET", "/doe.json", 1,
                                       "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v"));
  EXPECT_EQ(f["username"], "5a1a8a47df5c298551b9b42ba9b05835174a5bd7d511ff7fe9191d8e946fc4e7");
  EXPECT_EQ(f["userhash"], "true");

  c.userhash = false;
  auto plain =
      fields(digest_authorization(c, name, "Secret, or not?", "GET", "/doe.json", 1, "abc"));
  EXPECT_EQ(plain.count("username"), 0u);
  EXPECT_EQ(plain["username*"], "UTF-8''J%C3%A4s%C3%B8n%20Doe");
  EXPECT_EQ(plain.count("userhash"), 0u);
}

TEST(digest_vectors, quotes_in_values_are_escaped) {
  digest_challenge c;
  c.realm = "say \"hi\"";
  c.nonce = "n\\1";
  c.qop = {"auth"};
  const auto value = digest_authorization(c, "a\"b", "pw", "GET", "/", 1, "c");
  EXPECT_NE(value.find("username=\"a\\\"b\""), std::string::npos) << value;
  EXPECT_NE(value.find("realm=\"say \\\"hi\\\"\""), std::string::npos) << value;
  EXPECT_NE(value.find("nonce=\"n\\\\1\""), std::string::npos) << value;
  auto f = fields(value);
  EXPECT_EQ(f["username"], "a\"b");
  EXPECT_EQ(f["realm"], "say \"hi\"");
}

TEST(digest_vectors, unanswerable_challenges_throw_without_the_password) {
  const std::string password = "hunter2-very-secret";
  auto c = rfc7616_challenge("SHA-512-256");
  try {
    digest_authorization(c, "u", password, "GET", "/", 1, "c");
    FAIL() << "an unsupported algorithm must throw";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.kind(), error_kind::auth);
    EXPECT_EQ(std::string(e.what()).find(password), std::string::npos);
  }
  c = rfc7616_challenge("MD5");
  c.qop = {"auth-int"};
  EXPECT_THROW(digest_authorization(c, "u", password, "GET", "/", 1, "c"), sluice::error);
}

// --- parse_digest_challenge ------------------------------------------------------------------

TEST(digest_parse, several_challenges_in_one_header) {
  auto c = parse_digest_challenge(
      "Basic realm=\"a\", Digest realm=\"b\", nonce=\"n\", qop=\"auth,auth-int\", algorithm=MD5, "
      "opaque=\"o\", stale=TRUE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->realm, "b");
  EXPECT_EQ(c->nonce, "n");
  EXPECT_EQ(c->opaque, "o");
  EXPECT_EQ(c->algorithm, "MD5");
  EXPECT_EQ(c->qop, (std::vector<std::string>{"auth", "auth-int"}));
  EXPECT_TRUE(c->stale);
  EXPECT_FALSE(c->userhash);

  // Parameters of an earlier challenge do not leak into the Digest one.
  auto d = parse_digest_challenge(
      "Newauth realm=\"apps\", type=1, nonce=\"wrong\", opaque=\"x\", "
      "Digest realm=\"r\", nonce=\"right\"");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->nonce, "right");
  EXPECT_EQ(d->opaque, "");
  EXPECT_EQ(d->algorithm, "MD5");
  EXPECT_TRUE(d->qop.empty());
  EXPECT_FALSE(d->stale);
}

TEST(digest_parse, token68_challenges_before_digest) {
  auto c = parse_digest_challenge(
      "Negotiate, Basic dXNlcjpwYXNz==, Bearer abc.def, Digest realm=\"r\", nonce=\"n\"");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->realm, "r");
  EXPECT_EQ(c->nonce, "n");
}

TEST(digest_parse, quoted_strings_with_commas_and_escapes) {
  auto c = parse_digest_challenge(
      R"(Digest realm="a, \"quoted\" \\ realm", nonce="x,y=z", opaque="Digest nonce=\"evil\"", qop="auth")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->realm, "a, \"quoted\" \\ realm");
  EXPECT_EQ(c->nonce, "x,y=z");
  EXPECT_EQ(c->opaque, "Digest nonce=\"evil\"");
  EXPECT_EQ(c->qop, std::vector<std::string>{"auth"});
}

TEST(digest_parse, tokens_are_case_insensitive) {
  auto c = parse_digest_challenge(
      "dIgEsT REALM=\"Mixed Case\", Nonce=\"N\", ALGORITHM=sha-256, QOP=\"AUTH\", "
      "STALE=true, UserHash=TRUE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->realm, "Mixed Case");  // values keep their case
  EXPECT_EQ(c->nonce, "N");
  EXPECT_EQ(c->algorithm, "SHA-256");
  EXPECT_EQ(c->qop, std::vector<std::string>{"auth"});
  EXPECT_TRUE(c->stale);
  EXPECT_TRUE(c->userhash);

  auto quoted_algorithm =
      parse_digest_challenge("Digest realm=\"r\", nonce=\"n\", algorithm=\"MD5-SESS\", qop=auth");
  ASSERT_TRUE(quoted_algorithm);
  EXPECT_EQ(quoted_algorithm->algorithm, "MD5-sess");
}

TEST(digest_parse, whitespace_anywhere_legal) {
  auto c = parse_digest_challenge(
      "  Digest \t realm = \"r\" ,nonce=\"n\"  ,,  qop = \" auth , auth-int \" , stale =\tfalse  ");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->realm, "r");
  EXPECT_EQ(c->nonce, "n");
  EXPECT_EQ(c->qop, (std::vector<std::string>{"auth", "auth-int"}));
  EXPECT_FALSE(c->stale);
}

TEST(digest_parse, unknown_parameters_are_ignored) {
  auto c = parse_digest_challenge(
      "Digest realm=\"r\", domain=\"/a /b\", charset=UTF-8, x-future=\"1,2\", "
      "nonce=\"n\", foo=bar");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->nonce, "n");
  EXPECT_EQ(c->realm, "r");
}

TEST(digest_parse, unquoted_nonce_with_slashes) {
  auto c = parse_digest_challenge("Digest realm=r, nonce=abc/def+g==, opaque=o");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->realm, "r");
  EXPECT_EQ(c->nonce, "abc/def+g==");
  EXPECT_EQ(c->opaque, "o");
}

TEST(digest_parse, unusable_challenges) {
  EXPECT_FALSE(parse_digest_challenge(""));
  EXPECT_FALSE(parse_digest_challenge("Basic realm=\"a\""));
  EXPECT_FALSE(parse_digest_challenge("Digest realm=\"r\", qop=\"auth\""));  // no nonce
  EXPECT_FALSE(parse_digest_challenge("Digest realm=\"r\", nonce=\"\""));
  EXPECT_FALSE(parse_digest_challenge("Digest"));
  EXPECT_FALSE(parse_digest_challenge("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256"));
  EXPECT_FALSE(parse_digest_challenge("Digest realm=\"r\", nonce=\"n\", algorithm=MD4"));
  EXPECT_FALSE(parse_digest_challenge("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""));
  EXPECT_FALSE(parse_digest_challenge(
      "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess"));  // needs a cnonce
  EXPECT_FALSE(parse_digest_challenge("Digest realm=\"r\", nonce=\"unterminated"));
  EXPECT_FALSE(parse_digest_challenge("Digest realm=\"r\" nonce=\"n\""));  // missing comma
  EXPECT_FALSE(parse_digest_challenge("nonce=\"n\", realm=\"r\""));        // no scheme
  EXPECT_FALSE(parse_digest_challenge("=== \"\" ,,, \\"));
  EXPECT_FALSE(parse_digest_challenge("Digest realm=, nonce=\"n\""));
}

TEST(digest_parse, a_broken_challenge_keeps_the_complete_ones_before_it) {
  auto c =
      parse_digest_challenge("Digest realm=\"r\", nonce=\"good\", Digest realm=\"x\", nonce=\"bad");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->nonce, "good");
}

TEST(digest_parse, prefers_sha256_over_md5) {
  auto later = parse_digest_challenge(
      "Digest realm=\"r\", nonce=\"m\", algorithm=MD5, qop=\"auth\", "
      "Digest realm=\"r\", nonce=\"s\", algorithm=SHA-256, qop=\"auth\"");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->nonce, "s");
  EXPECT_EQ(later->algorithm, "SHA-256");

  auto earlier = parse_digest_challenge(
      "Digest realm=\"r\", nonce=\"s\", algorithm=SHA-256-sess, qop=auth, "
      "Digest realm=\"r\", nonce=\"m\", qop=auth");
  ASSERT_TRUE(earlier);
  EXPECT_EQ(earlier->nonce, "s");

  // Unsupported algorithms are skipped, not chosen.
  auto skipped = parse_digest_challenge(
      "Digest realm=\"r\", nonce=\"x\", algorithm=SHA-512-256, "
      "Digest realm=\"r\", nonce=\"m\", algorithm=MD5");
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->nonce, "m");

  // Among equals the server's order wins.
  auto first =
      parse_digest_challenge("Digest realm=\"r\", nonce=\"1\", Digest realm=\"r\", nonce=\"2\"");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->nonce, "1");
}

// --- digest_auth -----------------------------------------------------------------------------

constexpr const char* user = "ops@example.com";
constexpr const char* password = "S3cret-Digest-Password!";

response unauthorized(std::vector<std::string> challenges) {
  response r;
  r.status = 401;
  r.headers.push_back({"Content-Type", "text/plain"});
  for (auto& c : challenges) r.headers.push_back({"WWW-Authenticate", std::move(c)});
  r.body = "HTTP Digest: Access denied.\n";
  return r;
}

std::string challenge(std::string_view nonce, bool stale = false) {
  return "Digest realm=\"Application\", nonce=\"" + std::string(nonce) +
         "\", algorithm=MD5, qop=\"auth\", "
         "opaque=\"op\"" +
         (stale ? ", stale=TRUE" : "");
}

request get(std::string url) {
  request r;
  r.url = std::move(url);
  r.headers.push_back({"Accept", "application/json"});
  return r;
}

class digest_auth_test : public ::testing::Test {
protected:
  // Applies credentials to a request and checks the header is the one the server expects.
  std::map<std::string, std::string> send(const std::string& url,
                                          const std::string& method = "GET") {
    auto req = get(url);
    req.method = method;
    auth.apply(req);
    const auto value = authorization_of(req);
    produced.push_back(value);
    EXPECT_FALSE(value.empty());
    auto f = fields(value);
    digest_challenge c;
    c.realm = f["realm"];
    c.nonce = f["nonce"];
    c.opaque = f["opaque"];
    c.algorithm = f["algorithm"];
    c.qop = {"auth"};
    EXPECT_EQ(value,
              digest_authorization(c, user, password, method, f["uri"],
                                   static_cast<std::uint32_t>(std::stoul(f["nc"], nullptr, 16)),
                                   f["cnonce"]));
    return f;
  }

  digest_auth auth{user, secret(password)};
  std::vector<std::string> produced;
};

TEST_F(digest_auth_test, nothing_before_the_first_challenge) {
  auto req = get("http://api.example/items");
  auth.apply(req);
  EXPECT_EQ(authorization_of(req), "");
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0].name, "Accept");
}

TEST_F(digest_auth_test, reuses_the_nonce_with_increasing_count_and_fresh_cnonce) {
  EXPECT_TRUE(auth.renew(unauthorized({challenge("n1")})));
  std::set<std::string> cnonces;
  for (int i = 1; i <= 3; ++i) {
    auto f = send("http://api.example:8080/items?page=" + std::to_string(i) + "&q=a%20b");
    EXPECT_EQ(f["nonce"], "n1");
    EXPECT_EQ(f["nc"], "0000000" + std::to_string(i));
    EXPECT_EQ(f["qop"], "auth");
    EXPECT_EQ(f["opaque"], "op");
    EXPECT_EQ(f["username"], user);
    EXPECT_EQ(f["uri"], "/items?page=" + std::to_string(i) + "&q=a%20b");  // as sent, still encoded
    EXPECT_EQ(f["cnonce"].size(), 16u);
    EXPECT_EQ(f["cnonce"].find_first_not_of("0123456789abcdef"), std::string::npos);
    cnonces.insert(f["cnonce"]);
  }
  EXPECT_EQ(cnonces.size(), 3u);
}

TEST_F(digest_auth_test, uri_is_the_request_target) {
  EXPECT_TRUE(auth.renew(unauthorized({challenge("n1")})));
  EXPECT_EQ(send("http://api.example")["uri"], "/");
  EXPECT_EQ(send("https://user@api.example/a/b%2Fc?x=1")["uri"], "/a/b%2Fc?x=1");
  EXPECT_EQ(send("http://api.example/items", "POST")["uri"], "/items");
}

TEST_F(digest_auth_test, replaces_an_authorization_header_already_present) {
  EXPECT_TRUE(auth.renew(unauthorized({challenge("n1")})));
  auto req = get("http://api.example/items");
  req.headers.push_back({"authorization", "Basic stale"});
  auth.apply(req);
  int count = 0;
  for (const auto& h : req.headers) count += h.name == "Authorization" || h.name == "authorization";
  EXPECT_EQ(count, 1);
  EXPECT_EQ(authorization_of(req).substr(0, 7), "Digest ");
}

TEST_F(digest_auth_test, a_stale_nonce_is_renewed_and_the_count_restarts) {
  EXPECT_TRUE(auth.renew(unauthorized({challenge("n1")})));
  send("http://api.example/a");
  EXPECT_EQ(send("http://api.example/a")["nc"], "00000002");
  EXPECT_TRUE(auth.renew(unauthorized({challenge("n2", true)})));
  auto f = send("http://api.example/a");
  EXPECT_EQ(f["nonce"], "n2");
  EXPECT_EQ(f["nc"], "00000001");
  EXPECT_EQ(send("http://api.example/a")["nc"], "00000002");
}

TEST_F(digest_auth_test, a_plain_401_after_credentials_is_final_and_changes_nothing) {
  EXPECT_TRUE(auth.renew(unauthorized({challenge("n1")})));
  send("http://api.example/a");
  EXPECT_FALSE(auth.renew(unauthorized({challenge("n9")})));
  EXPECT_FALSE(auth.renew(unauthorized({challenge("n9")})));
  auto f = send("http://api.example/a");
  EXPECT_EQ(f["nonce"], "n1");  // the refused challenge was not stored
  EXPECT_EQ(f["nc"], "00000002");
}

TEST_F(digest_auth_test, only_a_401_with_a_digest_challenge_renews) {
  EXPECT_FALSE(auth.renew(unauthorized({"Basic realm=\"x\""})));
  EXPECT_FALSE(auth.renew(unauthorized({})));
  auto forbidden = unauthorized({challenge("n1")});
  forbidden.status = 403;
  EXPECT_FALSE(auth.renew(forbidden));
  auto req = get("http://api.example/a");
  auth.apply(req);
  EXPECT_EQ(authorization_of(req), "");
}

TEST_F(digest_auth_test, looks_at_every_www_authenticate_header) {
  auto answer = unauthorized(
      {"Basic realm=\"Application\"", challenge("md5-nonce"),
       "Digest realm=\"Application\", nonce=\"sha-nonce\", algorithm=SHA-256, qop=\"auth\""});
  answer.headers[1].name = "www-authenticate";  // header names are case-insensitive
  EXPECT_TRUE(auth.renew(answer));
  auto f = send("http://api.example/a");
  EXPECT_EQ(f["algorithm"], "SHA-256");
  EXPECT_EQ(f["nonce"], "sha-nonce");
  EXPECT_EQ(f["response"].size(), 64u);

  // A broken line does not hide the good one after it.
  digest_auth other{user, secret(password)};
  EXPECT_TRUE(other.renew(unauthorized({"Digest realm=\"unterminated", challenge("ok")})));
}

// Two streams of one source start before the first challenge arrives: both were sent without
// credentials, so both 401s deserve one resend; a later refusal of our credentials does not.
TEST_F(digest_auth_test, requests_sent_before_the_first_challenge_are_resent) {
  auto a = get("http://api.example/a");
  auto b = get("http://api.example/b");
  auth.apply(a);
  auth.apply(b);
  EXPECT_TRUE(auth.renew(unauthorized({challenge("n1")})));
  EXPECT_TRUE(auth.renew(unauthorized({challenge("n2")})));
  EXPECT_EQ(send("http://api.example/a")["nonce"], "n1");  // the first challenge is kept
  EXPECT_EQ(send("http://api.example/b")["nc"], "00000002");
  EXPECT_FALSE(auth.renew(unauthorized({challenge("n3")})));
}

TEST_F(digest_auth_test, the_password_never_appears_in_what_is_sent) {
  EXPECT_TRUE(auth.renew(unauthorized({challenge("n1")})));
  for (int i = 0; i < 3; ++i) send("http://api.example/items?page=" + std::to_string(i));
  EXPECT_TRUE(auth.renew(
      unauthorized({"Digest realm=\"Application\", nonce=\"n2\", algorithm=SHA-256-sess, "
                    "qop=auth, stale=true"})));
  auto req = get("http://api.example/x");
  auth.apply(req);
  produced.push_back(authorization_of(req));
  ASSERT_EQ(produced.size(), 4u);
  for (const auto& value : produced) {
    EXPECT_EQ(value.find(password), std::string::npos);
    EXPECT_EQ(value.find("S3cret"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice::net
