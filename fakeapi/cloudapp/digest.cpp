#include "fakeapi/cloudapp/digest.hpp"

#include "fakeapi/ascii.hpp"

#include <boost/beast/http/field.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

namespace sluice::fakeapi::cloudapp {
namespace {

namespace http = boost::beast::http;

// The realm of every challenge, as CloudApp's Rails application names it.
constexpr std::string_view realm = "Application";
// Nonces handed out and not yet forgotten; a client that keeps one longer than this many
// challenges gets an unknown-nonce 401, which it must survive anyway.
constexpr std::size_t nonce_table_limit = 10'000;

std::string_view algorithm_name(digest_algorithm algorithm) {
  return algorithm == digest_algorithm::sha256 ? "SHA-256" : "MD5";
}

bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

// A parameter's value at text[i]: a token or a quoted string (backslash escapes); advances i.
std::optional<std::string> read_value(std::string_view text, std::size_t& i) {
  std::string value;
  if (i < text.size() && text[i] == '"') {
    ++i;
    while (i < text.size()) {
      const char c = text[i++];
      if (c == '"') return value;
      if (c == '\\') {
        if (i == text.size()) return std::nullopt;
        value += text[i++];
      } else {
        value += c;
      }
    }
    return std::nullopt;  // not closed
  }
  const std::size_t value_begin = i;
  while (i < text.size() && is_tchar(text[i])) ++i;
  if (i == value_begin) return std::nullopt;
  return std::string(text.substr(value_begin, i - value_begin));
}

// `nc`: exactly eight hex digits.
std::optional<std::uint32_t> parse_nonce_count(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string random_nonce() {
  // Base64 on purpose: `+`, `/` and `=` must survive the client's quoting.
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  unsigned char text[4 * sizeof bytes / 3 + 1];
  const int n = EVP_EncodeBlock(text, bytes, sizeof bytes);
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
}

}  // namespace

std::string hex_digest(digest_algorithm algorithm, std::string_view data) {
  const EVP_MD* md = algorithm == digest_algorithm::sha256 ? EVP_sha256() : EVP_md5();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    text += hex[out[i] >> 4];
    text += hex[out[i] & 0xf];
  }
  return text;
}

// `Digest name=value, name="quoted \"value\"", ...` to lower-cased names and unquoted values;
// nullopt unless the scheme is Digest and the syntax is valid (duplicates are invalid).
std::optional<std::map<std::string, std::string>> parse_digest_credentials(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  const std::size_t scheme_begin = i;
  while (i < text.size() && is_tchar(text[i])) ++i;
  if (!iequals(text.substr(scheme_begin, i - scheme_begin), "digest")) return std::nullopt;
  if (i == text.size() || !is_space(text[i])) return std::nullopt;

  std::map<std::string, std::string> params;
  bool need_separator = false;
  while (true) {
    bool separated = false;
    while (i < text.size() && (is_space(text[i]) || text[i] == ',')) {
      separated = separated || text[i] == ',';
      ++i;
    }
    if (i == text.size()) break;
    if (need_separator && !separated) return std::nullopt;
    const std::size_t name_begin = i;
    while (i < text.size() && is_tchar(text[i])) ++i;
    if (i == name_begin) return std::nullopt;
    std::string name = ascii_lower(text.substr(name_begin, i - name_begin));
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size() || text[i] != '=') return std::nullopt;
    ++i;
    while (i < text.size() && is_space(text[i])) ++i;
    auto value = read_value(text, i);
    if (!value || !params.emplace(std::move(name), std::move(*value)).second) return std::nullopt;
    need_separator = true;
  }
  return params;
}

digest_guard::digest_guard(const options& opts)
    : user_(ascii_lower(opts.user)),
      password_(opts.password),
      algorithm_(opts.algorithm),
      tricky_challenge_(opts.tricky_challenge),
      nonce_uses_(opts.nonce_uses),
      opaque_(hex_digest(digest_algorithm::md5,
                         "sluice-fakeapi-opaque-" + std::to_string(opts.seed))) {}

reply digest_guard::challenge(bool stale) {
  std::string nonce = random_nonce();
  nonces_.emplace(nonce, nonce_state{});
  nonce_order_.push_back(nonce);
  while (nonce_order_.size() > nonce_table_limit) {
    nonces_.erase(nonce_order_.front());
    nonce_order_.pop_front();
  }
  reply r{401, "text/plain; charset=utf-8", "HTTP Digest: Access denied.", {}};
  r.headers.emplace_back("WWW-Authenticate", challenge_value(nonce, stale));
  return r;
}

std::string digest_guard::challenge_value(std::string_view nonce, bool stale) const {
  const std::string_view algorithm = algorithm_name(algorithm_);
  if (tricky_challenge_) {
    // Valid RFC 7235 syntax that naive comma splitting gets wrong: several challenges in one
    // field, commas and escaped quotes inside quoted strings, Digest neither first nor last, a
    // qop list, and parameters in an unusual order.
    return R"(Basic realm="Files, \"legacy\" area", Digest realm=")" + std::string(realm) +
           R"(", domain="/cloudapp/", nonce=")" + std::string(nonce) +
           R"(", qop="auth,auth-int", opaque=")" + opaque_ +
           "\", algorithm=" + std::string(algorithm) + (stale ? ", stale=true" : "") +
           R"(, Newauth realm="apps", type=1, title="Login to \"apps\"")";
  }
  return "Digest realm=\"" + std::string(realm) +
         "\", qop=\"auth\", algorithm=" + std::string(algorithm) + ", nonce=\"" +
         std::string(nonce) + "\", opaque=\"" + opaque_ + "\"" + (stale ? ", stale=true" : "");
}

std::optional<reply> digest_guard::authenticate(const request& req) {
  const auto header = req.http.find(http::field::authorization);
  if (header == req.http.end()) return challenge(false);
  const auto credentials = parse_digest_credentials(header->value());
  if (!credentials) return challenge(false);
  const auto param = [&](std::string_view name) -> std::optional<std::string_view> {
    const auto it = credentials->find(std::string(name));
    if (it == credentials->end()) return std::nullopt;
    return std::string_view(it->second);
  };
  for (const auto* required :
       {"username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce", "opaque"}) {
    if (!param(required)) return challenge(false);
  }
  // An absent algorithm means MD5 (RFC 7616 section 3.3).
  if (!iequals(param("algorithm").value_or("MD5"), algorithm_name(algorithm_)))
    return challenge(false);
  const std::string_view qop = *param("qop");
  const bool auth_int = qop == "auth-int";
  if (*param("realm") != realm || *param("opaque") != opaque_ ||
      (qop != "auth" && !(auth_int && tricky_challenge_))) {
    return challenge(false);
  }
  const auto count = parse_nonce_count(*param("nc"));
  if (!count) return challenge(false);
  // RFC 7616 section 3.4.6: the uri must designate the requested resource.
  if (*param("uri") != req.http.target()) {
    return reply{400,
                 "text/plain; charset=utf-8",
                 "Bad Request: digest uri does not match the request target",
                 {}};
  }
  if (*param("username") != user_) return challenge(false);
  if (!digest_matches(req, *credentials)) return challenge(false);
  return use_nonce(*param("nonce"), *count);
}

bool digest_guard::digest_matches(const request& req,
                                  const std::map<std::string, std::string>& credentials) const {
  const auto& c = credentials;
  const digest_algorithm a = algorithm_;
  const std::string& qop = c.at("qop");
  const std::string ha1 =
      hex_digest(a, c.at("username") + ":" + std::string(realm) + ":" + password_);
  std::string a2 = std::string(req.http.method_string()) + ":" + c.at("uri");
  if (qop == "auth-int") a2 += ":" + hex_digest(a, req.http.body());
  const std::string expected =
      hex_digest(a, ha1 + ":" + c.at("nonce") + ":" + c.at("nc") + ":" + c.at("cnonce") + ":" +
                        qop + ":" + hex_digest(a, a2));
  return c.at("response") == expected;
}

std::optional<reply> digest_guard::use_nonce(std::string_view nonce, std::uint32_t count) {
  // The digest is right: only now may the answer say stale (the credentials are good).
  const auto state = nonces_.find(std::string(nonce));
  if (state == nonces_.end()) return challenge(false);
  if (nonce_uses_ != 0 && state->second.uses >= nonce_uses_) return challenge(true);
  if (count <= state->second.last_count) return challenge(false);  // a replay
  ++state->second.uses;
  state->second.last_count = count;
  return std::nullopt;
}

}  // namespace sluice::fakeapi::cloudapp
