#include "core/json_text.h"

#include "core/record.h"

namespace yard::core {

// Escapes exactly as nlohmann::json's dump() does, so stored documents do not depend on which
// of the two wrote them. Text with bytes past ASCII goes through nlohmann itself: it checks the
// UTF-8 (and throws where dump() would throw).
void appendJsonString(std::string& out, std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) {
      out += Json(std::string(text)).dump();
      return;
    }
  }
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void appendKey(std::string& out, std::string_view key, bool first) {
  if (!first) out += ',';
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace yard::core
