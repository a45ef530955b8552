// HTTP Digest (RFC 7616; RFC 2617 and RFC 2069 servers are answered the way they expect).
#include "net/digest_auth.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <utility>

#include <boost/url/parse.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/error.hpp"

namespace sluice::net {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool is_alnum(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 9110 tchar.
bool is_tchar(char c) noexcept {
  return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 9110 token68 (without its trailing '=' padding).
bool is_token68_char(char c) noexcept {
  return is_alnum(c) || std::string_view("-._~+/").find(c) != std::string_view::npos;
}

// OWS, plus CR/LF in case a folded header line reaches us unfolded.
bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

struct auth_param {
  std::string name;   // lower-cased
  std::string value;  // unquoted
};

struct raw_challenge {
  std::string scheme;
  std::vector<auth_param> params;
  bool token68 = false;  // `scheme token68` form: it has no parameters

  // The first occurrence wins: RFC 7235 forbids repeats, so a later one is not more trustworthy.
  const std::string* find(std::string_view name) const noexcept {
    for (const auto& p : params)
      if (p.name == name) return &p.value;
    return nullptr;
  }
};

// Splits a WWW-Authenticate value into its challenges (RFC 7235 section 4.1). The grammar is a
// comma list whose items are either a new `scheme [token68 | param]` or another `name=value` of
// the current challenge; what follows a token (`=` or not) tells which. On a syntax error the
// challenge being read is dropped and reading stops: its parameters cannot be trusted, and no
// resynchronisation point is reliable. Challenges completed before the error are kept.
// A cursor over a header value, with the grammar's small pieces.
struct header_scanner {
  std::string_view s;
  std::size_t i = 0;

  bool done() const noexcept { return i == s.size(); }
  bool at(char c) const noexcept { return i < s.size() && s[i] == c; }
  void skip_ws() {
    while (i < s.size() && is_ws(s[i])) ++i;
  }
  std::string_view read_token() {
    const std::size_t begin = i;
    while (i < s.size() && is_tchar(s[i])) ++i;
    return s.substr(begin, i - begin);
  }
  std::optional<std::string> read_value() {
    std::string value;
    if (at('"')) {
      for (++i; i < s.size();) {
        const char c = s[i++];
        if (c == '"') return value;
        if (c == '\\') {
          if (done()) return std::nullopt;
          value.push_back(s[i++]);
        } else {
          value.push_back(c);
        }
      }
      return std::nullopt;  // unterminated
    }
    // Unquoted: a token by the grammar, but some servers send nonces with '/' or '=' unquoted.
    while (i < s.size() && !is_ws(s[i]) && s[i] != ',' && s[i] != '"') value.push_back(s[i++]);
    if (value.empty()) return std::nullopt;
    return value;
  }
  // `Basic <token68>` carries no parameters. `realm=...` looks the same up to the '=', but is
  // followed by a value instead of a comma or the end. Skips a token68 and says whether it did.
  bool skip_token68() {
    std::size_t k = i;
    while (k < s.size() && is_token68_char(s[k])) ++k;
    if (k == i) return false;
    while (k < s.size() && s[k] == '=') ++k;
    while (k < s.size() && is_ws(s[k])) ++k;
    if (k != s.size() && s[k] != ',') return false;
    i = k;
    return true;
  }
};

std::vector<raw_challenge> split_challenges(std::string_view s) {
  std::vector<raw_challenge> out;
  std::optional<raw_challenge> current;
  header_scanner in{s};
  for (;;) {
    while (!in.done() && (is_ws(s[in.i]) || in.at(','))) ++in.i;
    if (in.done()) break;
    const std::string_view name = in.read_token();
    if (name.empty()) {
      current.reset();
      break;
    }
    const std::size_t after_name = in.i;
    in.skip_ws();
    if (in.at('=')) {
      if (!current || current->token68) {  // a parameter before any scheme, or after a token68
        current.reset();
        break;
      }
      ++in.i;
      in.skip_ws();
      auto value = in.read_value();
      in.skip_ws();
      if (!value || (!in.done() && !in.at(','))) {
        current.reset();
        break;
      }
      current->params.push_back({to_lower(name), std::move(*value)});
      continue;
    }

    if (current) out.push_back(std::move(*current));
    current = raw_challenge{std::string(name), {}};
    if (after_name < s.size() && !is_ws(s[after_name]) && s[after_name] != ',') {
      current.reset();
      break;
    }
    if (in.skip_token68()) current->token68 = true;
  }
  if (current) out.push_back(std::move(*current));
  return out;
}

struct algorithm_info {
  std::string_view name;  // as RFC 7616 spells it
  const char* openssl_name;
  bool session;
  int preference;  // higher wins
};

constexpr std::array<algorithm_info, 4> algorithms{{
    {"MD5", "MD5", false, 0},
    {"MD5-sess", "MD5", true, 0},
    {"SHA-256", "SHA256", false, 1},
    {"SHA-256-sess", "SHA256", true, 1},
}};

const algorithm_info* find_algorithm(std::string_view name) noexcept {
  for (const auto& a : algorithms)
    if (iequals(a.name, name)) return &a;
  return nullptr;
}

bool offers_auth(const std::vector<std::string>& qop) {
  return std::find(qop.begin(), qop.end(), "auth") != qop.end();
}

struct candidate {
  digest_challenge challenge;
  int preference;
};

// A Digest challenge we can answer, or nullopt (other scheme, no nonce, unsupported algorithm,
// only qop=auth-int, or a -sess algorithm without qop, which has no cnonce to mix in).
std::optional<candidate> usable_digest(const raw_challenge& raw) {
  if (!iequals(raw.scheme, "Digest")) return std::nullopt;
  digest_challenge c;
  const auto* nonce = raw.find("nonce");
  if (!nonce || nonce->empty()) return std::nullopt;
  c.nonce = *nonce;
  if (const auto* realm = raw.find("realm")) c.realm = *realm;
  if (const auto* opaque = raw.find("opaque")) c.opaque = *opaque;

  const algorithm_info* algorithm = &algorithms[0];  // RFC 7616: absent means MD5
  if (const auto* value = raw.find("algorithm")) algorithm = find_algorithm(trim(*value));
  if (!algorithm) return std::nullopt;
  c.algorithm = std::string(algorithm->name);

  if (const auto* qop = raw.find("qop")) {
    std::string_view rest = *qop;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = trim(rest.substr(0, comma));
      if (!item.empty()) c.qop.push_back(to_lower(item));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  if (!c.qop.empty() && !offers_auth(c.qop)) return std::nullopt;
  if (c.qop.empty() && algorithm->session) return std::nullopt;

  if (const auto* stale = raw.find("stale")) c.stale = iequals(trim(*stale), "true");
  if (const auto* userhash = raw.find("userhash")) c.userhash = iequals(trim(*userhash), "true");
  return candidate{std::move(c), algorithm->preference};
}

void collect(std::string_view www_authenticate, std::vector<candidate>& found) {
  for (const auto& raw : split_challenges(www_authenticate))
    if (auto c = usable_digest(raw)) found.push_back(std::move(*c));
}

// The most preferred algorithm; among equals the server's order (its own preference) decides.
std::optional<digest_challenge> best(std::vector<candidate> found) {
  if (found.empty()) return std::nullopt;
  auto it =
      std::max_element(found.begin(), found.end(), [](const candidate& a, const candidate& b) {
        return a.preference < b.preference;  // max_element keeps the first of equal elements
      });
  return std::move(it->challenge);
}

// Overwrites the buffer that held the password before it is freed.
struct wipe {
  std::string& s;
  ~wipe() { OPENSSL_cleanse(s.data(), s.size()); }
};

class hasher {
public:
  explicit hasher(const algorithm_info& algorithm)
      : md_(EVP_MD_fetch(nullptr, algorithm.openssl_name, nullptr)) {
    if (!md_)
      throw error(error_kind::auth,
                  "HTTP Digest: OpenSSL does not provide " + std::string(algorithm.name));
  }

  // Lower-case hex, as every Digest field expects.
  std::string operator()(std::string_view data) const {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!EVP_Digest(data.data(), data.size(), out, &size, md_.get(), nullptr))
      throw error(error_kind::auth, "HTTP Digest: hashing failed in OpenSSL");
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * size);
    for (unsigned int k = 0; k < size; ++k) {
      hex.push_back(digits[out[k] >> 4]);
      hex.push_back(digits[out[k] & 0xf]);
    }
    OPENSSL_cleanse(out, sizeof out);
    return hex;
  }

private:
  struct md_free {
    void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
  };
  std::unique_ptr<EVP_MD, md_free> md_;
};

std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// RFC 7616 section 3.4.4: a user name that a quoted-string cannot carry (non-ASCII, control
// characters) goes in `username*` with RFC 8187 encoding instead.
bool needs_extended(std::string_view username) noexcept {
  return std::any_of(username.begin(), username.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u >= 0x7f;
  });
}

std::string extended_value(std::string_view value) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (is_alnum(c) || std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 0xf]);
    }
  }
  return out;
}

std::string eight_hex(std::uint32_t n) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(n));
  return buf;
}

// 16 hex characters: 64 random bits, enough that a server never sees one twice.
std::string make_cnonce() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw error(error_kind::auth,
                "HTTP Digest: cannot generate a client nonce (OpenSSL RAND_bytes failed)");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

// The request-target exactly as http_client puts it on the request line: the server hashes
// what it received, so any other spelling (decoded, without the query) fails the check.
std::string request_target(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed)
    throw error(error_kind::client,
                "HTTP Digest: invalid URL " + std::string(url.substr(0, url.find_first_of("?#"))));
  std::string target =
      parsed->encoded_path().empty() ? std::string("/") : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  return target;
}

}  // namespace

std::optional<digest_challenge> parse_digest_challenge(std::string_view www_authenticate) {
  std::vector<candidate> found;
  collect(www_authenticate, found);
  return best(std::move(found));
}

std::string digest_authorization(const digest_challenge& challenge, std::string_view username,
                                 std::string_view password, std::string_view method,
                                 std::string_view uri, std::uint32_t nonce_count,
                                 std::string_view cnonce) {
  const algorithm_info* algorithm = find_algorithm(challenge.algorithm);
  if (!algorithm)
    throw error(error_kind::auth,
                "HTTP Digest: unsupported algorithm " + challenge.algorithm.substr(0, 40));
  const bool with_qop = !challenge.qop.empty();
  if (with_qop && !offers_auth(challenge.qop))
    throw error(error_kind::auth,
                "HTTP Digest: the server offers no qop=auth (auth-int is not supported)");
  if (!with_qop && algorithm->session)
    throw error(error_kind::auth, "HTTP Digest: " + std::string(algorithm->name) + " requires qop");
  const hasher h(*algorithm);

  // Built in one buffer, without temporaries, so the only copy of the password we make is wiped.
  std::string secret_input;
  wipe wipe_input{secret_input};
  secret_input.reserve(username.size() + challenge.realm.size() + password.size() + 2);
  secret_input.append(username).append(":").append(challenge.realm).append(":").append(password);
  std::string ha1 = h(secret_input);
  if (algorithm->session) ha1 = h(ha1 + ":" + challenge.nonce + ":" + std::string(cnonce));
  const std::string ha2 = h(std::string(method) + ":" + std::string(uri));
  const std::string nc = eight_hex(nonce_count);
  const std::string response =
      with_qop
          ? h(ha1 + ":" + challenge.nonce + ":" + nc + ":" + std::string(cnonce) + ":auth:" + ha2)
          : h(ha1 + ":" + challenge.nonce + ":" + ha2);

  std::string out = "Digest ";
  if (challenge.userhash)
    out += "username=" + quoted(h(std::string(username) + ":" + challenge.realm));
  else if (needs_extended(username))
    out += "username*=" + extended_value(username);
  else
    out += "username=" + quoted(username);
  out += ", realm=" + quoted(challenge.realm);
  out += ", nonce=" + quoted(challenge.nonce);
  out += ", uri=" + quoted(uri);
  out += ", algorithm=" + std::string(algorithm->name);
  out += ", response=" + quoted(response);
  if (with_qop) out += ", qop=auth, nc=" + nc + ", cnonce=" + quoted(cnonce);
  if (!challenge.opaque.empty()) out += ", opaque=" + quoted(challenge.opaque);
  if (challenge.userhash) out += ", userhash=true";
  return out;
}

digest_auth::digest_auth(std::string username, secret password)
    : username_(std::move(username)), password_(std::move(password)) {}

void digest_auth::apply(request& req) {
  if (!challenge_) {
    ++unanswered_anonymous_;
    return;
  }
  const std::string uri = request_target(req.url);
  ++nonce_count_;
  auto value = digest_authorization(*challenge_, username_, password_.reveal(), req.method, uri,
                                    nonce_count_, make_cnonce());
  std::erase_if(req.headers, [](const header& h) { return iequals(h.name, "Authorization"); });
  req.headers.push_back({"Authorization", std::move(value)});
}

bool digest_auth::renew(const response& answer) {
  if (answer.status != 401) return false;
  const bool was_anonymous = unanswered_anonymous_ > 0;
  if (was_anonymous) --unanswered_anonymous_;

  // The server may split its challenges over several header lines: look at all of them, so
  // that a SHA-256 challenge on the second line still wins over MD5 on the first.
  std::vector<candidate> found;
  for (const auto& h : answer.headers)
    if (iequals(h.name, "WWW-Authenticate")) collect(h.value, found);
  auto offered = best(std::move(found));
  if (!offered) return false;

  if (!challenge_ || offered->stale) {
    challenge_ = std::move(*offered);
    nonce_count_ = 0;
    return true;
  }
  // A request that left before the first challenge was known (another stream of the source
  // sharing this authenticator) was rejected for carrying nothing: resend it with the nonce we
  // already hold. Otherwise our credentials were refused, and a retry would only be refused too.
  return was_anonymous;
}

}  // namespace sluice::net
