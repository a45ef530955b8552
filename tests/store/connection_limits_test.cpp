// The network limits every connection gets, and the client-side deadline that ends a call to a
// server that stopped answering.
#include <chrono>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/call_deadline.hpp"
#include "store/conninfo.hpp"

namespace sluice::store {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(conninfo, network_limits_are_added_unless_the_operator_set_them) {
  const std::string uri =
      tuned_conninfo("postgresql://u:p%40ss@db.example:6432/app?sslmode=require");
  EXPECT_THAT(uri, HasSubstr("host='db.example'"));
  EXPECT_THAT(uri, HasSubstr("port='6432'"));
  EXPECT_THAT(uri, HasSubstr("password='p@ss'"));
  EXPECT_THAT(uri, HasSubstr("sslmode='require'"));
  EXPECT_THAT(uri, HasSubstr("connect_timeout='10'"));
  EXPECT_THAT(uri, HasSubstr("keepalives='1'"));
  EXPECT_THAT(uri, HasSubstr("keepalives_idle='30'"));
  EXPECT_THAT(uri, HasSubstr("tcp_user_timeout='60000'"));

  const std::string own = tuned_conninfo("host=h connect_timeout=3 keepalives_idle=5");
  EXPECT_THAT(own, HasSubstr("connect_timeout='3'"));
  EXPECT_THAT(own, Not(HasSubstr("connect_timeout='10'")));
  EXPECT_THAT(own, HasSubstr("keepalives_idle='5'"));
  EXPECT_THAT(own, HasSubstr("keepalives_interval='10'"));
}

TEST(conninfo, quotes_survive_and_unparsable_strings_pass_through) {
  EXPECT_THAT(tuned_conninfo("host=h password='it\\'s \\\\x'"),
              HasSubstr("password='it\\'s \\\\x'"));
  EXPECT_EQ(tuned_conninfo("host='unterminated"), "host='unterminated");
}

TEST(call_deadline, a_read_that_never_gets_an_answer_ends_at_the_deadline) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  const auto began = std::chrono::steady_clock::now();
  char byte = 0;
  ssize_t got = -2;
  bool expired = false;
  {
    call_deadline deadline(fds[0], 200ms);
    got = ::read(fds[0], &byte, 1);  // the peer never writes
    expired = deadline.expired();
  }
  EXPECT_EQ(got, 0);  // end of stream: the socket was shut down
  EXPECT_TRUE(expired);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 30s);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(call_deadline, a_call_that_ends_in_time_leaves_the_socket_alone) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  {
    call_deadline deadline(fds[0], 100ms);
    EXPECT_FALSE(deadline.expired());
  }
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  char byte = 0;
  EXPECT_EQ(::read(fds[0], &byte, 1), 1);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace sluice::store
