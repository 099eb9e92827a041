#include "cli/yardctl/format.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace yard::yardctl {
namespace {

constexpr int64_t kSkewFlagMs = 5 * 60 * 1000;

int64_t numberOr(const core::Json& j, const char* key, int64_t fallback) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<int64_t>() : fallback;
}

std::string textOr(const core::Json& j, const char* key, const std::string& fallback) {
  return j.is_object() && j.contains(key) && j[key].is_string() &&
                 !j[key].get<std::string>().empty()
             ? j[key].get<std::string>()
             : fallback;
}

std::string bytes(int64_t n) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int i = 0;
  while (v >= 1024 && i < 4) {
    v /= 1024;
    ++i;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, i ? "%.1f %s" : "%.0f %s", v, units[i]);
  return buffer;
}

// What a version is, for people: "inspection TRLU4411".
std::string describe(const core::Json& version) {
  if (!version.is_object()) return "?";
  std::string out = textOr(version, "type", "record");
  if (version.contains("body") && version["body"].is_object()) {
    for (const char* key : {"equipment_id", "trailer", "booking"}) {
      const std::string v = textOr(version["body"], key, "");
      if (!v.empty()) return out + " " + v;
    }
  }
  return out;
}

std::string author(const core::Json& version) {
  if (!version.is_object() || !version.contains("origin")) return "?";
  const auto& o = version["origin"];
  const std::string op = textOr(o, "operator", "");
  const std::string device = textOr(o, "device", "");
  if (!op.empty() && !device.empty()) return op + " on " + device;
  return !op.empty() ? op : !device.empty() ? device : textOr(o, "node", "?");
}

// The body fields whose values differ between two versions.
std::string differingFields(const core::Json& a, const core::Json& b) {
  const core::Json empty = core::Json::object();
  const core::Json& ba = a.is_object() && a.contains("body") ? a["body"] : empty;
  const core::Json& bb = b.is_object() && b.contains("body") ? b["body"] : empty;
  std::set<std::string> keys;
  for (const auto& [k, v] : ba.items()) keys.insert(k);
  for (const auto& [k, v] : bb.items()) keys.insert(k);
  std::string out;
  for (const auto& k : keys) {
    const bool same = ba.contains(k) && bb.contains(k) && ba[k] == bb[k];
    if (!same) out += (out.empty() ? "" : ",") + k;
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string formatDuration(int64_t ms) {
  const int64_t s = std::max<int64_t>(0, (ms + 500) / 1000);
  if (s < 60) return std::to_string(s) + " s";
  const int64_t m = s / 60;
  if (m < 60) return std::to_string(m) + " min";
  const int64_t h = m / 60;
  if (h < 48) return std::to_string(h) + " h " + std::to_string(m % 60) + " min";
  return std::to_string(h / 24) + " days";
}

std::string formatAgo(const core::Json& epoch_ms, int64_t now_ms) {
  if (!epoch_ms.is_number() || epoch_ms.get<int64_t>() == 0) return "never";
  const int64_t ms = now_ms - epoch_ms.get<int64_t>();
  if (ms < 5000) return "just now";
  return formatDuration(ms) + " ago";
}

std::string linkWords(const std::string& link) {
  if (link == "up") return "connected";
  if (link == "down") return "offline (upstream unreachable)";
  if (link == "refused") return "refused by upstream";
  if (link == "unknown") return "not connected yet";
  if (link == "none" || link.empty()) return "no upstream configured";
  return "unknown state '" + link + "'";
}

std::string formatTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(headers.size());
  for (size_t c = 0; c < headers.size(); ++c) width[c] = headers[c].size();
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      out += cell;
      if (c + 1 < width.size()) out += std::string(width[c] - cell.size() + 2, ' ');
    }
    out.erase(out.find_last_not_of(' ') + 1);
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string formatStatus(const core::Json& s, int64_t now_ms) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"node", textOr(s, "node", "?") + " (" + textOr(s, "role", "?") + ", site " +
                              textOr(s, "site", "?") + "), version " + textOr(s, "version", "?") +
                              ", up " + formatDuration(numberOr(s, "uptime_s", 0) * 1000)});
  if (s.contains("storage")) {
    const auto& st = s["storage"];
    rows.push_back({"storage", textOr(st, "plugin", "?") + ", " +
                                   (st.value("healthy", false) ? "healthy" : "NOT ANSWERING") +
                                   ", " + std::to_string(numberOr(s, "records", 0)) + " records"});
  }
  const core::Json u = s.contains("upstream") ? s["upstream"] : core::Json::object();
  const std::string link = textOr(u, "link", "none");
  std::string upstream = linkWords(link);
  if (link != "none") {
    upstream += " (" + textOr(u, "transport", "?") + "), last success " +
                formatAgo(u.value("last_success", core::Json()), now_ms);
    rows.push_back({"upstream", upstream});
    const int64_t pending = numberOr(u, "pending", 0);
    rows.push_back({"waiting", std::to_string(pending) + " records" +
                                   (pending ? ", oldest " + formatDuration(numberOr(
                                                                u, "oldest_pending_age_ms", 0))
                                            : "")});
    const std::string error = textOr(u, "last_error", "");
    if (!error.empty()) rows.push_back({"last error", error});
  } else {
    rows.push_back({"upstream", upstream});
  }
  if (s.contains("attachments") && s["attachments"].is_object()) {
    const auto& a = s["attachments"];
    rows.push_back({"attachments",
                    bytes(numberOr(a, "bytes", 0)) + " of " + bytes(numberOr(a, "quota_bytes", 0)) +
                        ", " + std::to_string(numberOr(a, "pending", 0)) + " waiting upstream"});
  } else {
    rows.push_back({"attachments", "n/a"});
  }
  rows.push_back({"devices", std::to_string(numberOr(s, "devices", 0)) + " active"});
  if (s.contains("sync_writes")) {
    const auto& w = s["sync_writes"];
    rows.push_back({"writes", std::to_string(numberOr(w, "accepted", 0)) + " accepted, " +
                                  std::to_string(numberOr(w, "conflict", 0)) + " conflict, " +
                                  std::to_string(numberOr(w, "rejected", 0)) +
                                  " rejected since start"});
  }
  if (s.contains("plugins") && s["plugins"].is_object()) {
    for (const auto& [name, p] : s["plugins"].items()) {
      const int64_t errors = numberOr(p, "errors", 0);
      rows.push_back(
          {"plugin",
           name + ": " + (errors ? std::to_string(errors) + " errors logged" : "no errors")});
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string label = row[0];
    label.resize(12, ' ');
    out += label + row[1] + "\n";
  }
  return out;
}

std::string formatDevices(const core::Json& devices, int64_t now_ms) {
  if (!devices.is_array() || devices.empty()) return "no devices enrolled\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : devices) {
    const int64_t skew = numberOr(d, "clock_skew_ms", 0);
    std::string clock = "ok";
    if (std::llabs(skew) > kSkewFlagMs)
      clock = "OFF BY " + formatDuration(std::llabs(skew)) + (skew > 0 ? " (ahead)" : " (behind)");
    rows.push_back({textOr(d, "id", "?") + (d.value("node", false) ? " (node)" : ""),
                    textOr(d, "site", "-"), textOr(d, "operator", "-"),
                    formatAgo(d.value("last_sync", core::Json()), now_ms),
                    textOr(d, "channel", "-"), std::to_string(numberOr(d, "pending", 0)),
                    d.value("revoked", false) ? "revoked" : "active", clock});
  }
  return formatTable(
      {"DEVICE", "SITE", "OPERATOR", "LAST SEEN", "CHANNEL", "PENDING", "STATE", "CLOCK"}, rows);
}

std::string formatConflicts(const core::Json& conflicts, int64_t now_ms) {
  if (!conflicts.is_array() || conflicts.empty()) return "no conflicts\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : conflicts) {
    const core::Json lost = c.value("lost", core::Json());
    const core::Json kept = c.value("kept", core::Json());
    rows.push_back({std::to_string(numberOr(c, "audit_id", 0)), textOr(c, "record", "?"),
                    describe(lost), formatAgo(c.value("at", core::Json()), now_ms), author(lost),
                    author(kept), differingFields(lost, kept),
                    c.value("restored", false) ? "restored" : "open"});
  }
  return formatTable(
      {"AUDIT", "RECORD", "WHAT", "WHEN", "LOST", "KEPT", "FIELDS THAT DIFFER", "STATE"}, rows);
}

std::string progressBar(int64_t done, int64_t total, int width) {
  const int64_t clamped = std::clamp<int64_t>(done, 0, std::max<int64_t>(total, 0));
  const int filled = total > 0 ? static_cast<int>(clamped * width / total) : width;
  return "[" + std::string(static_cast<size_t>(filled), '#') +
         std::string(static_cast<size_t>(width - filled), '-') + "]  " + std::to_string(clamped) +
         "/" + std::to_string(std::max<int64_t>(total, 0));
}

std::string syncProgressLine(int64_t pending, int64_t total, const core::Json& upstream) {
  const std::string link = textOr(upstream, "link", "none");
  std::string out;
  if (total > 0) {
    out = progressBar(total - pending, total, 30) + " records sent, " + std::to_string(pending) +
          " waiting";
  } else {
    out = "nothing waiting";
  }
  out += "; link " + linkWords(link);
  const std::string error = textOr(upstream, "last_error", "");
  if (link != "up" && !error.empty()) out += ": " + error;
  return out;
}

}  // namespace yard::yardctl
