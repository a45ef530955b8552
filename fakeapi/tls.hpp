#pragma once
// A throwaway certificate authority-and-server in one: a self-signed certificate for 127.0.0.1
// and localhost that clients can trust as their ca_file.
#include <boost/asio/ssl/context.hpp>

#include <string>

namespace sluice::fakeapi {

struct self_signed_certificate {
  std::string certificate_pem;
  std::string private_key_pem;
};

// EC P-256 key, X.509 v3, CN=localhost, SAN IP:127.0.0.1 and DNS:localhost, CA:TRUE, valid from
// one day ago for 30 days. Throws std::runtime_error with OpenSSL's reason on failure.
self_signed_certificate make_self_signed_certificate();

// TLS 1.2+ server context presenting the certificate.
boost::asio::ssl::context make_server_context(const self_signed_certificate& cert);

}  // namespace sluice::fakeapi
