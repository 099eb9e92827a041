#include "core/json_limits.h"

namespace yard::core {

int nestingDepth(std::string_view text, int stop_after) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > stop_after) break;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

Json parseUntrustedJson(std::string_view text, bool& too_deep) {
  // Counting first and then parsing without a callback is several times cheaper than nlohmann's
  // callback parser, and the answer is the same: where the text is valid JSON (the only case in
  // which a tree is kept) the scan sees the very strings and brackets the parser sees.
  too_deep = nestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth;
  if (too_deep) return Json(Json::value_t::discarded);
  return Json::parse(text.begin(), text.end(), nullptr, false);
}

}  // namespace yard::core
