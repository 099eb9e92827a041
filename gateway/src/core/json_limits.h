#pragma once

#include <string_view>

#include "core/record.h"

namespace yard::core {

// The deepest nesting any request may carry. Records are flat forms with small nested parts
// (a checklist, a damage list); 32 levels is far beyond them and far below what recursive code
// (comparison, serialisation) can take without exhausting a thread's stack.
inline constexpr int kMaxJsonDepth = 32;

// How deep arrays and objects nest in text (`[[1]]` is 2), not counting brackets inside
// strings; counting stops once past stop_after. Meaningful for valid JSON only.
int nestingDepth(std::string_view text, int stop_after);

// Parses untrusted JSON text. Returns a discarded value (is_discarded()) when the text is not
// JSON or nests deeper than kMaxJsonDepth; too_deep tells the two apart.
Json parseUntrustedJson(std::string_view text, bool& too_deep);

}  // namespace yard::core
