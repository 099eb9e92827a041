#pragma once

#include <cstdint>
#include <string>

#include "core/record.h"

namespace yard::core {

// Plain-language inbox notices (DESIGN §2 rule 3). A yard operator reads them on a phone, so
// they name the record the way the yard does ("inspection TRLU4411"), say when and by whom, and
// say what was kept. Times are HH:MM: the phone's own clock for "made", the deciding node's
// local time for "received".

// "inspection TRLU4411": the type and the equipment id when the body has one, else a short id.
std::string recordLabel(const Record& record);

// HH:MM of an ISO-8601 client_time as the phone wrote it ("" when absent or malformed).
std::string clientClock(const std::string& client_time);

// HH:MM in the node's local time zone of a stamp's milliseconds.
std::string localClock(int64_t ms);

// Your version lost to kept under last-writer-wins. where: "the gateway" or "head office".
std::string conflictText(const Record& yours, const Record& kept, const std::string& where);

// Your version was refused; kept is what remains canonical (nullptr: nothing).
std::string rejectedText(const Record& yours, const std::string& reason, const Record* kept,
                         const std::string& where);

// An administrator made restored (a version that had lost) canonical again; replaced is the
// version it displaced. For the author of each.
std::string restoredText(const Record& restored);
std::string displacedByRestoreText(const Record& replaced, const Record& restored);

}  // namespace yard::core
