// What load_config refuses before any TOML parsing: files that are not regular files, files
// over the size cap, and nesting that would exhaust the parser's stack.
#include <sys/stat.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "daemon/config.hpp"
#include "daemon/config_file.hpp"
#include "tests/config/temp_dir.hpp"

namespace sluice::daemon {
namespace {

using ::testing::HasSubstr;
using testing::temp_dir;

std::string error_of(const std::filesystem::path& file) {
  try {
    load_config(file);
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    return e.what();
  }
  ADD_FAILURE() << "no error for " << file;
  return {};
}

TEST(config_file, a_fifo_is_refused_without_blocking) {
  temp_dir dir;
  auto fifo = dir.path() / "sluice.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(error_of(fifo), fifo.string() + ": cannot read configuration file: not a regular file");
}

TEST(config_file, a_device_is_refused) {
  EXPECT_EQ(error_of("/dev/zero"), "/dev/zero: cannot read configuration file: not a regular file");
}

TEST(config_file, a_file_over_one_mebibyte_is_refused) {
  temp_dir dir;
  auto file = dir.write("sluice.toml", "# " + std::string(max_config_bytes, 'x') + "\n");
  EXPECT_THAT(error_of(file),
              HasSubstr("cannot read configuration file: larger than 1048576 bytes"));
}

TEST(config_file, a_secret_file_that_is_a_device_is_refused) {
  temp_dir dir;
  auto file =
      dir.write("sluice.toml", "[sources.eu]\nkind = \"partoo\"\napi_key_file = \"/dev/zero\"\n");
  EXPECT_THAT(error_of(file), HasSubstr("sources.eu.api_key_file: cannot read /dev/zero: not a "
                                        "regular file"));
}

TEST(config_file, a_dotted_key_of_35000_segments_is_refused) {
  temp_dir dir;
  std::string key = "a";
  for (int i = 0; i < 35'000; ++i) key += ".a";
  auto file = dir.write("sluice.toml", "[daemon]\nlisten = \"\"\n" + key + " = 1\n");
  EXPECT_EQ(error_of(file), file.string() + ": line 3: keys or values nest deeper than 64 levels");
}

TEST(config_file, deeply_nested_arrays_are_refused) {
  temp_dir dir;
  auto file =
      dir.write("sluice.toml", "x = " + std::string(10'000, '[') + std::string(10'000, ']'));
  EXPECT_THAT(error_of(file), HasSubstr("line 1: keys or values nest deeper than 64 levels"));
}

TEST(config_file, ordinary_values_with_dots_and_brackets_pass) {
  temp_dir dir;
  std::string floats = "[";
  for (int i = 0; i < 500; ++i) floats += "1.5, ";
  floats += "2.5]";
  auto text =
      "# a.b.c.d [[[[\nurl = \"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g."
      "h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.i.j\"\nvalues = " +
      floats + "\n";
  EXPECT_NO_THROW(check_config_depth(text, dir.path() / "x.toml"));
}

}  // namespace
}  // namespace sluice::daemon
