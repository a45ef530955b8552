#include "core/redaction.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>

namespace sluice {
namespace {

// ---------------------------------------------------------------------------------------------
// The registry: the wire forms of every known secret, longest first (a whole Basic token is
// masked before the part of it that is the password). Readers copy the pointer and scan without
// the lock: logging happens on every thread.

using form_list = std::vector<std::string>;

struct snapshot_lists {
  form_list forms;   // every wire form, longest first
  form_list values;  // the secrets themselves
};

// Longest first, then by content: the order masking needs, and a set without duplicates.
struct longer_first {
  bool operator()(const std::string& a, const std::string& b) const {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  }
};

struct registry {
  std::mutex mutex;
  std::set<std::string> secrets;  // what was registered, to make registering again free
  std::set<std::string, longer_first> forms;
  std::set<std::string> values;  // the secrets as given, to find one cut short
  // Rebuilt from `forms` on the first redact() after a change: loading a thousand sources
  // registers thousands of forms, and copying the list at each one would be quadratic.
  std::shared_ptr<const snapshot_lists> snapshot = std::make_shared<snapshot_lists>();
  bool stale = false;
};

registry& the_registry() {
  static registry r;
  return r;
}

std::shared_ptr<const snapshot_lists> current_lists() {
  auto& r = the_registry();
  std::lock_guard lock(r.mutex);
  if (r.stale) {
    r.snapshot = std::make_shared<snapshot_lists>(snapshot_lists{
        form_list(r.forms.begin(), r.forms.end()), form_list(r.values.begin(), r.values.end())});
    r.stale = false;
  }
  return r.snapshot;
}

constexpr std::string_view base64_std =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view base64_url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Unpadded base64 of `bytes`: character i carries bits [6i, 6i + 6).
std::string base64(std::string_view bytes, std::string_view alphabet) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += alphabet[(bits >> count) & 0x3F];
    }
  }
  if (count > 0) out += alphabet[(bits << (6 - count)) & 0x3F];
  return out;
}

// The base64 characters that depend only on `value` when it sits at byte offset 0, 1 or 2 of a
// longer encoded text (`user:KEY`, `KEY:X`): one of them appears in any base64 holding `value`.
void add_base64_cores(std::string_view value, std::vector<std::string>& out) {
  for (std::string_view alphabet : {base64_std, base64_url}) {
    for (std::size_t offset = 0; offset < 3; ++offset) {
      std::string padded(offset, '\0');
      padded.append(value);
      std::string encoded = base64(padded, alphabet);
      std::size_t first = (8 * offset + 5) / 6;
      std::size_t end = 8 * (offset + value.size()) / 6;
      if (end > first && end - first >= 6) out.push_back(encoded.substr(first, end - first));
    }
  }
}

std::string percent_encoded(std::string_view value, bool upper) {
  static constexpr std::string_view hex_upper = "0123456789ABCDEF", hex_lower = "0123456789abcdef";
  auto hex = upper ? hex_upper : hex_lower;
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

std::string json_escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '/') out += "\\";  // `\/` is how some servers write a slash inside JSON strings
    out += c;
  }
  return out;
}

std::string html_escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Every form `value` may take in a response or a message.
std::vector<std::string> wire_forms(std::string_view value) {
  std::vector<std::string> forms{
      std::string(value),  percent_encoded(value, true), percent_encoded(value, false),
      json_escaped(value), html_escaped(value),          base64(value, base64_std)};
  add_base64_cores(value, forms);
  return forms;
}

void add_forms(std::string_view key, const std::vector<std::string>& forms) {
  auto& r = the_registry();
  std::lock_guard lock(r.mutex);
  if (!r.secrets.insert(std::string(key)).second) return;
  for (const auto& f : forms)
    if (f.size() >= min_registered_secret) r.forms.insert(f);
  r.stale = true;
}

// ---------------------------------------------------------------------------------------------
// Patterns: credentials recognisable by their shape.

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal_at(std::string_view text, std::size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (lower(text[at + i]) != word[i]) return false;
  return true;
}

bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// Where the authority of a URL-like text starting at `colon` (the scheme's ':') begins, or npos.
// `scheme://` anywhere; for the PostgreSQL schemes also the mistyped `postgresql:/` and
// `postgresql:` that libpq does not recognise as URIs and echoes whole in its error.
std::size_t authority_start(std::string_view text, std::size_t colon) {
  if (text.substr(colon, 3) == "://") return colon + 3;
  std::size_t s = colon;
  while (s > 0 && is_scheme_char(text[s - 1])) --s;
  std::string scheme;
  for (std::size_t i = s; i < colon; ++i) scheme += lower(text[i]);
  if (scheme != "postgresql" && scheme != "postgres") return std::string_view::npos;
  std::size_t start = colon + 1;
  while (start < text.size() && text[start] == '/') ++start;
  return start;
}

// scheme://user:PASSWORD@host: the userinfo is everything before the last '@' of the authority.
// The authority runs up to whitespace, '?', '#' or a quote (not '/'), so that a password with an
// unencoded '/' or '@' is still masked; masking too much is the safe failure.
std::string redact_userinfo(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  for (std::size_t colon = text.find(':'); colon != std::string_view::npos;
       colon = text.find(':', colon + 1)) {
    if (colon < pos) continue;
    std::size_t start = authority_start(text, colon);
    if (start == std::string_view::npos) continue;
    std::size_t end = start;
    while (end < text.size() && !is_space(text[end]) && text[end] != '?' && text[end] != '#' &&
           text[end] != '"' && text[end] != '\'' && text[end] != '<' && text[end] != '>')
      ++end;
    auto authority = text.substr(start, end - start);
    auto at = authority.rfind('@');
    auto user_end = at == std::string_view::npos ? at : authority.substr(0, at).find(':');
    if (user_end == std::string_view::npos) continue;
    out.append(text.substr(pos, start + user_end + 1 - pos));
    out.append(redaction_mask);
    out.append(text.substr(start + at, end - (start + at)));
    pos = colon = end;
    if (end == text.size()) break;
  }
  out.append(text.substr(pos));
  return out;
}

// The end of a `password=` value starting at `j`: a quoted value with backslash escapes, or up to
// whitespace (and '&' / '#' in a URI query).
std::size_t value_end(std::string_view text, std::size_t j, bool query_parameter) {
  if (j < text.size() && text[j] == '\'') {
    ++j;
    while (j < text.size() && text[j] != '\'')
      j += (text[j] == '\\' && j + 1 < text.size()) ? 2 : 1;
    return j < text.size() ? j + 1 : j;
  }
  while (j < text.size() && !is_space(text[j]) &&
         !(query_parameter && (text[j] == '&' || text[j] == '#')))
    ++j;
  return j;
}

// password=VALUE, password = 'quoted \' value', ?sslpassword=VALUE&...
std::string redact_password_values(std::string_view text) {
  static constexpr std::string_view key = "password";
  std::string out;
  std::size_t pos = 0;
  for (std::size_t i = 0; i + key.size() <= text.size(); ++i) {
    if (i < pos || !iequal_at(text, i, key)) continue;
    // Where the key starts, to tell a URI query parameter (ends at '&') from libpq key=value.
    std::size_t key_start = i;
    while (key_start > 0 && (std::isalnum(static_cast<unsigned char>(text[key_start - 1])) ||
                             text[key_start - 1] == '_'))
      --key_start;
    bool query_parameter =
        key_start > 0 && (text[key_start - 1] == '?' || text[key_start - 1] == '&');
    std::size_t j = i + key.size();
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j >= text.size() || text[j] != '=') continue;
    ++j;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    std::size_t end = value_end(text, j, query_parameter);
    if (end > j) {
      out.append(text.substr(pos, j - pos));
      out.append(redaction_mask);
      pos = end;
    }
  }
  out.append(text.substr(pos));
  return out;
}

// `Basic dXNlcjpwYXNz` and `Bearer TOKEN`, as echoed Authorization headers show them.
std::string redact_auth_schemes(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i < pos || (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1])))) continue;
    std::size_t word = iequal_at(text, i, "basic ") ? 6 : iequal_at(text, i, "bearer ") ? 7 : 0;
    if (word == 0) continue;
    std::size_t j = i + word;
    while (j < text.size() && text[j] == ' ') ++j;
    std::size_t end = j;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) ||
            std::string_view("+/=-._~").find(text[end]) != std::string_view::npos))
      ++end;
    // A short or all-lowercase word after "basic" is prose ("Basic authentication"), not a token.
    const auto token = text.substr(j, end - j);
    if (token.size() < 8 ||
        std::all_of(token.begin(), token.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
      continue;
    out.append(text.substr(pos, j - pos));
    out.append(redaction_mask);
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

// The `response` of an echoed Digest Authorization header: a hash of the password that one
// captured exchange lets anyone try guesses against offline.
std::string redact_digest_response(std::string_view text) {
  std::string out(text);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!iequal_at(out, i, "digest ") ||
        (i > 0 && std::isalnum(static_cast<unsigned char>(out[i - 1]))))
      continue;
    std::size_t key = i;
    while ((key = out.find("esponse=", key)) != std::string::npos && key > 0 &&
           lower(out[key - 1]) != 'r')
      ++key;
    if (key == std::string::npos) break;
    // Quoted, or quoted inside a JSON string (`response=\"...\"`).
    std::size_t start = key + 8;
    while (start < out.size() && (out[start] == '"' || out[start] == '\\')) ++start;
    std::size_t end = start;
    while (end < out.size() && std::isxdigit(static_cast<unsigned char>(out[end]))) ++end;
    if (end > start) out.replace(start, end - start, redaction_mask);
    i = start;
  }
  return out;
}

void mask_all(std::string& text, std::string_view needle) {
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + redaction_mask.size()))
    text.replace(at, needle.size(), redaction_mask);
}

// A vendor's page is quoted up to a byte limit, which may cut an echoed secret: its beginning,
// where the text then ends (or a space, quote or bracket follows), is masked too. Only from
// `min_cut_secret` bytes and half the secret on, so that a word it shares with ordinary text
// stays readable (and what may stay visible is at most half the secret).
constexpr std::size_t min_cut_secret = 8;

bool ends_a_cut(std::string_view text, std::size_t at) {
  if (at == text.size()) return true;
  const unsigned char c = static_cast<unsigned char>(text[at]);
  return c >= 0x80 || is_space(text[at]) ||
         std::string_view("\"'().,;]}>").find(text[at]) != std::string_view::npos;
}

void mask_cut_secret(std::string& text, std::string_view value) {
  if (value.size() <= min_cut_secret) return;
  const std::string_view head = value.substr(0, min_cut_secret);
  for (std::size_t at = text.find(head); at != std::string::npos; at = text.find(head, at + 1)) {
    std::size_t n = min_cut_secret;
    while (at + n < text.size() && n < value.size() && text[at + n] == value[n]) ++n;
    if (n < value.size() && 2 * n >= value.size() && ends_a_cut(text, at + n))
      text.replace(at, n, redaction_mask);
  }
}

}  // namespace

void register_secret(std::string_view value) {
  if (value.size() < min_registered_secret) return;
  add_forms(value, wire_forms(value));
  auto& r = the_registry();
  std::lock_guard lock(r.mutex);
  if (r.values.insert(std::string(value)).second) r.stale = true;
}

void register_basic_credentials(std::string_view user, std::string_view password) {
  register_secret(password);
  std::string pair = std::string(user) + ":" + std::string(password);
  std::string b64 = base64(pair, base64_std);
  while (b64.size() % 4 != 0) b64 += '=';
  add_forms("basic\n" + pair, {b64, base64(pair, base64_url)});
}

void register_database_url(std::string_view url) {
  for (const auto& password : database_url_passwords(url)) register_secret(password);
}

std::string redact(std::string_view text) {
  std::string out =
      redact_digest_response(redact_auth_schemes(redact_password_values(redact_userinfo(text))));
  const auto lists = current_lists();
  for (const auto& form : lists->forms) mask_all(out, form);
  for (const auto& value : lists->values) mask_cut_secret(out, value);
  return out;
}

void forget_registered_secrets() {
  auto& r = the_registry();
  std::lock_guard lock(r.mutex);
  r.secrets.clear();
  r.forms.clear();
  r.values.clear();
  r.stale = true;
}

}  // namespace sluice
