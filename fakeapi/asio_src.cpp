// Asio (with TLS) and Beast compiled once for this executable (BOOST_*_SEPARATE_COMPILATION).
// The fake links nothing of ours, so it carries its own copy instead of core's and net's.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
