#include "bench_report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace yard::bench {

std::vector<double> Samples::sorted() const {
  std::vector<double> v = values_;
  std::sort(v.begin(), v.end());
  return v;
}

double Samples::min() const {
  return empty() ? 0 : *std::min_element(values_.begin(), values_.end());
}
double Samples::max() const {
  return empty() ? 0 : *std::max_element(values_.begin(), values_.end());
}

double Samples::median() const {
  if (empty()) return 0;
  const auto v = sorted();
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Samples::percentile(double p) const {
  if (empty()) return 0;
  const auto v = sorted();
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

std::string fixed(double value, int decimals) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(decimals) << value;
  return out.str();
}

std::string Samples::spread(int decimals) const {
  if (size() <= 1) return fixed(median(), decimals);
  return fixed(median(), decimals) + " (" + fixed(min(), decimals) + "-" + fixed(max(), decimals) +
         ")";
}

void Table::print(std::ostream& out) const {
  std::vector<size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    out << " ";
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      // First column left-aligned (labels), the rest right-aligned (numbers).
      if (c == 0)
        out << " " << std::left << std::setw(static_cast<int>(width[c])) << cell;
      else
        out << "  " << std::right << std::setw(static_cast<int>(width[c])) << cell;
    }
    out << "\n";
  };
  line(header_);
  size_t total = 1;
  for (size_t w : width) total += w + 2;
  out << " " << std::string(total, '-') << "\n";
  for (const auto& row : rows_) line(row);
  out << std::flush;
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

void printHeader(std::ostream& out, const std::string& bench, bool small, int runs) {
  utsname u{};
  ::uname(&u);
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  out << "== " << bench << (small ? " --small" : "") << " ==\n"
      << "machine: " << u.nodename << ", " << ::sysconf(_SC_NPROCESSORS_ONLN) << " cpus, "
      << u.sysname << " " << u.release << "; " << when << "\n"
      << "load average at start: " << loadAverage() << "; runs per figure: " << runs
#if defined(__SANITIZE_ADDRESS__)
      << "; built with sanitizers: figures are NOT representative"
#elif defined(NDEBUG)
      << "; optimised build"
#else
      << "; unoptimised build: figures are NOT representative"
#endif
      << "\n\n"
      << std::flush;
}

void printGoal(std::ostream& out, const std::string& what, const std::string& measured,
               const std::string& goal, bool met) {
  out << "GOAL " << what << ": " << measured << " (goal " << goal << ") "
      << (met ? "met" : "MISSED") << "\n"
      << std::flush;
}

}  // namespace yard::bench
