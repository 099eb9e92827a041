#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace yard::upstream {

// The span of the value of top-level `key` in the JSON object `doc` (a string value keeps its
// quotes), or nullopt when doc is not an object or has no such key. Only a scan: doc is trusted
// to be valid JSON (it is a stored record document the node wrote itself).
std::optional<std::string_view> topLevelValue(std::string_view doc, std::string_view key);

// The sync write that pushes a stored record document upstream (DESIGN §4 as a node client):
// the document's own fields with `base` set to the base upstream knows (base_stamp; empty for
// "created it"). A stored document already has exactly the fields of a node's write, so this
// is a splice of the text, not a parse and a dump. nullopt when doc has no top-level base.
std::optional<std::string> pushedWriteFromDoc(std::string_view doc, const std::string& base_stamp);

}  // namespace yard::upstream
