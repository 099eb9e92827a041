#pragma once

#include <string>
#include <string_view>

namespace yard::core {

// Writing JSON text straight into a string, for the hot paths where building a nlohmann tree
// only to dump it cost more than the work itself (storing each accepted version, answering a
// sync). The output is byte for byte what nlohmann's dump() writes for the same values.

// Appends text as a JSON string literal. Throws nlohmann's type_error where dump() would
// (invalid UTF-8).
void appendJsonString(std::string& out, std::string_view text);

// Appends `"key":`, preceded by a comma unless first. Keys are plain ASCII names.
void appendKey(std::string& out, std::string_view key, bool first = false);

}  // namespace yard::core
