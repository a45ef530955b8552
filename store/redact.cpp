#include "store/redact.hpp"

#include <regex>

namespace sluice::store {
namespace {

// The password a connection string carries, or "" (URI userinfo or a password= parameter).
std::string password_in(std::string_view url) {
  static const std::regex uri_password(R"(^[A-Za-z][A-Za-z0-9+.-]*://[^:/@?#\s]*:([^@/?#\s]*)@)");
  static const std::regex keyword_password(
      R"((?:^|[\s?&])password\s*=\s*('((?:[^'\\]|\\.)*)'|[^\s&]*))", std::regex::icase);
  std::string text(url);
  std::smatch m;
  if (std::regex_search(text, m, uri_password)) return m[1].str();
  if (std::regex_search(text, m, keyword_password)) return m[2].matched ? m[2].str() : m[1].str();
  return {};
}

void replace_all(std::string& text, std::string_view needle, std::string_view with) {
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + with.size()))
    text.replace(at, needle.size(), with);
}

}  // namespace

std::string redact_secrets(std::string_view message, std::string_view url) {
  static const std::regex uri_userinfo(R"(([A-Za-z][A-Za-z0-9+.-]*://[^:/@?#\s]*:)[^@\s]*@)");
  static const std::regex keyword(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&'"]*))",
                                  std::regex::icase);
  std::string text = std::regex_replace(std::string(message), uri_userinfo, "$1***@");
  text = std::regex_replace(text, keyword, "$1***");
  // Short passwords are left to the patterns above: replacing every "ab" would garble messages
  // without protecting anything worth the name.
  if (std::string pw = password_in(url); pw.size() >= 4) replace_all(text, pw, "***");
  return text;
}

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace sluice::store
