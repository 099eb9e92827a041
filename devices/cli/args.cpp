#include "cli/args.h"

#include <algorithm>

namespace yard::device::cli {

Result<Args> Args::parse(const std::vector<std::string>& argv,
                         const std::vector<std::string>& flags) {
  Args a;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word.rfind("--", 0) != 0 || word.size() == 2) {
      a.words_.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      value = "true";
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      return Status::invalid("--" + name + " needs a value");
    }
    if (a.options_.count(name)) return Status::invalid("--" + name + " given twice");
    a.options_[name] = value;
    a.read_[name] = false;
  }
  return a;
}

std::optional<std::string> Args::option(const std::string& name) {
  auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  read_[name] = true;
  return it->second;
}

std::string Args::option(const std::string& name, const std::string& fallback) {
  return option(name).value_or(fallback);
}

bool Args::flag(const std::string& name) { return option(name).has_value(); }

Status Args::finish() const {
  for (const auto& [name, read] : read_)
    if (!read) return Status::invalid("unknown option --" + name + " for this command");
  return Status::ok();
}

}  // namespace yard::device::cli
