#include "api/app/receipt_key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/app/errc.h"
#include "api/app/hex.h"

namespace thidua::api {
namespace {

error key_error(std::string en, std::string vi) {
  return app_error(errc::internal, "receipt_key", std::move(en), std::move(vi));
}

using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string bio_text(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// Writes `text` to `path` so that a crash leaves either no file or the whole one: a temporary file (0600),
// synced, renamed, its directory synced.
result<void> write_private_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return key_error("cannot create " + tmp + ": " + std::strerror(errno),
                     "Không tạo được tệp khóa ký biên nhận " + tmp);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0 && errno != EINTR) break;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  const bool ok = done == text.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return key_error("cannot write " + path + ": " + std::strerror(errno),
                     "Không ghi được tệp khóa ký biên nhận " + path);
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || ::fsync(dfd) != 0) {
    if (dfd >= 0) ::close(dfd);
    return key_error("cannot sync the directory of " + path, "Không đồng bộ được thư mục chứa khóa ký");
  }
  ::close(dfd);
  return success();
}

}  // namespace

result<receipt_key> receipt_key::of(EVP_PKEY* owned, bool has_private) {
  receipt_key k;
  k.key_.reset(owned, EVP_PKEY_free);
  k.private_ = has_private;
  if (EVP_PKEY_get_base_id(owned) != EVP_PKEY_ED25519)
    return app_error(errc::invalid_field, "public_key", "the key is not an Ed25519 key",
                     "Khóa không phải khóa Ed25519");
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(owned, raw, &len) != 1 || len != sizeof raw)
    return key_error("the public key cannot be read", "Không đọc được khóa công khai");
  k.public_hex_ = hex(raw, len);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  if (EVP_Digest(raw, len, digest, &dlen, EVP_sha256(), nullptr) != 1)
    return key_error("SHA-256 unavailable", "Không tính được SHA-256");
  k.key_id_ = "ed25519:" + hex(digest, 8);
  bio_ptr out(BIO_new(BIO_s_mem()), BIO_free);
  if (!out || PEM_write_bio_PUBKEY(out.get(), owned) != 1)
    return key_error("the public key cannot be written as PEM", "Không xuất được khóa công khai");
  k.public_pem_ = bio_text(out.get());
  return k;
}

result<receipt_key> receipt_key::load_or_create(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return key_error("cannot read " + path + ": " + std::strerror(errno),
                       "Không đọc được tệp khóa ký biên nhận " + path);
    EVP_PKEY* made = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (!made) return key_error("cannot make an Ed25519 key", "Không tạo được khóa Ed25519");
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> guard(made, EVP_PKEY_free);
    bio_ptr pem(BIO_new(BIO_s_mem()), BIO_free);
    if (!pem || PEM_write_bio_PrivateKey(pem.get(), made, nullptr, nullptr, 0, nullptr, nullptr) != 1)
      return key_error("cannot write the new key as PEM", "Không xuất được khóa mới");
    if (auto w = write_private_file(path, bio_text(pem.get())); !w) return w.error();
    return of(guard.release(), true);
  }
  if ((st.st_mode & 077) != 0)
    return key_error(path + " may be read or written by others (mode " +
                         std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                         std::to_string(st.st_mode & 7) + "): run chmod 600 " + path,
                     "Tệp khóa ký biên nhận " + path + " không được để người khác đọc hoặc ghi: chmod 600");
  std::ifstream in(path, std::ios::binary);
  std::stringstream read;
  read << in.rdbuf();
  const std::string text = read.str();
  bio_ptr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!key)
    return key_error(path + " holds no private key in PEM", "Tệp " + path + " không chứa khóa bí mật PEM");
  return of(key, true);
}

result<receipt_key> receipt_key::from_pem(std::string_view pem) {
  const std::string text(pem);
  bio_ptr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  if (!bio) return key_error("out of memory", "Hết bộ nhớ");
  if (EVP_PKEY* pub = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) return of(pub, false);
  bio_ptr again(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  if (EVP_PKEY* priv = PEM_read_bio_PrivateKey(again.get(), nullptr, nullptr, nullptr)) {
    auto k = of(priv, false);  // only its public half is used
    return k;
  }
  return app_error(errc::invalid_field, "public_key", "no public key in PEM (-----BEGIN PUBLIC KEY-----)",
                   "Không có khóa công khai dạng PEM");
}

result<receipt_key> receipt_key::load_public(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return app_error(errc::invalid_field, "public_key", "cannot read " + path,
                     "Không đọc được tệp khóa công khai " + path);
  std::stringstream text;
  text << in.rdbuf();
  return from_pem(text.str());
}

result<std::string> receipt_key::sign(std::string_view text) const {
  if (!private_) return key_error("this key has no private half", "Khóa này không có phần bí mật");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string sig(64, '\0');
  std::size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 1 ||
      len != 64)
    return key_error("Ed25519 signing failed", "Ký Ed25519 thất bại");
  return sig;
}

bool receipt_key::verifies(std::string_view text, std::string_view signature) const {
  if (signature.size() != 64) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(text.data()),
                          text.size()) == 1;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') return false;
  out.assign(text.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (text.ends_with("=="))
    size -= 2;
  else if (text.ends_with("="))
    size -= 1;
  out.resize(size);
  return true;
}

}  // namespace thidua::api
