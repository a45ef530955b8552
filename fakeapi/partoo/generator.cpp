#include "fakeapi/partoo/generator.hpp"

#include "fakeapi/sample_text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <numeric>

namespace sluice::fakeapi::partoo {
namespace {

// Review texts deliberately include non-ASCII, emoji and characters that JSON must escape
// (quotes, backslash, tab, CR/LF), so clients' decoding and storage are exercised.
constexpr std::array plain_sentences{
    "Magasin un peu vieillot , mais personnel très sympathique, nombreuses références en rayons , un très bon choix côté vin..."sv,
    "Accueil très sympathique ❤️"sv,
    "Service rapide, rien à redire."sv,
    "Très bon rapport qualité/prix 👍🏽"sv,
    "Great staff, would recommend!"sv,
    "Personnel désagréable, produits périmés 😡"sv,
    "素晴らしいサービス"sv,
    "Ça sent le pain chaud dès l'entrée 🥖"sv,
    "Livraison en retard de 3 jours."sv,
    "Équipe à l'écoute, je recommande."sv,
};

constexpr std::array tricky_sentences{
    "Le \"menu du jour\" était parfait."sv,
    "Attente beaucoup trop longue.\nJe ne reviendrai pas."sv,
    "Prix :\t12 €\tpour un café ?!"sv,
    "Chemin d'accès : C:\\Magasin\\Entrée (mal indiqué)."sv,
    "Parking facile d'accès.\r\nHoraires respectés."sv,
    "Rien à dire, c'est \"top\" \\o/"sv,
};

constexpr std::array titles{
    "Super expérience"sv, "Décevant"sv, "Un \"must\" du quartier"sv,
    "Bon mais cher"sv,    "À éviter"sv, "Parfait 👌"sv,
    "Correct"sv,
};

constexpr std::array replies{
    "Merci ❤️"sv,
    "Merci beaucoup pour votre retour !"sv,
    "Nous sommes désolés pour cette expérience.\nN'hésitez pas à nous contacter."sv,
    "Merci pour vos \"5 étoiles\" !"sv,
    "Thank you for your feedback."sv,
};

constexpr std::array suggestions{
    "Merci pour votre avis, à bientôt !"sv,
    "Nous vous remercions pour ce retour \"positif\"."sv,
    "Bonjour, merci d'avoir pris le temps de nous écrire."sv,
};

constexpr std::array customer_comments{
    "Edit : le problème a été réglé, merci."sv,
    "Je précise : c'était un dimanche."sv,
    "Toujours pas de réponse du magasin..."sv,
};

constexpr std::array reply_authors{"Le responsable"sv, "Service client"sv, "L'équipe"sv};

constexpr std::array first_names{
    "Marie"sv,   "Jean"sv,     "Françoise"sv, "Zoë"sv,   "José"sv,  "Björn"sv,
    "Émilie"sv,  "Nathalie"sv, "Pierre"sv,    "Chloé"sv, "Lucas"sv, "Inès"sv,
    "Mohamed"sv, "Sofia"sv,    "Ana"sv,       "Kévin"sv,
};

constexpr std::array last_names{
    "Martin"sv, "Bernard"sv, "Dubois"sv, "Müller"sv, "Lefèvre"sv, "O'Connor"sv, "García"sv,
    "Nguyễn"sv, "Petit"sv,   "Durand"sv, "Leroy"sv,  "Moreau"sv,  "Rousseau"sv, "Fontaine"sv,
};

constexpr std::array pseudonyms{"Castorche"sv, "Un client \"fidèle\""sv, "jp_75"sv,
                                "A Google User"sv};

constexpr std::array business_kinds{
    "Boulangerie"sv, "Café"sv,       "Librairie"sv, "Pharmacie"sv,
    "Garage"sv,      "Fromagerie"sv, "Brasserie"sv, "Épicerie"sv,
};

constexpr std::array business_places{
    "du Marché"sv,   "de la Gare"sv, "Saint-Michel"sv, "des Arts"sv,
    "Côté Jardin"sv, "Chez Léon"sv,  "Le Moulin"sv,
};

struct city {
  std::string_view name;
  std::string_view zipcode;
};

constexpr std::array cities{
    city{"Paris", "75011"},         city{"Lyon", "69002"},     city{"Marseille", "13001"},
    city{"Saint-Étienne", "42000"}, city{"Nantes", "44000"},   city{"Lille", "59000"},
    city{"Bordeaux", "33000"},      city{"Besançon", "25000"},
};

constexpr std::array streets{
    "rue de la Paix"sv,    "avenue Jean Jaurès"sv, "boulevard Voltaire"sv,
    "place de l'Église"sv, "rue des Écoles"sv,
};

}  // namespace

business make_business(std::uint64_t seed, std::size_t i) {
  prng rng(mix64(seed, mix64(0xb05, i)));
  business b;
  // The index in the last 8 hex digits keeps ids distinct without a collision check.
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "%08zx", i);
  b.id = random_hex(rng.next(), 16) + suffix;
  b.name = business_name(rng);
  char code[32];
  std::snprintf(code, sizeof code, "B%04zu", i + 1);
  b.code = code;
  b.open = rng.percent(90);
  const city c = pick(cities, rng.next());
  b.address = std::to_string(1 + rng.below(120)) + " " + std::string(pick(streets, rng.next()));
  b.city = c.name;
  b.zipcode = c.zipcode;
  b.group_id = 100 + static_cast<std::int64_t>(rng.below(5));
  b.created =
      business_epoch +
      static_cast<micros>(rng.below(static_cast<std::uint64_t>(range_begin - business_epoch) / 2));
  // Before the reviews' range, so the fake clock (after the newest review) is always later.
  b.modified = b.created +
               static_cast<micros>(rng.below(static_cast<std::uint64_t>(range_begin - b.created)));
  b.gmb_location =
      "accounts/" + random_digits(rng.next(), 21) + "/locations/" + random_digits(rng.next(), 20);
  b.facebook_page = random_digits(rng.next(), 15);
  return b;
}

std::string business_name(prng& rng) { return two_words(rng, business_kinds, business_places); }

review make_review(prng& rng, std::int64_t id, micros update_date, std::size_t business_count) {
  review r;
  r.id = id;
  r.salt = rng.next();
  r.text_seed = rng.next();
  const auto platform_roll = rng.below(100);
  r.platform = platform_roll < 78   ? partner::google
               : platform_roll < 90 ? partner::facebook
                                    : partner::tripadvisor;
  r.business = static_cast<std::uint32_t>(rng.below(business_count));
  r.update_date = update_date;
  r.date =
      rng.percent(40) ? update_date : update_date - static_cast<micros>(rng.below(120 * one_day));
  const auto offset_roll = rng.below(100);
  r.offset_minutes = offset_roll < 80 ? 120 : offset_roll < 90 ? 0 : -300;
  if (r.platform == partner::facebook) {
    r.recommended = rng.percent(80) ? 1 : 0;
  } else {
    static constexpr std::array<std::uint8_t, 20> weighted{1, 1, 2, 2, 3, 3, 3, 4, 4, 4,
                                                           4, 4, 5, 5, 5, 5, 5, 5, 5, 5};
    r.rating = weighted[rng.below(weighted.size())];
  }
  r.has_title = r.platform == partner::tripadvisor && rng.percent(85);
  r.has_content = rng.percent(88);
  r.has_link = rng.percent(85);
  const auto tag_count = rng.below(3);
  if (tag_count >= 1) r.tags[0] = static_cast<std::uint8_t>(1 + rng.below(tags_table.size()));
  if (tag_count == 2) {
    r.tags[1] = static_cast<std::uint8_t>(1 + (r.tags[0] + rng.below(tags_table.size() - 1)) %
                                                  tags_table.size());
  }
  const auto comment_roll = rng.below(100);
  r.comments = comment_roll < 40   ? comment_shape::array
               : comment_roll < 50 ? comment_shape::object
                                   : comment_shape::none;
  r.comment_date = r.date + static_cast<micros>(
                                rng.below(static_cast<std::uint64_t>(r.update_date - r.date) + 1));
  if (rng.percent(3)) {
    r.state = review_state::deleted;
    r.has_delete_date = true;
    r.delete_date = r.update_date;
  } else if (r.comments != comment_shape::none || rng.percent(50)) {
    r.state = review_state::treated;
  } else {
    r.state = review_state::not_treated;
  }
  return r;
}

std::vector<review> generate_reviews(const options& opts) {
  const std::size_t n = opts.reviews;
  const std::size_t business_count = opts.businesses == 0 && n != 0 ? 1 : opts.businesses;
  std::vector<review> reviews;
  reviews.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<std::int64_t>(i + 1);
    prng rng(mix64(opts.seed, static_cast<std::uint64_t>(id)));
    const micros update =
        range_begin +
        static_cast<micros>(rng.below(static_cast<std::uint64_t>(range_end - range_begin)));
    reviews.push_back(make_review(rng, id, update, business_count));
  }
  if (opts.tie_block == 0 || n == 0) return reviews;

  // One instant shared by a block of reviews, so clients meet a page full of equal cursors.
  prng rng(mix64(opts.seed, 0x71e));
  const micros tie = range_middle + static_cast<micros>(rng.below(3600 * micros_per_second));
  std::vector<std::uint32_t> all(n);
  std::iota(all.begin(), all.end(), 0U);
  for (const auto index : rng.pick_distinct(std::move(all), opts.tie_block)) {
    review& r = reviews[index];
    r.update_date = tie;
    if (r.date > tie) r.date = tie - static_cast<micros>(rng.below(30 * one_day));
    r.comment_date = std::clamp(r.comment_date, r.date, tie);
    if (r.has_delete_date) r.delete_date = tie;
  }
  return reviews;
}

std::string review_key(const review& r) {
  switch (r.platform) {
    case partner::google: return "gmb_" + random_base62(mix64(r.salt, 1), 22);
    case partner::facebook: return "fb_" + random_digits(mix64(r.salt, 1), 16);
    case partner::tripadvisor: return "ta_" + random_digits(mix64(r.salt, 1), 9);
  }
  return {};
}

std::string review_partner_id(const review& r, const business& b) {
  switch (r.platform) {
    case partner::google: return b.gmb_location + "/reviews/" + random_base62(mix64(r.salt, 2), 30);
    case partner::facebook: return b.facebook_page + "_" + random_digits(mix64(r.salt, 2), 16);
    case partner::tripadvisor: return random_digits(mix64(r.salt, 2), 9);
  }
  return {};
}

std::string comment_partner_id(const review& r, const business& b) {
  switch (r.platform) {
    case partner::google: return b.gmb_location;
    case partner::facebook: return b.facebook_page + "_" + random_digits(mix64(r.salt, 3), 16);
    case partner::tripadvisor: return random_digits(mix64(r.salt, 3), 9);
  }
  return {};
}

std::string review_link(const review& r, const business& b) {
  switch (r.platform) {
    case partner::google:
      return "https://search.google.com/local/reviews?placeid=ChIJ" +
             random_base62(mix64(r.salt, 4), 23);
    case partner::facebook:
      return "https://www.facebook.com/" + b.facebook_page + "/posts/" +
             random_digits(mix64(r.salt, 4), 16);
    case partner::tripadvisor:
      return "https://www.tripadvisor.fr/ShowUserReviews-g187147-d" +
             random_digits(mix64(r.salt, 5), 7) + "-r" + random_digits(mix64(r.salt, 4), 9) +
             ".html";
  }
  return {};
}

std::string author_name(std::uint64_t salt) {
  const std::uint64_t h = mix64(salt, 6);
  if (h % 10 == 0) return std::string(pick(pseudonyms, h >> 8));
  return full_name(h, first_names, last_names);
}

std::string content_text(std::uint64_t text_seed) {
  return sentences(text_seed, plain_sentences, tricky_sentences);
}

std::string_view title_text(std::uint64_t text_seed) { return pick(titles, mix64(text_seed, 2)); }

std::string_view reply_author(std::uint64_t salt) { return pick(reply_authors, mix64(salt, 8)); }

std::string_view business_reply_text(std::uint64_t salt) { return pick(replies, mix64(salt, 9)); }

std::string_view suggestion_text(std::uint64_t salt) { return pick(suggestions, mix64(salt, 10)); }

std::string_view customer_comment_text(std::uint64_t salt) {
  return pick(customer_comments, mix64(salt, 11));
}

std::uint8_t different_rating(std::uint8_t old_rating, prng& rng) {
  return static_cast<std::uint8_t>((old_rating - 1 + 1 + rng.below(4)) % 5 + 1);
}

}  // namespace sluice::fakeapi::partoo
