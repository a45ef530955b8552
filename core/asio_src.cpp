// Asio's implementation, compiled once for the whole program (BOOST_ASIO_SEPARATE_COMPILATION).
// Lives in core because both store/ (writer thread hand-off) and net/ use Asio; the TLS part and
// Beast are compiled in net/beast_src.cpp.
#include <boost/asio/impl/src.hpp>
