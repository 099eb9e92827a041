#include <catch2/catch.hpp>

#include "core/record.h"
#include "upstream/pushed_write.h"

using yard::core::Json;
using yard::core::Record;
using yard::upstream::pushedWriteFromDoc;
using yard::upstream::topLevelValue;

namespace {

Record tricky() {
  Record r;
  r.id = "rec-1";
  r.type = "gate_pass";
  r.site = "yard-a";
  // Text that looks like the key being spliced, at every depth and inside strings.
  r.body = Json{{"note", "say \"base\": \"x\", {]} \\\" done"},
                {"base", "not the top-level one"},
                {"nested", {{"base", Json::array({1, "b\"ase", Json{{"base", nullptr}}})}}}};
  r.assigned_to = {"op-1", "op-2"};
  r.stamp = "0000018f00000000000a:gw-a";
  r.origin = {"phone-1", "op-1", "gw-a"};
  r.client_time = "2026-11-28T04:00:00Z";
  r.write_id = "w-1";
  r.base = "0000018e00000000000a:gw-a";
  return r;
}

}  // namespace

TEST_CASE("a pushed write is the stored document with upstream's base, whatever the body holds") {
  const Record r = tricky();
  const std::string doc = yard::core::toJson(r).dump();
  for (const std::string base : {"", "0000018d000000000001:hub"}) {
    auto pushed = pushedWriteFromDoc(doc, base);
    REQUIRE(pushed);
    Json expected = yard::core::toJson(r);
    expected["base"] = base.empty() ? Json(nullptr) : Json(base);
    CHECK(Json::parse(*pushed) == expected);
  }
}

TEST_CASE("top-level values are found in any key order and spacing, strings with quotes") {
  const std::string doc =
      R"( { "a" : [1, {"write_id":"inner"}] , "write_id" : "w-9" , "base":null } )";
  CHECK(topLevelValue(doc, "write_id") == std::optional<std::string_view>("\"w-9\""));
  CHECK(topLevelValue(doc, "base") == std::optional<std::string_view>("null"));
  CHECK(topLevelValue(doc, "a") == std::optional<std::string_view>(R"([1, {"write_id":"inner"}])"));
  CHECK_FALSE(topLevelValue(doc, "inner"));
  CHECK_FALSE(topLevelValue("[1,2]", "a"));
  CHECK_FALSE(topLevelValue("{}", "a"));
  CHECK_FALSE(pushedWriteFromDoc(R"({"id":"x"})", ""));
}
