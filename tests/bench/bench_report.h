#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace yard::bench {

// The measurements of one figure over several runs (or one latency per request).
class Samples {
 public:
  void add(double value) { values_.push_back(value); }
  bool empty() const { return values_.empty(); }
  size_t size() const { return values_.size(); }
  double min() const;
  double max() const;
  double median() const;
  // Nearest-rank percentile, p in [0, 100].
  double percentile(double p) const;
  // "median (min-max)", or just the value for a single sample.
  std::string spread(int decimals) const;

 private:
  std::vector<double> sorted() const;
  std::vector<double> values_;
};

std::string fixed(double value, int decimals);

// A plain-text table, columns padded to their widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// The lines every benchmark starts with: what runs, on what, under what load, at what size.
void printHeader(std::ostream& out, const std::string& bench, bool small, int runs);

// One goal line: "GOAL <what>: <ratio> (goal <goal>) met|MISSED". Benchmarks never fail on a
// missed goal (CI machines are shared and small); they report it.
void printGoal(std::ostream& out, const std::string& what, const std::string& measured,
               const std::string& goal, bool met);

// The load average ("1.02 0.87 0.65"), printed before and after the measurements.
std::string loadAverage();

}  // namespace yard::bench
