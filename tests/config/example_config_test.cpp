// etc/sluice.example.toml is documentation users copy: it must load as shipped, apart from the
// credential file it points at (which exists only on a real machine).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "daemon/config.hpp"
#include "tests/support/harness.hpp"

namespace sluice::daemon {
namespace {

TEST(example_config, loads_with_its_credential_file_in_place) {
  std::filesystem::path example = std::filesystem::path(SLUICE_FIXTURES_DIR) / ".." / ".." / "etc" /
                                  "sluice.example.toml";
  std::ifstream in(example);
  ASSERT_TRUE(in) << example;
  std::stringstream text;
  text << in.rdbuf();
  std::string toml = text.str();

  auto dir = test::make_temp_dir("example");
  test::write_file(dir / "partoo.key", "key-from-file\n");
  const std::string original = "/run/credentials/sluice.service/partoo";
  auto at = toml.find("api_key_file = \"" + original + "\"");
  ASSERT_NE(at, std::string::npos) << "the example no longer points at " << original;
  toml.replace(toml.find(original, at), original.size(), (dir / "partoo.key").string());
  test::write_file(dir / "sluice.toml", toml);

  auto cfg = load_config(dir / "sluice.toml");
  ASSERT_EQ(cfg.sources.size(), 1u);
  EXPECT_EQ(cfg.sources[0].name, "reviews-eu");
  EXPECT_EQ(cfg.sources[0].kind, "partoo");
  EXPECT_EQ(cfg.sources[0].api_key.reveal(), "key-from-file");
  EXPECT_EQ(cfg.database.schema, "sluice");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::daemon
