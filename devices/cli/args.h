#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace yard::device::cli {

// yard-phone's command line: "--name value" options anywhere, "--flag" switches, positional
// words (the command and its operands). Options are declared by the command that reads them;
// finish() refuses any left unread, so a typo is an error, never a silently ignored option.
class Args {
 public:
  // flags: the options that take no value.
  static Result<Args> parse(const std::vector<std::string>& argv,
                            const std::vector<std::string>& flags);

  std::optional<std::string> option(const std::string& name);
  std::string option(const std::string& name, const std::string& fallback);
  bool flag(const std::string& name);
  const std::vector<std::string>& words() const { return words_; }
  Status finish() const;

 private:
  std::map<std::string, std::string> options_;
  std::map<std::string, bool> read_;
  std::vector<std::string> words_;
};

}  // namespace yard::device::cli
