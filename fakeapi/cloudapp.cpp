#include "fakeapi/cloudapp.hpp"

#include "fakeapi/json_writer.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::fakeapi {
namespace {

namespace http = boost::beast::http;
using http::verb;
using namespace std::string_view_literals;

// Generated creation instants are whole seconds (the vendor's resolution) over 2022 and 2023.
constexpr micros range_begin = 1'640'995'200 * micros_per_second;  // 2022-01-01T00:00:00Z
constexpr micros range_end = 1'704'067'200 * micros_per_second;    // 2024-01-01T00:00:00Z
constexpr micros one_day = 86'400 * micros_per_second;
constexpr std::uint64_t first_item_id = 1'000;
constexpr std::uint64_t max_added_per_mutation = 1'000'000;
// Nonces handed out and not yet forgotten; a client that keeps one longer than this many
// challenges gets an unknown-nonce 401, which it must survive anyway.
constexpr std::size_t nonce_table_limit = 10'000;

constexpr std::string_view realm = "Application";
constexpr std::string_view items_path = "/cloudapp/items";
constexpr std::string_view account_path = "/cloudapp/account";
constexpr std::string_view account_stats_path = "/cloudapp/account/stats";
constexpr std::string_view href_prefix = "http://my.cl.ly/items/";

enum class item_type : std::uint8_t { image, bookmark, text, archive, audio, video, unknown };
constexpr std::array type_names{"image"sv, "bookmark"sv, "text"sv, "archive"sv, "audio"sv, "video"sv, "unknown"sv};

// Compact: names and URLs are derived from `salt` when serialized.
struct item {
  std::uint64_t id = 0;
  micros created = 0;
  micros updated = 0;
  micros deleted = 0;  // meaningful when trashed
  std::uint64_t salt = 0;
  std::int64_t views = 0;
  item_type type = item_type::image;
  bool trashed = false;
  bool is_private = false;
  bool subscribed = false;
};

// Names include non-ASCII, emoji and characters JSON must escape, so clients' decoding and
// storage are exercised.
constexpr std::array image_names{
    "diagram – final (v2).png"sv, "Zoë's \"whiteboard\".jpg"sv, "スクリーンショット.png"sv, "logo@2x.png"sv,
    "photo 🌅 sunset.jpeg"sv,
};

struct bookmark {
  std::string_view name;
  std::string_view url;
};

constexpr std::array bookmarks{
    bookmark{"CloudApp", "http://getcloudapp.com"},
    bookmark{"Google", "http://google.com"},
    bookmark{"Zoë's \"favourite\" recipes", "https://recipes.example.com/zo%C3%AB?tab=fav&sort=new"},
    bookmark{"日本語のページ", "https://example.jp/%E3%83%9A%E3%83%BC%E3%82%B8"},
    bookmark{"Build status\tmain", "https://ci.example.com/job/main/"},
    bookmark{"Share C:\\Users\\Public", "https://files.example.com/share?path=C%3A%5CUsers"},
};

constexpr std::array text_names{"notes.txt"sv, "README.md"sv, "todo – Montag.txt"sv, "log \"prod\".txt"sv, "snippet.rb"sv};
constexpr std::array archive_names{"backup-2023.zip"sv, "Project \"Alpha\".tar.gz"sv, "fonts.7z"sv};
constexpr std::array audio_names{"voice memo.m4a"sv, "Café ambience.mp3"sv, "podcast-ep12.ogg"sv};
constexpr std::array video_names{"demo.mp4"sv, "Zoë's birthday 🎂.mov"sv, "bug repro.webm"sv};
constexpr std::array unknown_names{"data.bin"sv, "Thumbs.db"sv, "invoice"sv, "core.1234"sv};

// The creating client's User-Agent.
constexpr std::array sources{
    "Cloud/1.5.1 CFNetwork/454.9.8 Darwin/10.3.0 (i386) (MacBookPro5,5)"sv,
    "CloudApp/4.2.5 (Macintosh; Mac OS X 10.13.6)"sv,
    "CloudApp for Windows/5.1.0"sv,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.110 Safari/537.36"sv,
    "Zapier"sv,
    "curl/7.64.1"sv,
};

constexpr std::string_view not_found_page =
    "<!DOCTYPE html>\n<html>\n<head>\n  <title>The page you were looking for doesn't exist (404)</title>\n"
    "</head>\n<body>\n  <div class=\"dialog\">\n    <h1>The page you were looking for doesn't exist.</h1>\n"
    "    <p>You may have mistyped the address or the page may have moved.</p>\n  </div>\n</body>\n</html>\n";

constexpr std::string_view not_acceptable_page =
    "<!DOCTYPE html>\n<html>\n<head>\n  <title>Not Acceptable (406)</title>\n</head>\n<body>\n"
    "  <div class=\"dialog\">\n    <h1>Not Acceptable</h1>\n"
    "    <p>This resource is only available as application/json.</p>\n  </div>\n</body>\n</html>\n";

template <class Table>
auto pick(const Table& table, std::uint64_t seed) {
  return table[seed % table.size()];
}

// `2010-04-01T12:00:00Z`: the vendor's form, whole seconds.
std::string iso_seconds(micros utc) { return format_iso(utc, 0).substr(0, 19) + "Z"; }

std::string href(std::uint64_t id) { return std::string(href_prefix) + std::to_string(id); }

std::string slug(const item& it) { return random_base62(mix64(it.salt, 2), 12); }

// `Screen Shot 2023-03-04 at 10.15.22 AM.png`, from the item's own creation time.
std::string screen_shot_name(micros created, std::string_view kind, std::string_view extension) {
  const std::string iso = format_iso(created, 0);
  const int hour = (iso[11] - '0') * 10 + (iso[12] - '0');
  const int hour12 = hour % 12 == 0 ? 12 : hour % 12;
  std::string name(kind);
  name += ' ';
  name += iso.substr(0, 10);
  name += " at ";
  name += std::to_string(hour12);
  name += '.';
  name += iso.substr(14, 2);
  name += '.';
  name += iso.substr(17, 2);
  name += hour < 12 ? " AM" : " PM";
  name += extension;
  return name;
}

std::string item_name(const item& it) {
  const std::uint64_t h = mix64(it.salt, 1);
  switch (it.type) {
    case item_type::image:
      if (h % 2 == 0) return screen_shot_name(it.created, "Screen Shot", ".png");
      if (h % 5 == 1) return "IMG_" + random_digits(mix64(h), 4) + ".JPG";
      return std::string(pick(image_names, h >> 8));
    case item_type::bookmark: return std::string(pick(bookmarks, h >> 8).name);
    case item_type::text: return std::string(pick(text_names, h >> 8));
    case item_type::archive: return std::string(pick(archive_names, h >> 8));
    case item_type::audio: return std::string(pick(audio_names, h >> 8));
    case item_type::video:
      if (h % 3 == 0) return screen_shot_name(it.created, "Screen Recording", ".mov");
      return std::string(pick(video_names, h >> 8));
    case item_type::unknown: return std::string(pick(unknown_names, h >> 8));
  }
  return {};
}

item_type random_type(prng& rng) {
  static constexpr std::array<item_type, 20> weighted{
      item_type::image,   item_type::image,    item_type::image,    item_type::image,  item_type::image,
      item_type::image,   item_type::image,    item_type::image,    item_type::bookmark, item_type::bookmark,
      item_type::bookmark, item_type::bookmark, item_type::text,    item_type::text,   item_type::archive,
      item_type::audio,   item_type::video,    item_type::video,    item_type::unknown, item_type::archive,
  };
  return weighted[rng.below(weighted.size())];
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && lower(a) == lower(b); }

// The vendor's 422 body: a JSON array of messages.
reply unprocessable(std::string_view message) {
  json_writer w;
  w.begin_array().string(message).end_array();
  return json_reply(422, w.take());
}

reply html_reply(unsigned status, std::string_view page) {
  return reply{status, "text/html; charset=utf-8", std::string(page), {}};
}

// Rails' respond_to: JSON only when the client asks for it; `*/*` would get HTML, which the API
// does not offer.
bool accepts_json(const request& req) {
  const auto it = req.http.find(http::field::accept);
  return it != req.http.end() && lower(it->value()).find("application/json") != std::string::npos;
}

std::uint64_t read_count(const boost::json::object& body, std::string_view key, std::uint64_t fallback) {
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return fallback;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0) return static_cast<std::uint64_t>(value->get_int64());
  throw reply_error(json_reply(400, errors_json(std::string(key) + " must be a non-negative integer")));
}

void write_hrefs(json_writer& w, std::string_view key, const std::vector<std::uint64_t>& ids) {
  w.key(key).begin_array();
  for (const auto id : ids) w.string(href(id));
  w.end_array();
}

// --- HTTP Digest (RFC 7616) ------------------------------------------------------------------

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

std::string_view algorithm_name(digest_algorithm algorithm) {
  return algorithm == digest_algorithm::sha256 ? "SHA-256" : "MD5";
}

bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

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
    std::string name = lower(text.substr(name_begin, i - name_begin));
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size() || text[i] != '=') return std::nullopt;
    ++i;
    while (i < text.size() && is_space(text[i])) ++i;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i == text.size()) return std::nullopt;
          value += text[i++];
        } else {
          value += c;
        }
      }
      if (!closed) return std::nullopt;
    } else {
      const std::size_t value_begin = i;
      while (i < text.size() && is_tchar(text[i])) ++i;
      if (i == value_begin) return std::nullopt;
      value = std::string(text.substr(value_begin, i - value_begin));
    }
    if (!params.emplace(std::move(name), std::move(value)).second) return std::nullopt;
    need_separator = true;
  }
  return params;
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

struct nonce_state {
  std::uint64_t uses = 0;
  std::uint32_t last_count = 0;  // nc must exceed it
};

}  // namespace

class cloudapp_api::store {
 public:
  explicit store(cloudapp_options options);

  std::optional<reply> authenticate(const request& req);
  reply items(const request& req);
  reply account(const request& req) const;
  reply account_stats(const request& req) const;
  reply all_items() const;
  reply mutate(const request& req);
  reply bump_views(const request& req);
  reply options() const;
  reply set_options(const request& req);

  std::size_t item_count() const { return items_.size(); }

 private:
  void generate();
  item make_item(prng& rng, std::uint64_t id, micros created) const;
  std::vector<std::uint64_t> bump(std::uint64_t seed);
  reply challenge(bool stale);
  const std::vector<std::uint32_t>& listing(bool trashed, std::optional<item_type> type);
  // `dump`: the control API's view, which always shows deleted_at.
  void write_item(json_writer& w, const item& it, bool dump = false) const;

  // The fake clock: deterministic, one second per trashed or added item.
  micros tick() {
    const micros now = clock_;
    clock_ += micros_per_second;
    return now;
  }

  cloudapp_options options_;
  // Sorted by (created, id) ascending: new items are the newest, so they are appended, and the
  // newest-first listing reads it backwards.
  std::vector<item> items_;
  micros clock_ = 0;
  std::uint64_t next_id_ = first_item_id;
  std::uint64_t list_bumps_ = 0;
  std::uint64_t generation_ = 0;
  std::string opaque_;
  std::unordered_map<std::string, nonce_state> nonces_;
  std::deque<std::string> nonce_order_;  // oldest first, to forget nonces beyond the limit

  // Clients page through one listing: cache its positions between pages.
  struct listing_cache {
    bool trashed = false;
    std::optional<item_type> type;
    std::uint64_t generation = 0;
    bool valid = false;
    std::vector<std::uint32_t> positions;
  } cache_;
};

cloudapp_api::store::store(cloudapp_options options) : options_(std::move(options)) {
  options_.user = lower(options_.user);
  if (options_.max_per_page == 0) options_.max_per_page = 1;
  opaque_ = hex_digest(digest_algorithm::md5, "sluice-fakeapi-opaque-" + std::to_string(options_.seed));
  generate();
}

item cloudapp_api::store::make_item(prng& rng, std::uint64_t id, micros created) const {
  item it;
  it.id = id;
  it.created = created;
  it.updated = created;
  it.salt = rng.next();
  it.type = random_type(rng);
  it.is_private = rng.percent(70);
  it.subscribed = rng.percent(20);
  // Screenshots get looked at; archives rarely.
  const std::uint64_t reach = it.type == item_type::image ? 500 : it.type == item_type::archive ? 20 : 150;
  it.views = rng.percent(15) ? 0 : static_cast<std::int64_t>(rng.below(reach));
  return it;
}

void cloudapp_api::store::generate() {
  const std::size_t n = options_.items + options_.trashed;
  prng times(mix64(options_.seed, 0xc10d));
  const auto span = static_cast<std::uint64_t>((range_end - range_begin) / micros_per_second);
  std::vector<micros> created(n);
  for (auto& t : created) t = static_cast<micros>(times.below(span));
  std::sort(created.begin(), created.end());
  // A few deliberate ties (about one per fifty items): equal created_at across page boundaries.
  for (std::size_t k = 0; n >= 2 && k < std::max<std::size_t>(1, n / 50); ++k) {
    const std::size_t i = times.below(n - 1);
    created[i + 1] = created[i];
  }

  items_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    prng rng(mix64(options_.seed, mix64(0x17e, i)));
    // Ids grow with creation, with gaps: other accounts' items take the numbers in between.
    next_id_ += 1 + rng.below(3);
    items_.push_back(make_item(rng, next_id_, range_begin + created[i] * micros_per_second));
  }
  const micros newest = items_.empty() ? range_begin : items_.back().created;
  for (std::size_t i = 0; i < n; ++i) {
    item& it = items_[i];
    prng rng(mix64(options_.seed, mix64(0x0bd, i)));
    // Renamed or re-uploaded later, but never after the newest creation (where the clock starts).
    if (rng.percent(30)) it.updated = std::min(newest, it.created + static_cast<micros>(rng.below(30 * 86'400)) * micros_per_second);
  }

  // The trash: a deterministic choice among all items, trashed after their last update.
  prng choose(mix64(options_.seed, 0x7a5));
  std::vector<std::uint32_t> all(n);
  std::iota(all.begin(), all.end(), 0U);
  micros latest = newest;
  for (const auto position : choose.pick_distinct(std::move(all), options_.trashed)) {
    item& it = items_[position];
    it.trashed = true;
    it.deleted = it.updated + static_cast<micros>(choose.below(60 * 86'400)) * micros_per_second;
    latest = std::max(latest, it.deleted);
  }
  clock_ = latest + micros_per_second;
  ++next_id_;
}

const std::vector<std::uint32_t>& cloudapp_api::store::listing(bool trashed, std::optional<item_type> type) {
  if (!cache_.valid || cache_.trashed != trashed || cache_.type != type || cache_.generation != generation_) {
    cache_.positions.clear();
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const item& it = items_[i];
      if (it.trashed != trashed || (type && it.type != *type)) continue;
      cache_.positions.push_back(static_cast<std::uint32_t>(i));
    }
    cache_.trashed = trashed;
    cache_.type = type;
    cache_.generation = generation_;
    cache_.valid = true;
  }
  return cache_.positions;
}

void cloudapp_api::store::write_item(json_writer& w, const item& it, bool dump) const {
  const std::string name = item_name(it);
  const std::string short_url = "http://cl.ly/" + slug(it);
  const bool is_bookmark = it.type == item_type::bookmark;
  const std::string_view type = type_names[static_cast<std::size_t>(it.type)];
  w.begin_object();
  w.key("href").string(href(it.id));
  w.key("name").string(name);
  w.key("private").boolean(it.is_private);
  w.key("subscribed").boolean(it.subscribed);
  w.key("url").string(short_url);
  w.key("content_url").string(is_bookmark ? short_url : short_url + "/content");
  w.key("item_type").string(type);
  w.key("view_counter").number(it.views);
  w.key("icon").string("http://my.cl.ly/images/item_types/" + std::string(type) + ".png");
  w.key("remote_url");
  // Bookmarks have no file; a few uploads are still being processed.
  if (is_bookmark || mix64(it.salt, 3) % 20 == 0) {
    w.null();
  } else {
    w.string("http://f.cl.ly/items/" + random_hex(mix64(it.salt, 4), 20) + "/" + name);
  }
  w.key("thumbnail_url");
  if (it.type == item_type::image) {
    w.string("http://thumbs.cl.ly/" + slug(it));
  } else {
    w.null();
  }
  w.key("redirect_url");
  if (is_bookmark) {
    w.string(pick(bookmarks, mix64(it.salt, 1) >> 8).url);
  } else {
    w.null();
  }
  w.key("source").string(pick(sources, mix64(it.salt, 5)));
  w.key("created_at").string(iso_seconds(it.created));
  w.key("updated_at").string(iso_seconds(it.updated));
  if (dump || !options_.omit_deleted_at) {
    w.key("deleted_at");
    if (it.trashed) {
      w.string(iso_seconds(it.deleted));
    } else {
      w.null();
    }
  }
  w.end_object();
}

reply cloudapp_api::store::challenge(bool stale) {
  std::string nonce = random_nonce();
  nonces_.emplace(nonce, nonce_state{});
  nonce_order_.push_back(nonce);
  while (nonce_order_.size() > nonce_table_limit) {
    nonces_.erase(nonce_order_.front());
    nonce_order_.pop_front();
  }

  const std::string_view algorithm = algorithm_name(options_.algorithm);
  std::string value;
  if (options_.tricky_challenge) {
    // Valid RFC 7235 syntax that naive comma splitting gets wrong: several challenges in one
    // field, commas and escaped quotes inside quoted strings, Digest neither first nor last, a
    // qop list, and parameters in an unusual order.
    value = R"(Basic realm="Files, \"legacy\" area", Digest realm=")" + std::string(realm) +
            R"(", domain="/cloudapp/", nonce=")" + nonce + R"(", qop="auth,auth-int", opaque=")" + opaque_ +
            "\", algorithm=" + std::string(algorithm) + (stale ? ", stale=true" : "") +
            R"(, Newauth realm="apps", type=1, title="Login to \"apps\"")";
  } else {
    value = "Digest realm=\"" + std::string(realm) + "\", qop=\"auth\", algorithm=" + std::string(algorithm) +
            ", nonce=\"" + nonce + "\", opaque=\"" + opaque_ + "\"" + (stale ? ", stale=true" : "");
  }
  reply r{401, "text/plain; charset=utf-8", "HTTP Digest: Access denied.", {}};
  r.headers.emplace_back("WWW-Authenticate", std::move(value));
  return r;
}

std::optional<reply> cloudapp_api::store::authenticate(const request& req) {
  // Routing comes first, as in Rails: unknown paths are 404 whether authenticated or not.
  const std::string_view path = req.url.encoded_path();
  if (req.http.method() != verb::get || (path != items_path && path != account_path && path != account_stats_path)) {
    return std::nullopt;
  }
  const auto header = req.http.find(http::field::authorization);
  if (header == req.http.end()) return challenge(false);
  const auto credentials = parse_digest_credentials(header->value());
  if (!credentials) return challenge(false);
  const auto param = [&](std::string_view name) -> std::optional<std::string_view> {
    const auto it = credentials->find(std::string(name));
    if (it == credentials->end()) return std::nullopt;
    return std::string_view(it->second);
  };
  const auto username = param("username");
  const auto realm_sent = param("realm");
  const auto nonce = param("nonce");
  const auto uri = param("uri");
  const auto response = param("response");
  const auto qop = param("qop");
  const auto nc = param("nc");
  const auto cnonce = param("cnonce");
  const auto opaque = param("opaque");
  const auto algorithm = param("algorithm");
  if (!username || !realm_sent || !nonce || !uri || !response || !qop || !nc || !cnonce || !opaque) {
    return challenge(false);
  }
  // An absent algorithm means MD5 (RFC 7616 section 3.3).
  if (!iequals(algorithm.value_or("MD5"), algorithm_name(options_.algorithm))) return challenge(false);
  const bool auth_int = *qop == "auth-int";
  if (*realm_sent != realm || *opaque != opaque_ || (*qop != "auth" && !(auth_int && options_.tricky_challenge))) {
    return challenge(false);
  }
  const auto count = parse_nonce_count(*nc);
  if (!count) return challenge(false);
  // RFC 7616 section 3.4.6: the uri must designate the requested resource.
  if (*uri != req.http.target()) {
    return reply{400, "text/plain; charset=utf-8", "Bad Request: digest uri does not match the request target", {}};
  }
  if (*username != options_.user) return challenge(false);

  const digest_algorithm a = options_.algorithm;
  const std::string ha1 = hex_digest(a, std::string(*username) + ":" + std::string(realm) + ":" + options_.password);
  std::string a2 = std::string(req.http.method_string()) + ":" + std::string(*uri);
  if (auth_int) a2 += ":" + hex_digest(a, req.http.body());
  const std::string expected = hex_digest(
      a, ha1 + ":" + std::string(*nonce) + ":" + std::string(*nc) + ":" + std::string(*cnonce) + ":" +
             std::string(*qop) + ":" + hex_digest(a, a2));
  if (*response != expected) return challenge(false);

  // The digest is right: only now may the answer say stale (the credentials are good).
  const auto state = nonces_.find(std::string(*nonce));
  if (state == nonces_.end()) return challenge(false);
  if (options_.nonce_uses != 0 && state->second.uses >= options_.nonce_uses) return challenge(true);
  if (*count <= state->second.last_count) return challenge(false);  // a replay
  ++state->second.uses;
  state->second.last_count = *count;
  return std::nullopt;
}

reply cloudapp_api::store::items(const request& req) {
  if (!accepts_json(req)) return html_reply(406, not_acceptable_page);
  std::int64_t page = 1;
  if (const auto text = req.param("page")) {
    const auto value = parse_int(*text);
    if (!value || *value < 1) return unprocessable("page must be a positive integer");
    page = *value;
  }
  std::size_t per_page = 5;
  if (const auto text = req.param("per_page")) {
    const auto value = parse_int(*text);
    if (!value || *value < 1) return unprocessable("per_page must be a positive integer");
    // Capped silently: a short page does not mean the end.
    per_page = static_cast<std::size_t>(std::min<std::int64_t>(*value, static_cast<std::int64_t>(options_.max_per_page)));
  }
  const auto deleted = req.param("deleted");
  const bool trashed = deleted && (*deleted == "true" || *deleted == "1");
  std::optional<item_type> type;
  if (const auto text = req.param("type"); text && !text->empty()) {
    const auto it = std::find(type_names.begin(), type_names.end(), *text);
    // An unknown type matches nothing, like a Rails `where`.
    if (it == type_names.end()) return json_reply(200, "[]");
    type = static_cast<item_type>(it - type_names.begin());
  }

  if (options_.bump_on_list) bump(mix64(0x115, ++list_bumps_));

  const auto& positions = listing(trashed, type);
  const std::size_t total = positions.size();
  const auto skipped = static_cast<std::uint64_t>(page - 1);
  const std::size_t begin = skipped > total / per_page ? total : std::min(total, static_cast<std::size_t>(skipped) * per_page);
  const std::size_t end = std::min(total, begin + per_page);

  json_writer w;
  w.reserve(2 + (end - begin) * 900);
  w.begin_array();
  for (std::size_t k = begin; k < end; ++k) write_item(w, items_[positions[total - 1 - k]]);
  w.end_array();
  return json_reply(200, w.take());
}

reply cloudapp_api::store::account(const request& req) const {
  if (!accepts_json(req)) return html_reply(406, not_acceptable_page);
  prng rng(mix64(options_.seed, 0xacc));
  const auto id = static_cast<std::int64_t>(100'000 + rng.below(900'000));
  const micros created = range_begin - static_cast<micros>(1 + rng.below(400 * 86'400)) * micros_per_second;
  json_writer w;
  w.begin_object();
  w.key("id").number(id);
  w.key("email").string(options_.user);
  w.key("domain").null();
  w.key("domain_home_page").null();
  w.key("private_items").boolean(true);
  w.key("subscribed").boolean(true);
  w.key("subscription_expires_at").null();
  w.key("alpha").boolean(false);
  w.key("created_at").string(iso_seconds(created));
  w.key("updated_at").string(iso_seconds(created + one_day));
  w.key("activated_at").string(iso_seconds(created + 60 * micros_per_second));
  w.end_object();
  return json_reply(200, w.take());
}

reply cloudapp_api::store::account_stats(const request& req) const {
  if (!accepts_json(req)) return html_reply(406, not_acceptable_page);
  std::int64_t views = 0;
  for (const auto& it : items_) views += it.views;
  json_writer w;
  w.begin_object();
  w.key("items").number(static_cast<std::int64_t>(items_.size()));
  w.key("views").number(views);
  w.end_object();
  return json_reply(200, w.take());
}

reply cloudapp_api::store::all_items() const {
  json_writer w;
  w.reserve(2 + items_.size() * 900);
  w.begin_array();
  for (auto it = items_.rbegin(); it != items_.rend(); ++it) write_item(w, *it, true);
  w.end_array();
  return json_reply(200, w.take());
}

std::vector<std::uint64_t> cloudapp_api::store::bump(std::uint64_t seed) {
  std::vector<std::uint32_t> live;
  for (std::uint32_t i = 0; i < items_.size(); ++i) {
    if (!items_[i].trashed) live.push_back(i);
  }
  prng rng(mix64(options_.seed, mix64(0xb0b5, seed)));
  const std::size_t third = (live.size() + 2) / 3;
  auto chosen = rng.pick_distinct(std::move(live), third);
  std::sort(chosen.begin(), chosen.end(), std::greater<>());
  std::vector<std::uint64_t> ids;
  ids.reserve(chosen.size());
  for (const auto position : chosen) {
    // Only the counter moves: CloudApp does not touch updated_at for a view.
    items_[position].views += static_cast<std::int64_t>(1 + rng.below(5));
    ids.push_back(items_[position].id);
  }
  return ids;
}

reply cloudapp_api::store::bump_views(const request& req) {
  const auto body = parse_json_object(req);
  const auto ids = bump(read_count(body, "seed", 1));
  json_writer w;
  w.begin_object();
  write_hrefs(w, "bumped", ids);
  w.end_object();
  return json_reply(200, w.take());
}

reply cloudapp_api::store::mutate(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t trash_count = read_count(body, "trash", 0);
  const std::uint64_t remove_count = read_count(body, "remove", 0);
  const std::uint64_t restore_count = read_count(body, "restore", 0);
  const std::uint64_t add_count = read_count(body, "add", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  if (add_count > max_added_per_mutation) {
    throw reply_error(json_reply(400, errors_json("add must be at most 1000000")));
  }

  // Victims depend only on the seeds and the current data, and are distinct: restored ones come
  // from the trash, trashed ones from the live items, removed ones from whatever is left of both.
  prng rng(mix64(options_.seed, mix64(0x6d7574, seed)));
  std::vector<std::uint32_t> live;
  std::vector<std::uint32_t> trash;
  for (std::uint32_t i = 0; i < items_.size(); ++i) (items_[i].trashed ? trash : live).push_back(i);
  auto restoring = rng.pick_distinct(trash, restore_count);
  auto trashing = rng.pick_distinct(live, trash_count);
  std::vector<bool> taken(items_.size(), false);
  for (const auto p : restoring) taken[p] = true;
  for (const auto p : trashing) taken[p] = true;
  std::vector<std::uint32_t> rest;
  for (std::uint32_t i = 0; i < items_.size(); ++i) {
    if (!taken[i]) rest.push_back(i);
  }
  auto removing = rng.pick_distinct(std::move(rest), remove_count);
  // Reported newest first, like the listing.
  for (auto* positions : {&restoring, &trashing, &removing}) std::sort(positions->begin(), positions->end(), std::greater<>());

  // Soft delete and restore touch only deleted_at (no callbacks, as paranoia-style gems do).
  std::vector<std::uint64_t> restored;
  for (const auto p : restoring) {
    items_[p].trashed = false;
    items_[p].deleted = 0;
    restored.push_back(items_[p].id);
  }
  std::vector<std::uint64_t> trashed;
  for (const auto p : trashing) {
    items_[p].trashed = true;
    items_[p].deleted = tick();
    trashed.push_back(items_[p].id);
  }
  std::vector<std::uint64_t> removed;
  std::vector<bool> doomed(items_.size(), false);
  for (const auto p : removing) {
    doomed[p] = true;
    removed.push_back(items_[p].id);
  }
  std::size_t keep = 0;
  for (std::size_t i = 0; i < items_.size(); ++i) {
    if (!doomed[i]) {
      if (keep != i) items_[keep] = items_[i];
      ++keep;
    }
  }
  items_.resize(keep);

  // New items are the newest of all, so appending keeps the order.
  std::vector<std::uint64_t> added;
  for (std::uint64_t k = 0; k < add_count; ++k) {
    prng add_rng(mix64(rng.next(), k));
    item it = make_item(add_rng, next_id_, tick());
    it.views = 0;
    next_id_ += 1 + add_rng.below(3);
    added.push_back(it.id);
    items_.push_back(it);
  }
  std::reverse(added.begin(), added.end());
  ++generation_;

  json_writer w;
  w.begin_object();
  write_hrefs(w, "added", added);
  write_hrefs(w, "trashed", trashed);
  write_hrefs(w, "restored", restored);
  write_hrefs(w, "removed", removed);
  w.end_object();
  return json_reply(200, w.take());
}

reply cloudapp_api::store::options() const {
  json_writer w;
  w.begin_object();
  w.key("omit_deleted_at").boolean(options_.omit_deleted_at);
  w.key("bump_on_list").boolean(options_.bump_on_list);
  w.end_object();
  return json_reply(200, w.take());
}

// Behaviour switches at run time; absent keys keep their current value.
reply cloudapp_api::store::set_options(const request& req) {
  const auto body = parse_json_object(req);
  for (const auto& [key, target] : {std::pair<std::string_view, bool*>{"omit_deleted_at", &options_.omit_deleted_at},
                                    std::pair<std::string_view, bool*>{"bump_on_list", &options_.bump_on_list}}) {
    const auto* value = body.if_contains(key);
    if (value == nullptr) continue;
    if (!value->is_bool()) throw reply_error(json_reply(400, errors_json(std::string(key) + " must be a boolean")));
    *target = value->get_bool();
  }
  return options();
}

cloudapp_api::cloudapp_api(cloudapp_options options) : store_(std::make_unique<store>(std::move(options))) {}

cloudapp_api::~cloudapp_api() = default;

std::size_t cloudapp_api::item_count() const { return store_->item_count(); }

void cloudapp_api::install(router& routes) {
  store& s = *store_;
  api_scope scope;
  scope.prefix = "/cloudapp/";
  scope.name = "cloudapp";
  scope.unauthorized_name = "cloudapp.unauthorized";
  scope.authenticate = [&s](const request& req) { return s.authenticate(req); };
  // Rails answers unrouted paths and methods alike with its HTML 404 page.
  scope.not_found = [](const request&) { return html_reply(404, not_found_page); };
  scope.method_not_allowed = scope.not_found;
  scope.routes.push_back({verb::get, std::string(items_path), "cloudapp.items",
                          [&s](const request& req) { return s.items(req); }});
  scope.routes.push_back({verb::get, std::string(account_path), "cloudapp.account",
                          [&s](const request& req) { return s.account(req); }});
  scope.routes.push_back({verb::get, std::string(account_stats_path), "cloudapp.account_stats",
                          [&s](const request& req) { return s.account_stats(req); }});
  routes.add_scope(std::move(scope));

  routes.add_control(verb::get, "/_control/cloudapp/items", [&s](const request&) { return s.all_items(); });
  routes.add_control(verb::post, "/_control/cloudapp/mutate", [&s](const request& req) { return s.mutate(req); });
  routes.add_control(verb::post, "/_control/cloudapp/bump_views", [&s](const request& req) { return s.bump_views(req); });
  routes.add_control(verb::get, "/_control/cloudapp/options", [&s](const request&) { return s.options(); });
  routes.add_control(verb::post, "/_control/cloudapp/options", [&s](const request& req) { return s.set_options(req); });
}

}  // namespace sluice::fakeapi
