#include "upstream/pushed_write.h"

namespace yard::upstream {
namespace {

// Index just past the string starting at doc[i] (an opening quote).
size_t skipString(std::string_view doc, size_t i) {
  for (++i; i < doc.size(); ++i) {
    if (doc[i] == '\\')
      ++i;
    else if (doc[i] == '"')
      return i + 1;
  }
  return doc.size();
}

// Index of the ',' or '}' that ends the value starting at doc[i] (depth 1).
size_t valueEnd(std::string_view doc, size_t i) {
  int depth = 0;
  while (i < doc.size()) {
    const char c = doc[i];
    if (c == '"') {
      i = skipString(doc, i);
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (depth == 0) return i;
      --depth;
    }
    if (c == ',' && depth == 0) return i;
    ++i;
  }
  return doc.size();
}

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

size_t skipSpace(std::string_view doc, size_t i) {
  while (i < doc.size() && isSpace(doc[i])) ++i;
  return i;
}

}  // namespace

std::optional<std::string_view> topLevelValue(std::string_view doc, std::string_view key) {
  size_t i = skipSpace(doc, 0);
  if (i >= doc.size() || doc[i] != '{') return std::nullopt;
  ++i;
  for (;;) {
    i = skipSpace(doc, i);
    if (i >= doc.size() || doc[i] != '"') return std::nullopt;
    const size_t key_end = skipString(doc, i);
    // Keys are compared as written: the node writes its own keys without escapes.
    const std::string_view name = doc.substr(i + 1, key_end - i - 2);
    i = skipSpace(doc, key_end);
    if (i >= doc.size() || doc[i] != ':') return std::nullopt;
    const size_t start = skipSpace(doc, i + 1);
    size_t end = valueEnd(doc, start);
    if (end >= doc.size()) return std::nullopt;
    if (name == key) {
      size_t trimmed = end;
      while (trimmed > start && isSpace(doc[trimmed - 1])) --trimmed;
      return doc.substr(start, trimmed - start);
    }
    if (doc[end] == '}') return std::nullopt;
    i = end + 1;
  }
}

std::optional<std::string> pushedWriteFromDoc(std::string_view doc, const std::string& base_stamp) {
  auto base = topLevelValue(doc, "base");
  if (!base) return std::nullopt;
  // Stamps are ASCII without quotes or backslashes: they need no escaping.
  const std::string value = base_stamp.empty() ? "null" : "\"" + base_stamp + "\"";
  const size_t at = static_cast<size_t>(base->data() - doc.data());
  std::string out;
  out.reserve(doc.size() + value.size());
  out.append(doc.substr(0, at));
  out.append(value);
  out.append(doc.substr(at + base->size()));
  return out;
}

}  // namespace yard::upstream
