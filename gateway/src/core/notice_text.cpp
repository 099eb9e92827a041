#include "core/notice_text.h"

#include <ctime>

#include "core/stamp.h"

namespace yard::core {
namespace {

std::string whoMade(const Record& r) {
  if (!r.origin.operator_id.empty()) return r.origin.operator_id;
  if (!r.origin.device.empty()) return r.origin.device;
  return "another device";
}

// where ("the gateway") at the start of a sentence.
std::string sentenceStart(std::string where) {
  if (!where.empty() && where[0] >= 'a' && where[0] <= 'z')
    where[0] = static_cast<char>(where[0] - 'a' + 'A');
  return where;
}

std::string madeAt(const Record& r) {
  const std::string hhmm = clientClock(r.client_time);
  return hhmm.empty() ? std::string() : " made " + hhmm;
}

}  // namespace

std::string recordLabel(const Record& record) {
  if (record.body.is_object()) {
    auto it = record.body.find("equipment_id");
    if (it != record.body.end() && it->is_string() && !it->get<std::string>().empty())
      return record.type + " " + it->get<std::string>();
  }
  return record.type + " " + record.id.substr(0, 8);
}

std::string clientClock(const std::string& client_time) {
  // 2026-11-24T10:02:11Z -> 10:02
  if (client_time.size() < 16 || client_time[10] != 'T' || client_time[13] != ':') return "";
  for (int i : {11, 12, 14, 15})
    if (client_time[i] < '0' || client_time[i] > '9') return "";
  return client_time.substr(11, 5);
}

std::string localClock(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char out[8];
  std::strftime(out, sizeof out, "%H:%M", &tm);
  return out;
}

std::string conflictText(const Record& yours, const Record& kept, const std::string& where) {
  std::string received;
  if (auto stamp = Stamp::parse(kept.stamp)) received = " received " + localClock(stamp->ms);
  const std::string winner = whoMade(kept);
  return "Your change to " + recordLabel(yours) + madeAt(yours) +
         " on this phone was replaced by " + winner + "'s change" + received + "; " + where +
         " kept " + winner + "'s version.";
}

std::string rejectedText(const Record& yours, const std::string& reason, const Record* kept,
                         const std::string& where) {
  std::string text = "Your change to " + recordLabel(yours) + madeAt(yours) +
                     " on this phone was not accepted: " + reason + ".";
  if (kept == nullptr)
    return text + " " + sentenceStart(where) + " has no copy of it; your draft was removed.";
  return text + " " + sentenceStart(where) + " kept the version by " + whoMade(*kept) + ".";
}

std::string restoredText(const Record& restored) {
  return "An administrator restored your version of " + recordLabel(restored) + madeAt(restored) +
         "; it is the current version again.";
}

std::string displacedByRestoreText(const Record& replaced, const Record& restored) {
  return "An administrator restored " + whoMade(restored) + "'s earlier version of " +
         recordLabel(restored) + "; your version" + madeAt(replaced) +
         " was set aside and can be restored by an administrator.";
}

}  // namespace yard::core
