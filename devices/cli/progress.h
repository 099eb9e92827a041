#pragma once

#include <cstdint>
#include <cstdio>

namespace yard::device::cli {

// Progress of a long command: a bar redrawn in place when stdout is a terminal, else a plain
// line every tenth (logs and pipes get no control characters).
class Progress {
 public:
  explicit Progress(std::FILE* out);
  void update(int64_t done, int64_t total);
  void finish();

 private:
  std::FILE* out_;
  bool terminal_;
  int last_tenth_ = -1;
  int last_width_ = -1;
};

}  // namespace yard::device::cli
