#include "fakeapi/cloudapp/wire.hpp"

#include "fakeapi/cloudapp/generator.hpp"
#include "fakeapi/timestamp.hpp"

#include <cstddef>

namespace sluice::fakeapi::cloudapp {
namespace {

constexpr std::string_view href_prefix = "http://my.cl.ly/items/";

// Where the item's file lives, its thumbnail, a bookmark's target: each present or null.
void write_urls(json_writer& w, const item& it, const std::string& name, bool is_bookmark) {
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
    w.string(bookmark_url(it));
  } else {
    w.null();
  }
}

}  // namespace

const std::string_view not_found_page =
    "<!DOCTYPE html>\n<html>\n<head>\n  <title>The page you were looking for doesn't exist "
    "(404)</title>\n"
    "</head>\n<body>\n  <div class=\"dialog\">\n    <h1>The page you were looking for doesn't "
    "exist.</h1>\n"
    "    <p>You may have mistyped the address or the page may have moved.</p>\n  "
    "</div>\n</body>\n</html>\n";

const std::string_view not_acceptable_page =
    "<!DOCTYPE html>\n<html>\n<head>\n  <title>Not Acceptable (406)</title>\n</head>\n<body>\n"
    "  <div class=\"dialog\">\n    <h1>Not Acceptable</h1>\n"
    "    <p>This resource is only available as application/json.</p>\n  </div>\n</body>\n</html>\n";

std::string href(std::uint64_t id) { return std::string(href_prefix) + std::to_string(id); }

void write_hrefs(json_writer& w, std::string_view key, const std::vector<std::uint64_t>& ids) {
  w.key(key).begin_array();
  for (const auto id : ids) w.string(href(id));
  w.end_array();
}

reply unprocessable(std::string_view message) {
  json_writer w;
  w.begin_array().string(message).end_array();
  return json_reply(422, w.take());
}

reply html_reply(unsigned status, std::string_view page) {
  return reply{status, "text/html; charset=utf-8", std::string(page), {}};
}

void write_item(json_writer& w, const item& it, bool show_deleted_at) {
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
  write_urls(w, it, name, is_bookmark);
  w.key("source").string(source_of(it));
  w.key("created_at").string(format_iso_seconds(it.created));
  w.key("updated_at").string(format_iso_seconds(it.updated));
  if (show_deleted_at) {
    w.key("deleted_at");
    if (it.trashed) {
      w.string(format_iso_seconds(it.deleted));
    } else {
      w.null();
    }
  }
  w.end_object();
}

}  // namespace sluice::fakeapi::cloudapp
