#include "fakeapi/partoo/cli.hpp"

#include "fakeapi/cli_support.hpp"

namespace sluice::fakeapi::partoo {

void add_options(CLI::App& app, options& opts) {
  add_size(app, "--partoo-reviews", opts.reviews, "generated Partoo reviews");
  add_size(app, "--partoo-businesses", opts.businesses, "generated Partoo businesses");
  add_size(app, "--partoo-tie-block", opts.tie_block, "reviews sharing one update_date mid-range");
  add_text(app, "--partoo-key", opts.api_key, "expected x-APIKey", "KEY");
  app.add_option_function<std::string>(
         "--partoo-deleted-in-search",
         [&opts](const std::string& mode) { opts.switches.deleted = *parse_deleted_search(mode); },
         "whether GET /reviews without state__in shows deleted reviews (default hide)")
      ->check(CLI::IsMember({"hide", "include"}))
      ->type_name("hide|include");
  add_switch(app, "--partoo-extra-states", opts.switches.extra_states,
             "some reviews in pending_/treated_auto_reply (default on; =false turns it off)");
  add_switch(
      app, "--partoo-reply-threads", opts.switches.reply_threads,
      "reply suggestions and customers' comments in threads (default on; =false turns it off)");
  add_switch(app, "--partoo-ignore-per-page", opts.switches.ignore_per_page,
             "GET /reviews answers 30 per page whatever per_page says");
  add_switch(app, "--partoo-ignore-order-by", opts.switches.ignore_order_by,
             "GET /reviews answers in id order whatever order_by says");
  app.add_option("--partoo-business-first-page", opts.switches.business_first_page,
                 "number of the first page of GET /business/search")
      ->check(CLI::Range(0, 1))
      ->type_name("0|1")
      ->capture_default_str();
}

}  // namespace sluice::fakeapi::partoo
