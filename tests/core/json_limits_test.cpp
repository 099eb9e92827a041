#include "core/json_limits.h"

#include <catch2/catch.hpp>

namespace yard::core {
namespace {

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_CASE("nestingDepth counts brackets, not the ones inside strings") {
  CHECK(nestingDepth("1", 32) == 0);
  CHECK(nestingDepth("[[1]]", 32) == 2);
  CHECK(nestingDepth(R"({"a":[{"b":{}}],"c":[]})", 32) == 4);
  CHECK(nestingDepth(R"({"a":"[[[[{{{{"})", 32) == 1);
  CHECK(nestingDepth(R"({"a":"\"[[[[","b":"\\"})", 32) == 1);  // escaped quote, then backslash
  CHECK(nestingDepth(nested(100000), 32) == 33);               // stops once past the limit
}

TEST_CASE("parseUntrustedJson keeps 32 levels and refuses 33") {
  bool too_deep = true;
  auto ok = parseUntrustedJson(nested(kMaxJsonDepth), too_deep);
  CHECK_FALSE(too_deep);
  CHECK(ok.is_array());

  auto deep = parseUntrustedJson(nested(kMaxJsonDepth + 1), too_deep);
  CHECK(too_deep);
  CHECK(deep.is_discarded());

  auto huge = parseUntrustedJson(nested(1000000), too_deep);
  CHECK(too_deep);
  CHECK(huge.is_discarded());
}

TEST_CASE("parseUntrustedJson: text that is not JSON is discarded, not too deep") {
  bool too_deep = true;
  for (const char* text : {"", "{", "[1,]", "{\"a\":\"unterminated}", "nul", "[1]x"}) {
    auto json = parseUntrustedJson(text, too_deep);
    CHECK_FALSE(too_deep);
    CHECK(json.is_discarded());
  }
  auto fine = parseUntrustedJson(R"({"writes":[{"body":{"x":"[[["}}]})", too_deep);
  CHECK_FALSE(too_deep);
  CHECK(fine["writes"][0]["body"]["x"] == "[[[");
}

}  // namespace
}  // namespace yard::core
