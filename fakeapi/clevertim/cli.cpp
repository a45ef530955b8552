#include "fakeapi/clevertim/cli.hpp"

#include "fakeapi/cli_support.hpp"

namespace sluice::fakeapi::clevertim {

void add_options(CLI::App& app, options& opts) {
  add_text(app, "--clevertim-token", opts.token, "expected Basic user name, password X", "TOKEN");
  add_size(app, "--clevertim-contacts", opts.contacts, "generated Clevertim contacts");
  add_size(app, "--clevertim-companies", opts.companies, "generated Clevertim companies");
  add_size(app, "--clevertim-cases", opts.cases, "generated Clevertim cases");
  add_size(app, "--clevertim-opportunities", opts.opportunities,
           "generated Clevertim opportunities");
  add_size(app, "--clevertim-tasks", opts.tasks, "generated Clevertim tasks");
  add_size(app, "--clevertim-notes", opts.notes, "generated Clevertim notes");
  add_size(app, "--clevertim-customfields", opts.customfields,
           "generated Clevertim custom field definitions");
  // Checked when the account's clock is made: the tz database decides what a zone is.
  add_text(app, "--clevertim-timezone", opts.timezone,
           "IANA zone whose wall-clock time task startDate/endDate show", "ZONE");
}

}  // namespace sluice::fakeapi::clevertim
