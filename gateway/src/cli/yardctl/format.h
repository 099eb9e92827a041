#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/record.h"

namespace yard::yardctl {

// Human output of yardctl. Pure functions of the gateway's JSON and the current time, so they
// are tested without a gateway.

// "42 s", "5 min", "3 h 4 min", "2 days".
std::string formatDuration(int64_t ms);
// "12 s ago" for an epoch-ms number, "never" for null or 0.
std::string formatAgo(const core::Json& epoch_ms, int64_t now_ms);
// The upstream link in words; "connected" only for "up".
std::string linkWords(const std::string& link);

// Left-aligned columns separated by two spaces, a header row first.
std::string formatTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows);

std::string formatStatus(const core::Json& status, int64_t now_ms);
std::string formatDevices(const core::Json& devices, int64_t now_ms);
std::string formatConflicts(const core::Json& conflicts, int64_t now_ms);

// "[##########----------]  20/40": done of total, width characters between the brackets.
std::string progressBar(int64_t done, int64_t total, int width);

// One line of `yardctl sync` progress: the bar (when total > 0) and the link state.
std::string syncProgressLine(int64_t pending, int64_t total, const core::Json& upstream);

}  // namespace yard::yardctl
