#include "engine/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace thidua::engine {

std::string sha256(std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 unavailable");
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace thidua::engine
