#include "fakeapi/cloudapp/generator.hpp"

#include "fakeapi/sample_text.hpp"

#include <algorithm>
#include <array>
#include <numeric>

namespace sluice::fakeapi::cloudapp {
namespace {

using namespace std::string_view_literals;

// Names include non-ASCII, emoji and characters JSON must escape, so clients' decoding and
// storage are exercised.
constexpr std::array image_names{
    "diagram – final (v2).png"sv, "Zoë's \"whiteboard\".jpg"sv,
    "スクリーンショット.png"sv,   "logo@2x.png"sv,
    "photo 🌅 sunset.jpeg"sv,
};

struct bookmark {
  std::string_view name;
  std::string_view url;
};

constexpr std::array bookmarks{
    bookmark{"CloudApp", "http://getcloudapp.com"},
    bookmark{"Google", "http://google.com"},
    bookmark{"Zoë's \"favourite\" recipes",
             "https://recipes.example.com/zo%C3%AB?tab=fav&sort=new"},
    bookmark{"日本語のページ", "https://example.jp/%E3%83%9A%E3%83%BC%E3%82%B8"},
    bookmark{"Build status\tmain", "https://ci.example.com/job/main/"},
    bookmark{"Share C:\\Users\\Public", "https://files.example.com/share?path=C%3A%5CUsers"},
};

constexpr std::array text_names{"notes.txt"sv, "README.md"sv, "todo – Montag.txt"sv,
                                "log \"prod\".txt"sv, "snippet.rb"sv};
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

item_type random_type(prng& rng) {
  static constexpr std::array<item_type, 20> weighted{
      item_type::image,    item_type::image,    item_type::image,    item_type::image,
      item_type::image,    item_type::image,    item_type::image,    item_type::image,
      item_type::bookmark, item_type::bookmark, item_type::bookmark, item_type::bookmark,
      item_type::text,     item_type::text,     item_type::archive,  item_type::audio,
      item_type::video,    item_type::video,    item_type::unknown,  item_type::archive,
  };
  return weighted[rng.below(weighted.size())];
}

// Creation instants in whole seconds since range_begin, ascending, with a few deliberate ties
// (about one per fifty items): equal created_at across page boundaries.
std::vector<micros> creation_seconds(std::uint64_t seed, std::size_t n) {
  prng times(mix64(seed, 0xc10d));
  const auto span = static_cast<std::uint64_t>((range_end - range_begin) / micros_per_second);
  std::vector<micros> created(n);
  for (auto& t : created) t = static_cast<micros>(times.below(span));
  std::sort(created.begin(), created.end());
  for (std::size_t k = 0; n >= 2 && k < std::max<std::size_t>(1, n / 50); ++k) {
    const std::size_t i = times.below(n - 1);
    created[i + 1] = created[i];
  }
  return created;
}

// The trash: a deterministic choice among all items, trashed after their last update. Answers
// the latest instant the data set holds.
micros fill_trash(std::uint64_t seed, std::vector<item>& items, std::size_t trashed,
                  micros newest) {
  prng choose(mix64(seed, 0x7a5));
  std::vector<std::uint32_t> all(items.size());
  std::iota(all.begin(), all.end(), 0U);
  micros latest = newest;
  for (const auto position : choose.pick_distinct(std::move(all), trashed)) {
    item& it = items[position];
    it.trashed = true;
    it.deleted = it.updated + static_cast<micros>(choose.below(60 * 86'400)) * micros_per_second;
    latest = std::max(latest, it.deleted);
  }
  return latest;
}

}  // namespace

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

item make_item(prng& rng, std::uint64_t id, micros created) {
  item it;
  it.id = id;
  it.created = created;
  it.updated = created;
  it.salt = rng.next();
  it.type = random_type(rng);
  it.is_private = rng.percent(70);
  it.subscribed = rng.percent(20);
  // Screenshots get looked at; archives rarely.
  const std::uint64_t reach = it.type == item_type::image     ? 500
                              : it.type == item_type::archive ? 20
                                                              : 150;
  it.views = rng.percent(15) ? 0 : static_cast<std::int64_t>(rng.below(reach));
  return it;
}

generated generate_items(const options& opts) {
  const std::size_t n = opts.items + opts.trashed;
  const auto created = creation_seconds(opts.seed, n);
  generated out;
  out.items.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    prng rng(mix64(opts.seed, mix64(0x17e, i)));
    // Ids grow with creation, with gaps: other accounts' items take the numbers in between.
    out.next_id += 1 + rng.below(3);
    out.items.push_back(make_item(rng, out.next_id, range_begin + created[i] * micros_per_second));
  }
  const micros newest = out.items.empty() ? range_begin : out.items.back().created;
  for (std::size_t i = 0; i < n; ++i) {
    item& it = out.items[i];
    prng rng(mix64(opts.seed, mix64(0x0bd, i)));
    // Renamed or re-uploaded later, but never after the newest creation (where the clock starts).
    if (rng.percent(30))
      it.updated = std::min(
          newest, it.created + static_cast<micros>(rng.below(30 * 86'400)) * micros_per_second);
  }
  out.clock_start = fill_trash(opts.seed, out.items, opts.trashed, newest) + micros_per_second;
  ++out.next_id;
  return out;
}

std::string slug(const item& it) { return random_base62(mix64(it.salt, 2), 12); }

std::string_view bookmark_url(const item& it) {
  return pick(bookmarks, mix64(it.salt, 1) >> 8).url;
}

std::string_view source_of(const item& it) { return pick(sources, mix64(it.salt, 5)); }

}  // namespace sluice::fakeapi::cloudapp
