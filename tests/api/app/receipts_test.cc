// Verify and signed receipts against a real log: what a receipt proves, and every way it refuses to prove
// it (docs/api.md, "Verify and receipts").

#include "api/app/receipts.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "api/app/errc.h"
#include "api/app/vietnam_time.h"
#include "tests/storage/log_fixture.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/rocksdb/tamper.h"

namespace thidua::api {
namespace {

class receipts_test : public testing::log_fixture {
 protected:
  void append(int n) {
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(
          log_->append(testing::make_append("s-" + std::to_string(i % 3), "c" + std::to_string(next_++))));
  }
  receipt_key key(const std::string& name = "receipt-key.pem") {
    auto k = receipt_key::load_or_create(dir_.sub(name));
    EXPECT_TRUE(k) << testing::describe(k.error());
    return std::move(k).value();
  }
  pb::ReceiptCheck check(const pb::Receipt& r, const receipt_key& k) {
    auto c = check_receipt(*log_, r, k);
    EXPECT_TRUE(c) << testing::describe(c.error());
    return c ? c.value() : pb::ReceiptCheck{};
  }
  // A receipt over `n` new events, issued by a desk that is gone when this returns.
  pb::Receipt receipt_over(int n, const receipt_key& k) {
    append(n);
    receipt_desk desk(*log_, k);
    auto r = desk.issue(1'700'000'000'000);
    EXPECT_TRUE(r) << testing::describe(r.error());
    return r ? r.value() : pb::Receipt{};
  }
  template <class Change>
  static pb::Receipt changed(pb::Receipt r, Change change) {
    change(r);
    return r;
  }
  int next_ = 0;
};

TEST_F(receipts_test, the_key_is_made_once_private_to_its_owner_and_found_again) {
  const auto first = key();
  struct stat st {};
  ASSERT_EQ(::stat(dir_.sub("receipt-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(first.can_sign());
  EXPECT_TRUE(first.key_id().starts_with("ed25519:"));
  EXPECT_EQ(first.key_id().size(), 8u + 16u);
  EXPECT_EQ(first.public_hex().size(), 64u);
  EXPECT_NE(first.public_pem().find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
  EXPECT_EQ(key().key_id(), first.key_id()) << "the second start signs with the same key";
  EXPECT_NE(key("other.pem").key_id(), first.key_id());

  auto pub = receipt_key::from_pem(first.public_pem());
  ASSERT_TRUE(pub);
  EXPECT_FALSE(pub.value().can_sign());
  EXPECT_EQ(pub.value().key_id(), first.key_id());
}

TEST_F(receipts_test, a_key_file_others_may_read_or_one_without_a_key_is_refused) {
  key();
  ASSERT_EQ(::chmod(dir_.sub("receipt-key.pem").c_str(), 0644), 0);
  auto open = receipt_key::load_or_create(dir_.sub("receipt-key.pem"));
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos) << open.error().message;
  EXPECT_NE(open.error().message.find("644"), std::string::npos) << open.error().message;

  std::ofstream(dir_.sub("junk.pem")) << "not a key\n";
  ASSERT_EQ(::chmod(dir_.sub("junk.pem").c_str(), 0600), 0);
  auto junk = receipt_key::load_or_create(dir_.sub("junk.pem"));
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error().message.find("no private key"), std::string::npos) << junk.error().message;
  EXPECT_FALSE(receipt_key::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
}

TEST_F(receipts_test, verify_names_the_verified_head_and_its_hash) {
  append(20);
  ASSIGN_OR_FAIL(all, verify_log(*log_, 0, 0));
  EXPECT_TRUE(all.ok());
  EXPECT_EQ(all.records(), 20u);
  EXPECT_EQ(all.verified_to(), 20u);
  ASSIGN_OR_FAIL(last, log_->read_all({20}, 1));
  EXPECT_EQ(all.verified_hash(), storage::to_hex(last[0]->hash));
  ASSIGN_OR_FAIL(part, verify_log(*log_, 5, 9));
  EXPECT_EQ(part.records(), 5u);
  EXPECT_EQ(part.verified_to(), 9u);
  ASSIGN_OR_FAIL(capped, verify_log(*log_, 15, 1000));
  EXPECT_EQ(capped.verified_to(), 20u) << "to_position is capped at the head";
  auto backwards = verify_log(*log_, 9, 5);
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error().field, "verify_log.from_position");
}

TEST_F(receipts_test, a_receipt_holds_for_the_untouched_log_also_after_later_appends) {
  append(30);
  receipt_desk desk(*log_, key());
  ASSIGN_OR_FAIL(r, desk.issue(1'719'730'800'000));  // 30/6/2024 14:00 in Hà Nội
  EXPECT_EQ(r.format(), "thidua-receipt/1");
  EXPECT_EQ(r.position(), 30u);
  EXPECT_EQ(r.issued_at(), "2024-06-30T14:00:00.000+07:00");
  EXPECT_EQ(r.key_id(), desk.key().key_id());
  EXPECT_TRUE(check(r, desk.key()).ok()) << check(r, desk.key()).problem();

  append(10);
  ASSIGN_OR_FAIL(later, desk.issue(1'719'730'900'000));
  EXPECT_EQ(later.position(), 40u);
  EXPECT_TRUE(check(r, desk.key()).ok()) << "appending does not change the history a receipt pins";
  EXPECT_TRUE(check(later, desk.key()).ok());
  ASSIGN_OR_FAIL(pub, receipt_key::from_pem(desk.key().public_pem()));
  EXPECT_TRUE(check(r, pub).ok()) << "the public half alone checks it";
}

TEST_F(receipts_test, an_altered_receipt_is_refused) {
  append(5);
  receipt_desk desk(*log_, key());
  ASSIGN_OR_FAIL(r, desk.issue(1'700'000'000'000));
  auto altered = [&](auto change) { return check(changed(r, change), desk.key()); };
  const auto moved = altered([](pb::Receipt& c) { c.set_position(4); });
  EXPECT_FALSE(moved.ok());
  EXPECT_NE(moved.problem().find("signature does not match"), std::string::npos) << moved.problem();
  EXPECT_FALSE(moved.problem_vi().empty());
  const auto rehashed = altered(
      [](pb::Receipt& c) { c.mutable_head_hash()->replace(0, 1, c.head_hash()[0] == 'a' ? "b" : "a"); });
  EXPECT_FALSE(rehashed.ok());
  EXPECT_NE(rehashed.problem().find("signature does not match"), std::string::npos);
  EXPECT_FALSE(altered([](pb::Receipt& c) { c.set_issued_at_ms(c.issued_at_ms() + 1); }).ok());
  EXPECT_FALSE(altered([](pb::Receipt& c) { c.set_issued_at("2020-01-01T00:00:00.000+07:00"); }).ok());
  EXPECT_FALSE(altered([](pb::Receipt& c) {
                 std::string sig;
                 ASSERT_TRUE(base64_decode(c.signature(), sig));
                 sig[10] ^= 1;
                 c.set_signature(base64_encode(sig));
               }).ok());
  const auto other_key = check(r, key("other.pem"));
  EXPECT_FALSE(other_key.ok());
  EXPECT_NE(other_key.problem().find("signed with key"), std::string::npos) << other_key.problem();
  EXPECT_TRUE(check(r, desk.key()).ok()) << "the original still holds";
}

TEST_F(receipts_test, a_malformed_receipt_is_an_error_naming_its_field) {
  append(3);
  receipt_desk desk(*log_, key());
  ASSIGN_OR_FAIL(r, desk.issue(1'700'000'000'000));
  auto field_of = [&](auto change) {
    auto c = check_receipt(*log_, changed(r, change), desk.key());
    EXPECT_FALSE(c);
    return c ? std::string("(accepted)") : c.error().field;
  };
  EXPECT_EQ(field_of([](pb::Receipt& c) { c.set_format("thidua-receipt/9"); }), "receipt.format");
  EXPECT_EQ(field_of([](pb::Receipt& c) { c.set_position(0); }), "receipt.position");
  EXPECT_EQ(field_of([](pb::Receipt& c) { c.set_head_hash("abc"); }), "receipt.head_hash");
  EXPECT_EQ(field_of([](pb::Receipt& c) { c.set_signature("not base64!"); }), "receipt.signature");
  EXPECT_EQ(field_of([](pb::Receipt& c) { c.set_signature(base64_encode("short")); }), "receipt.signature");
}

TEST_F(receipts_test, a_record_altered_on_disk_breaks_the_chain_and_the_receipt) {
  const auto k = key();
  const pb::Receipt r = receipt_over(25, k);
  log_.reset();
  ASSERT_TRUE(testing::flip_a_bit_of_event(dir_.sub("db"), 12));
  reopen_log();
  ASSIGN_OR_FAIL(v, verify_log(*log_, 0, 0));
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_bad_position(), 12u);
  EXPECT_EQ(v.verified_to(), 11u);
  const auto c = check(r, k);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.chain().first_bad_position(), 12u);
  EXPECT_NE(c.problem().find("chain breaks at position 12"), std::string::npos) << c.problem();

  receipt_desk after(*log_, k);
  auto refused = after.issue(1'700'000'100'000);
  ASSERT_FALSE(refused) << "no receipt over a broken chain";
  EXPECT_NE(refused.error().message.find("position 12"), std::string::npos) << refused.error().message;
}

TEST_F(receipts_test, history_rewritten_with_a_whole_chain_passes_verify_but_not_an_earlier_receipt) {
  const auto k = key();
  const pb::Receipt r = receipt_over(25, k);
  log_.reset();
  ASSERT_TRUE(testing::rewrite_history_from(dir_.sub("db"), 7));
  reopen_log();
  ASSIGN_OR_FAIL(v, verify_log(*log_, 0, 0));
  EXPECT_TRUE(v.ok()) << "the forger re-chained every record: " << v.problem();
  EXPECT_NE(v.verified_hash(), r.head_hash());
  const auto c = check(r, k);
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.problem().find("rewritten"), std::string::npos) << c.problem();
  EXPECT_NE(c.problem().find(r.head_hash()), std::string::npos);
}

TEST_F(receipts_test, a_receipt_beyond_the_head_says_records_were_removed) {
  append(5);
  receipt_desk desk(*log_, key());
  ASSIGN_OR_FAIL(r, desk.issue(1'700'000'000'000));
  testing::temp_dir other;
  ASSIGN_OR_FAIL(shorter, storage::event_log::open({.path = other.sub("db")}));
  ASSERT_TRUE(shorter->append(testing::make_append("s", "only")));
  const auto c = check_receipt(*shorter, r, desk.key());
  ASSERT_TRUE(c);
  EXPECT_FALSE(c.value().ok());
  EXPECT_NE(c.value().problem().find("records were removed"), std::string::npos) << c.value().problem();
}

TEST_F(receipts_test, an_empty_log_gets_no_receipt) {
  receipt_desk desk(*log_, key());
  auto r = desk.issue(1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::not_found));
}

TEST_F(receipts_test, the_signature_verifies_with_openssl_alone) {
  // Anyone can check a receipt without our code: the signed text is documented, the key is standard PEM.
  append(4);
  receipt_desk desk(*log_, key());
  ASSIGN_OR_FAIL(r, desk.issue(1'700'000'000'000));
  std::ofstream(dir_.sub("pub.pem")) << desk.key().public_pem();
  std::ofstream(dir_.sub("text"), std::ios::binary) << receipt_signed_text(r);
  std::string sig;
  ASSERT_TRUE(base64_decode(r.signature(), sig));
  std::ofstream(dir_.sub("sig"), std::ios::binary) << sig;
  const std::string cmd = "openssl pkeyutl -verify -pubin -inkey " + dir_.sub("pub.pem") + " -rawin -in " +
                          dir_.sub("text") + " -sigfile " + dir_.sub("sig") + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "openssl could not verify: is the openssl package installed?";
  std::ofstream(dir_.sub("text"), std::ios::binary | std::ios::app) << " ";
  EXPECT_NE(std::system(cmd.c_str()), 0) << "openssl verifies anything: the check above proves nothing";
}

TEST(vietnam_time, is_utc_plus_seven_across_midnight_and_years) {
  EXPECT_EQ(vietnam_time(0), "1970-01-01T07:00:00.000+07:00");
  EXPECT_EQ(vietnam_time(1'704'042'000'000 - 1), "2023-12-31T23:59:59.999+07:00");
  EXPECT_EQ(vietnam_time(1'704'042'000'000), "2024-01-01T00:00:00.000+07:00");
}

}  // namespace
}  // namespace thidua::api
