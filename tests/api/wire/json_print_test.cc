// The fast JSON printer prints what protobuf's own printer prints, byte for byte: every message type of the
// protocol (and of the events and views it carries), filled at random many times over, with text that holds
// every character the escaping rules single out.

#include "api/wire/json_print.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>

#include "api/wire/proto/wire.pb.h"
#include "domain/proto/views.pb.h"
#include "storage/proto/log.pb.h"
#include "tests/support/random_message.h"

namespace thidua::api {
namespace {

namespace gp = google::protobuf;
using testing::random_filler;
using testing::utf8;

std::string reference_json(const gp::Message& m) {
  std::string out;
  gp::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  EXPECT_TRUE(gp::util::MessageToJsonString(m, &out, o).ok());
  return out;
}

// Every message type declared in the files of these messages and the files they import, ours only.
std::vector<const gp::Descriptor*> our_types() {
  std::vector<const gp::FileDescriptor*> files;
  std::vector<const gp::Descriptor*> out;
  auto add_file = [&](auto&& self, const gp::FileDescriptor* f) -> void {
    if (f->name().starts_with("google/") || std::find(files.begin(), files.end(), f) != files.end()) return;
    files.push_back(f);
    for (int i = 0; i < f->dependency_count(); ++i) self(self, f->dependency(i));
    for (int i = 0; i < f->message_type_count(); ++i) out.push_back(f->message_type(i));
  };
  add_file(add_file, pb::ServerFrame::descriptor()->file());
  add_file(add_file, domain::pb::CycleView::descriptor()->file());
  add_file(add_file, storage::pb::EventRecord::descriptor()->file());
  return out;
}

TEST(json_print, prints_what_protobufs_printer_prints_for_every_message_type_filled_at_random) {
  const auto types = our_types();
  ASSERT_GT(types.size(), 60u) << "the protocol's, the domain's and the log's message types";
  random_filler fill(20261204);
  int compared = 0;
  for (const auto* type : types) {
    const gp::Message* prototype = gp::MessageFactory::generated_factory()->GetPrototype(type);
    ASSERT_NE(prototype, nullptr) << type->full_name();
    for (int round = 0; round < 40; ++round) {
      std::unique_ptr<gp::Message> m(prototype->New());
      if (round > 0) fill.fill(*m, 0);
      ASSERT_EQ(to_json(*m), reference_json(*m)) << type->full_name() << " round " << round << ":\n"
                                                 << m->DebugString();
      ++compared;
    }
  }
  EXPECT_GT(compared, 2000);
}

TEST(json_print, escapes_every_character_as_protobuf_does) {
  // Every code point, one string each: the escaping rules are a table, this walks all of it.
  pb::Error e;
  for (std::uint32_t c = 1; c < 0x110000; c += (c < 0x30000 ? 1 : 97)) {
    if (c >= 0xD800 && c < 0xE000) continue;
    e.set_message("a" + utf8(c) + "b");
    ASSERT_EQ(to_json(e), reference_json(e)) << "code point " << std::hex << c;
  }
}

}  // namespace
}  // namespace thidua::api
