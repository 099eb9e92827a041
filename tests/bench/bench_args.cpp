#include "bench_args.h"

#include <charconv>
#include <cstdlib>
#include <iostream>

namespace yard::bench {
namespace {

bool parseInt(const std::string& text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

BenchArgs::BenchArgs(int argc, char** argv, std::string usage) : usage_(std::move(usage)) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage_ << "\n";
      std::exit(0);
    }
    if (arg == "--small") {
      small_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) usageError("bad argument '" + arg + "'");
    values_[arg.substr(2)] = argv[++i];
  }
}

void BenchArgs::usageError(const std::string& why) const {
  std::cerr << why << "\n\n" << usage_ << "\n";
  std::exit(2);
}

const std::string* BenchArgs::find(const std::string& name) const {
  read_[name] = true;
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

int BenchArgs::runs(int full_default, int small_default) const {
  return static_cast<int>(integer("runs", full_default, small_default));
}

int64_t BenchArgs::integer(const std::string& name, int64_t full_default,
                           int64_t small_default) const {
  const std::string* text = find(name);
  if (text == nullptr) return small_ ? small_default : full_default;
  int64_t value = 0;
  if (!parseInt(*text, value) || value < 0)
    usageError("--" + name + " needs a non-negative integer, not '" + *text + "'");
  return value;
}

std::string BenchArgs::text(const std::string& name, const std::string& fallback) const {
  const std::string* value = find(name);
  return value ? *value : fallback;
}

std::vector<int64_t> BenchArgs::integers(const std::string& name, std::vector<int64_t> full_default,
                                         std::vector<int64_t> small_default) const {
  const std::string* text = find(name);
  if (text == nullptr) return small_ ? small_default : full_default;
  std::vector<int64_t> out;
  size_t start = 0;
  while (start <= text->size()) {
    const size_t comma = std::min(text->find(',', start), text->size());
    int64_t value = 0;
    if (!parseInt(text->substr(start, comma - start), value) || value < 0)
      usageError("--" + name + " needs integers separated by commas, not '" + *text + "'");
    out.push_back(value);
    start = comma + 1;
  }
  return out;
}

void BenchArgs::finish() const {
  for (const auto& [name, value] : values_)
    if (!read_.count(name)) usageError("unknown option --" + name);
}

}  // namespace yard::bench
