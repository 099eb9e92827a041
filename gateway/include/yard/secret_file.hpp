// Reading a secret (token, password) from a file named in a plugin's config. Header-only, part
// of the plugin SDK like yard/plugin.hpp.
#ifndef YARD_SECRET_FILE_HPP
#define YARD_SECRET_FILE_HPP

#include <sys/stat.h>

#include <fstream>
#include <string>

namespace yard::sdk {

// The first whitespace-separated word of the file at path. "" with why filled when the file is
// missing, empty, or readable by other users (a secret others can read is no longer one).
inline std::string readSecretFile(const std::string& path, const std::string& key,
                                  std::string& why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    why = "cannot read " + key + " " + path;
    return "";
  }
  if ((st.st_mode & 077) != 0) {
    why = key + " " + path + " is readable by other users; chmod 600 it";
    return "";
  }
  std::ifstream in(path);
  std::string secret;
  in >> secret;
  if (secret.empty()) why = key + " " + path + " is empty";
  return secret;
}

}  // namespace yard::sdk

#endif
