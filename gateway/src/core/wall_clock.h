#pragma once

#include <cstdint>

namespace yard::core {

// Milliseconds since the Unix epoch from the system (wall) clock: the one place the code reads
// it. Whatever must be testable at another time (the HLC, the attachment service, the plugin
// host) takes a clock function instead and defaults to this.
int64_t unixNowMs();

}  // namespace yard::core
