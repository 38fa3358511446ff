#include "storage/rocksdb/record_codec.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace thidua::storage::codec {
namespace {

struct md_context {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~md_context() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

}  // namespace

hash256 chain_hash(const hash256& prev, std::string_view head, std::string_view tail) {
  // Fetching the algorithm once per thread keeps OpenSSL 3's provider lookup off the hot path.
  thread_local md_context c;
  hash256 out{};
  unsigned int len = 0;
  if (c.md == nullptr || c.ctx == nullptr || EVP_DigestInit_ex(c.ctx, c.md, nullptr) != 1 ||
      EVP_DigestUpdate(c.ctx, prev.data(), prev.size()) != 1 ||
      EVP_DigestUpdate(c.ctx, head.data(), head.size()) != 1 ||
      (!tail.empty() && EVP_DigestUpdate(c.ctx, tail.data(), tail.size()) != 1) ||
      EVP_DigestFinal_ex(c.ctx, out.data(), &len) != 1) {
    // Without a hash function the chain cannot be kept; no record may be written without one.
    std::abort();
  }
  return out;
}

hash256 chain_hash(const hash256& prev, std::string_view bytes) {
  return chain_hash(prev, bytes, {});
}

std::optional<frame> parse_frame(std::string_view value) {
  if (value.size() < frame_header || static_cast<unsigned char>(value[0]) != frame_version)
    return std::nullopt;
  frame f;
  f.hash = to_hash(value.substr(1, 32));
  f.record = value.substr(frame_header);
  return f;
}

}  // namespace thidua::storage::codec
