#include "fakeapi/cloudapp/cli.hpp"

#include "fakeapi/cli_support.hpp"

namespace sluice::fakeapi::cloudapp {

void add_options(CLI::App& app, options& opts) {
  add_size(app, "--cloudapp-items", opts.items, "generated live CloudApp items");
  add_size(app, "--cloudapp-trashed", opts.trashed, "generated CloudApp items in the trash");
  add_size(app, "--cloudapp-max-per-page", opts.max_per_page,
           "cap applied silently to CloudApp's per_page parameter", 1);
  add_text(app, "--cloudapp-user", opts.user, "expected Digest user name, lower-cased", "EMAIL");
  add_text(app, "--cloudapp-password", opts.password, "expected Digest password", "PASS");
  add_count(app, "--cloudapp-nonce-uses", opts.nonce_uses,
            "successful uses of a nonce before it answers stale (0 = never)");
  // Both spellings clients' documentation uses; the challenge always says MD5 or SHA-256.
  app.add_option_function<std::string>(
         "--cloudapp-algorithm",
         [&opts](const std::string& name) {
           opts.algorithm =
               name == "MD5" || name == "md5" ? digest_algorithm::md5 : digest_algorithm::sha256;
         },
         "MD5 (default) or SHA-256")
      ->check(CLI::IsMember({"MD5", "md5", "SHA-256", "sha-256"}))
      ->type_name("ALG");
  add_switch(app, "--cloudapp-tricky-challenge", opts.tricky_challenge,
             "send the Digest challenge among others in one WWW-Authenticate");
  add_switch(app, "--cloudapp-bump-on-list", opts.bump_on_list,
             "every /items request first bumps a third of the view counters");
  add_switch(app, "--cloudapp-omit-deleted-at", opts.omit_deleted_at,
             "items carry no deleted_at field, not even those in the trash");
}

}  // namespace sluice::fakeapi::cloudapp
