// The database password never shows, however the URL is spelled: not in a configuration error,
// not in the connection error libpq gives for a URL it cannot read, not in a log line.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "daemon/config.hpp"
#include "store/connection.hpp"
#include "tests/config/temp_dir.hpp"

namespace sluice::daemon {
namespace {

// Every piece is long enough to be masked on its own, should libpq quote one of them.
const std::string password = "Hunter2x/secret9@more77";
const std::vector<std::string> pieces = {password, "Hunter2x", "secret9@more77"};

// Port 1 on loopback: nothing listens there, so a URL that parses fails fast without a server.
const std::vector<std::string> spellings = {
    "postgresql:/sluice:Hunter2x/secret9@more77@127.0.0.1:1/sluice",
    "postgresql:sluice:Hunter2x/secret9@more77@127.0.0.1:1/sluice",
    "postgresql://sluice:Hunter2x/secret9@more77@127.0.0.1:1/sluice",
    "postgres//sluice:Hunter2x/secret9@more77@127.0.0.1:1/sluice",
    "\xEF\xBB\xBFpostgresql://sluice:Hunter2x/secret9@more77@127.0.0.1:1/sluice",
    "postgresql://sluice:Hunter2x%2Fsecret9%40more77@127.0.0.1:1/sluice?connect_timeout=2",
    "host=127.0.0.1 port=1 user=sluice password='Hunter2x/secret9@more77'",
    "host=127.0.0.1 port=1 user=sluice password=Hunter2x/secret9@more77 connect_timeout=2",
};

// Shows which spelling leaked, and the message with the password's pieces replaced: the test's
// own output must not print what it checks for.
::testing::AssertionResult free_of_password(std::string message, std::size_t spelling) {
  bool leaked = false;
  for (const auto& piece : pieces) {
    for (auto at = message.find(piece); at != std::string::npos; at = message.find(piece, at)) {
      message.replace(at, piece.size(), "<PW>");
      leaked = true;
    }
  }
  if (!leaked) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "spelling #" << spelling << " leaks: " << message;
}

class database_url_secret : public ::testing::Test {
protected:
  void SetUp() override { forget_registered_secrets(); }
  void TearDown() override { forget_registered_secrets(); }
  sluice::testing::temp_dir dir_;
};

TEST_F(database_url_secret, connection_errors_never_show_the_password) {
  for (std::size_t i = 0; i < spellings.size(); ++i) {
    forget_registered_secrets();
    auto file = dir_.write("sluice.toml", "[database]\nurl_env = \"SLUICE_TEST_SECRET_URL\"\n");
    ::setenv("SLUICE_TEST_SECRET_URL", spellings[i].c_str(), 1);
    config cfg = load_config(file);
    ::unsetenv("SLUICE_TEST_SECRET_URL");
    try {
      store::connect(cfg.database, "sluice-test");
      ADD_FAILURE() << "spelling #" << i << " connected";
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::database);
      EXPECT_TRUE(free_of_password(e.what(), i));
      // Whatever else quotes the URL (a log line of it) is masked as well.
      EXPECT_TRUE(free_of_password(redact("url: " + spellings[i]), i));
    }
  }
}

TEST_F(database_url_secret, configuration_errors_never_show_the_password) {
  for (std::size_t i = 0; i < spellings.size(); ++i) {
    forget_registered_secrets();
    // The URL is read, then a later key of the same table is wrong: the error names the key only.
    auto file = dir_.write(
        "sluice.toml", "[database]\nurl = \"" + spellings[i] + "\"\nschema = \"not a schema\"\n");
    try {
      load_config(file);
      ADD_FAILURE() << "spelling #" << i << " loaded";
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::config);
      EXPECT_TRUE(free_of_password(e.what(), i));
      EXPECT_TRUE(free_of_password(redact(e.what()), i));
    }
    // A TOML syntax error on the URL's own line does not quote the line.
    file = dir_.write("sluice.toml", "[database]\nurl = \"" + spellings[i] + "\\q\"\n");
    try {
      load_config(file);
      ADD_FAILURE() << "spelling #" << i << " with a bad escape loaded";
    } catch (const error& e) {
      EXPECT_TRUE(free_of_password(e.what(), i));
    }
  }
}

}  // namespace
}  // namespace sluice::daemon
