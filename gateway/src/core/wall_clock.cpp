#include "core/wall_clock.h"

#include <chrono>

namespace yard::core {

int64_t unixNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace yard::core
