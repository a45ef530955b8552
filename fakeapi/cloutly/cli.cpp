#include "fakeapi/cloutly/cli.hpp"

#include "fakeapi/cli_support.hpp"

#include <algorithm>

namespace sluice::fakeapi::cloutly {

void add_options(CLI::App& app, options& opts) {
  add_size(app, "--cloutly-reviews", opts.reviews, "generated Cloutly reviews");
  add_size(app, "--cloutly-businesses", opts.businesses, "generated Cloutly businesses");
  add_size(app, "--cloutly-max-limit", opts.max_limit,
           "cap applied silently to Cloutly's limit parameter", 1);
  add_count(app, "--cloutly-arrive-every", opts.arrive_every,
            "every Nth Cloutly /reviews request first adds new reviews (0 = off)");
  app.add_option("--cloutly-arrive-count", opts.arrive_count, "reviews added per arrival")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1'000'000}))
      ->type_name("K")
      ->capture_default_str();
  add_text(app, "--cloutly-key", opts.api_key, "expected x-api-key", "KEY");
  app.add_option_function<std::string>(
         "--cloutly-total",
         [&opts](const std::string& name) {
           const auto named = std::find(total_names.begin(), total_names.end(), name);
           opts.total = static_cast<total_count>(named - total_names.begin());
         },
         "what /reviews' total counts: the listing (default), only the page, or the whole account "
         "including reviews the listing hides")
      ->check(CLI::IsMember({"listing", "page", "account"}))
      ->type_name("listing|page|account");
}

}  // namespace sluice::fakeapi::cloutly
