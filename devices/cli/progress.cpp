#include "cli/progress.h"

#include <unistd.h>

#include <string>

namespace yard::device::cli {
namespace {

constexpr int kBarWidth = 40;

}  // namespace

Progress::Progress(std::FILE* out) : out_(out), terminal_(::isatty(::fileno(out)) == 1) {}

void Progress::update(int64_t done, int64_t total) {
  if (total <= 0) return;
  if (terminal_) {
    const int width = static_cast<int>(done * kBarWidth / total);
    if (width == last_width_ && done != total) return;
    last_width_ = width;
    std::fprintf(out_, "\r[%s%s] %lld/%lld", std::string(static_cast<size_t>(width), '#').c_str(),
                 std::string(static_cast<size_t>(kBarWidth - width), '.').c_str(),
                 static_cast<long long>(done), static_cast<long long>(total));
    std::fflush(out_);
    return;
  }
  const int tenth = static_cast<int>(done * 10 / total);
  if (tenth == last_tenth_) return;
  last_tenth_ = tenth;
  std::fprintf(out_, "progress: %lld/%lld\n", static_cast<long long>(done),
               static_cast<long long>(total));
  std::fflush(out_);
}

void Progress::finish() {
  if (terminal_ && last_width_ >= 0) std::fprintf(out_, "\n");
}

}  // namespace yard::device::cli
