#include <catch2/catch.hpp>
#include <random>

#include "core/record.h"

namespace yard::core {
namespace {

Record sample() {
  Record r;
  r.id = "018f4a2e-7c1d-7000-8a4e-0d3c1e7b9a10";
  r.type = "inspection";
  r.site = "laredo";
  r.body = {{"status", "filled"}, {"n", 12}, {"x", 1.5}, {"list", {1, "two", nullptr}}};
  r.attachments = {{std::string(64, 'a'), 5000000, "image/jpeg", "front.jpg"}};
  r.assigned_to = {"op-7", "op-9"};
  r.stamp = "0001732456789012-0003-gw-laredo-1";
  r.origin = {"dev-7", "op-7", "gw-laredo-1"};
  r.client_time = "2026-11-24T10:02:11Z";
  r.write_id = "w-1";
  r.base = "0001732456780000-0000-gw-laredo-1";
  return r;
}

// The writer stores toJsonText; everything that reads stored documents was written against
// toJson().dump(). They must be the same bytes.
TEST_CASE("toJsonText writes the bytes toJson().dump() writes") {
  Record r = sample();
  CHECK(toJsonText(r) == toJson(r).dump());
  CHECK(toJsonText(r, r.body.dump()) == toJson(r).dump());

  SECTION("empty record: every key still written, base null") {
    Record empty;
    CHECK(toJsonText(empty) == toJson(empty).dump());
  }
  SECTION("several attachments and deleted") {
    r.attachments.push_back({std::string(64, 'b'), 0, "", ""});
    r.deleted = true;
    r.base.clear();
    CHECK(toJsonText(r) == toJson(r).dump());
  }
  SECTION("escapes: quotes, backslashes, every control character, DEL, UTF-8") {
    std::string tricky = "a\"b\\c/d\x7f";
    for (char c = 1; c < 0x20; ++c) tricky += c;
    r.client_time = tricky;
    r.origin.operator_id = tricky;
    r.attachments[0].name = "Fahrgestell \xc3\xbc \xe2\x82\xac \xf0\x9f\x9a\x9a.jpg";
    r.attachments[0].mime = std::string("nul\0inside", 10);
    CHECK(toJsonText(r) == toJson(r).dump());
  }
  SECTION("random ASCII text in every string field") {
    std::mt19937 random(7);
    auto text = [&] {
      std::string s(random() % 40, ' ');
      for (char& c : s) c = static_cast<char>(random() % 0x80);
      return s;
    };
    for (int i = 0; i < 200; ++i) {
      r.id = text(), r.type = text(), r.site = text(), r.stamp = text(), r.base = text();
      r.client_time = text(), r.write_id = text(), r.origin = {text(), text(), text()};
      r.assigned_to = {text()};
      r.attachments[0].name = text();
      REQUIRE(toJsonText(r) == toJson(r).dump());
    }
  }
}

TEST_CASE("toJsonText refuses broken UTF-8 as dump() does") {
  Record r = sample();
  r.client_time = "\xc3(";
  CHECK_THROWS(toJson(r).dump());
  CHECK_THROWS(toJsonText(r));
}

}  // namespace
}  // namespace yard::core
