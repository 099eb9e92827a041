#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace yard::bench {

// The command line of a benchmark: "--small" (the CI size), "--runs N" and the benchmark's own
// "--name value" options. Every option must be declared before it is read, so a typo stops the
// run with the usage text instead of silently measuring the defaults.
class BenchArgs {
 public:
  // usage is printed for --help and for any unknown or malformed option.
  BenchArgs(int argc, char** argv, std::string usage);

  bool small() const { return small_; }
  // --runs: how many times each figure is measured (median and spread are reported).
  int runs(int full_default, int small_default) const;
  int64_t integer(const std::string& name, int64_t full_default, int64_t small_default) const;
  std::string text(const std::string& name, const std::string& fallback) const;
  // A comma-separated list of integers.
  std::vector<int64_t> integers(const std::string& name, std::vector<int64_t> full_default,
                                std::vector<int64_t> small_default) const;
  // Exits with the usage text if an option was given that no accessor declared. Call once all
  // options have been read.
  void finish() const;

 private:
  const std::string* find(const std::string& name) const;
  [[noreturn]] void usageError(const std::string& why) const;

  std::string usage_;
  bool small_ = false;
  std::map<std::string, std::string> values_;
  mutable std::map<std::string, bool> read_;
};

}  // namespace yard::bench
