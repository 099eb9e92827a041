#pragma once

#include <string_view>
#include <vector>

namespace yard::status {

// One file of the status page, compiled into the binary (see embed_assets.cmake).
struct Asset {
  std::string_view path;          // where it is served: "/status/<file name>"
  std::string_view content_type;  // from the file name's extension
  std::string_view etag;          // quoted, from the content's SHA-256
  std::string_view body;
};

// Every embedded asset, sorted by path. Static data: valid for the life of the program.
const std::vector<Asset>& embeddedAssets();

}  // namespace yard::status
