#pragma once
// A certificate made by the test itself, for TLS on 127.0.0.1 (the server's --tls-cert, a webhook receiver).

#include <string>

namespace thidua::testing {

// A self-signed P-256 certificate for IP 127.0.0.1, valid for a day, and its key, written as PEM.
void make_certificate(const std::string& cert_path, const std::string& key_path);

}  // namespace thidua::testing
