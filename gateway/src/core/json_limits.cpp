#include "core/json_limits.h"

namespace yard::core {

Json parseUntrustedJson(std::string_view text, bool& too_deep) {
  too_deep = false;
  // The parser itself is iterative; the callback stops deep values from being kept, so nothing
  // recursive ever walks them.
  Json::parser_callback_t limit = [&too_deep](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth) too_deep = true;
    return !too_deep;
  };
  Json json = Json::parse(text.begin(), text.end(), limit, false);
  if (too_deep) return Json(Json::value_t::discarded);
  return json;
}

}  // namespace yard::core
