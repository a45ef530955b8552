// Beast and Asio's TLS layer, compiled once (BOOST_BEAST_SEPARATE_COMPILATION). Asio's non-TLS
// implementation lives in core/asio_src.cpp. Only net/ includes Beast.
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
