#pragma once
// The server's Ed25519 key that signs receipts (docs/api.md, "Receipts"). Its private half lives in one PEM
// file in the data dir, mode 0600, made on first start; its public half is published (GET /v1/receipt-key)
// so that anyone can check a receipt offline.

#include <memory>
#include <string>
#include <string_view>

#include "storage/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace thidua::api {

class receipt_key {
 public:
  // The key in `path`, made there (mode 0600, written durably) when the file does not exist. Refuses a file
  // others may read or write, or one that holds no Ed25519 private key.
  static result<receipt_key> load_or_create(const std::string& path);
  // A public key (or a private one, of which only the public half is used) in PEM text.
  static result<receipt_key> from_pem(std::string_view pem);
  // from_pem of a file's contents.
  static result<receipt_key> load_public(const std::string& path);

  bool can_sign() const { return private_; }
  // The 64-byte Ed25519 signature of `text`. Requires can_sign().
  result<std::string> sign(std::string_view text) const;
  // Whether `signature` (64 bytes) is this key's signature of `text`.
  bool verifies(std::string_view text, std::string_view signature) const;

  // "ed25519:" and the first 16 hex digits of the SHA-256 of the raw public key.
  const std::string& key_id() const { return key_id_; }
  const std::string& public_pem() const { return public_pem_; }
  // The raw 32-byte public key, hex.
  const std::string& public_hex() const { return public_hex_; }

 private:
  static result<receipt_key> of(EVP_PKEY* owned, bool has_private);
  std::shared_ptr<EVP_PKEY> key_;
  bool private_ = false;
  std::string key_id_, public_pem_, public_hex_;
};

// Base64 (RFC 4648, with padding) and back; nullopt-like empty result with ok=false on bad input.
std::string base64_encode(std::string_view bytes);
bool base64_decode(std::string_view text, std::string& out);

}  // namespace thidua::api
