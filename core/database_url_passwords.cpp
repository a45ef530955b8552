// database_url_passwords (declared in redaction.hpp): the password of a connection string, read
// as leniently as a human writes it, because the spellings libpq rejects are exactly the ones it
// echoes whole in its error message.
#include <algorithm>
#include <cctype>
#include <string>

#include "core/redaction.hpp"

namespace sluice {
namespace {

constexpr std::size_t max_split_points = 8;
constexpr std::size_t max_keyword_passwords = 8;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trimmed(std::string_view s) {
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  while (true) {
    if (s.starts_with(bom))
      s.remove_prefix(bom.size());
    else if (!s.empty() && is_space(s.front()))
      s.remove_prefix(1);
    else
      break;
  }
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    if (s[i] == '%' && i + 2 < s.size() && (hi = hex_value(s[i + 1])) >= 0 &&
        (lo = hex_value(s[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Values of every `password=` (libpq key=value, or a URI query parameter), unquoted.
// At most max_keyword_passwords of them: each value may run to the end of the text, so a text of
// thousands of `password=` would cost quadratic memory.
void add_keyword_passwords(std::string_view s, std::vector<std::string>& out) {
  std::size_t found = 0;
  for (std::size_t i = s.find("assword");
       i != std::string_view::npos && found < max_keyword_passwords; i = s.find("assword", i + 1)) {
    if (i == 0 || std::tolower(static_cast<unsigned char>(s[i - 1])) != 'p') continue;
    std::size_t j = i + 7;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    if (j >= s.size() || s[j] != '=') continue;
    ++j;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    std::string value;
    if (j < s.size() && s[j] == '\'') {
      for (++j; j < s.size() && s[j] != '\''; ++j) {
        if (s[j] == '\\' && j + 1 < s.size()) ++j;
        value += s[j];
      }
    } else {
      std::size_t end = j;
      while (end < s.size() && !is_space(s[end])) ++end;
      value = s.substr(j, end - j);
      // In a URI query the value ends at '&'; both readings are kept (over-masking is safe).
      if (auto amp = value.find_first_of("&#"); amp != std::string::npos) {
        out.push_back(value.substr(0, amp));
        out.push_back(percent_decoded(value.substr(0, amp)));
      }
    }
    out.push_back(value);
    out.push_back(percent_decoded(value));
    ++found;
  }
}

// The password of `user:password@host`, with or without a (possibly mistyped) scheme before it.
void add_userinfo_passwords(std::string_view s, std::vector<std::string>& out) {
  std::string_view token = s.substr(0, std::min(s.size(), s.find_first_of(" \t\r\n")));
  // A scheme is dropped only when what follows still holds the user's ':' (`postgresql:u:PW@h`),
  // so that a bare `u:PW@h` keeps its user name.
  std::size_t scheme_end = 0;
  while (scheme_end < token.size() &&
         (std::isalnum(static_cast<unsigned char>(token[scheme_end])) ||
          std::string_view("+-.").find(token[scheme_end]) != std::string_view::npos))
    ++scheme_end;
  std::string_view rest = token;
  if (scheme_end > 0 && scheme_end < token.size() && token[scheme_end] == ':') {
    std::string_view after = token.substr(scheme_end + 1);
    std::size_t at = after.rfind('@');
    if (after.starts_with("/") ||
        (at != std::string_view::npos && after.substr(0, at).find(':') != std::string_view::npos))
      rest = after;
  }
  while (rest.starts_with("/")) rest.remove_prefix(1);
  // The userinfo ends at the last '@' of the authority; an unencoded '?' or '#' in the password
  // would end the authority early, so the last '@' of the whole token is tried too.
  std::string_view authority = rest.substr(0, std::min(rest.size(), rest.find_first_of("?#")));
  for (std::string_view where : {authority, rest}) {
    std::size_t at = where.rfind('@');
    if (at == std::string_view::npos) continue;
    std::string_view userinfo = where.substr(0, at);
    std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view password = userinfo.substr(colon + 1);
    out.emplace_back(password);
    out.push_back(percent_decoded(password));
    // libpq splits a URI at an unencoded '/', '@' or ':' and may quote what lies on either side
    // (`database "cr@et@db/x" does not exist`); shorter pieces would mask ordinary words. Only the
    // first few separators count: each piece is as long as the password, so a password of
    // thousands of separators (a fuzzer found one) would cost quadratic memory and time, and no
    // human writes one.
    std::size_t pieces = 0;
    for (std::size_t sep = password.find_first_of("/@:?#");
         sep != std::string_view::npos && pieces < max_split_points;
         sep = password.find_first_of("/@:?#", sep + 1), ++pieces) {
      if (sep >= 6) out.emplace_back(password.substr(0, sep));
      if (password.size() - sep - 1 >= 6) out.emplace_back(password.substr(sep + 1));
    }
  }
}

}  // namespace

std::vector<std::string> database_url_passwords(std::string_view url) {
  std::string_view s = trimmed(url);
  std::vector<std::string> out;
  add_keyword_passwords(s, out);
  add_userinfo_passwords(s, out);
  std::erase_if(out, [](const std::string& p) { return p.empty(); });
  return out;
}

}  // namespace sluice
