#include "fake_gateway.h"

#include <cstdio>

#include "client/blob_cache.h"

namespace yard::device::test {

std::string FakeGateway::nextStamp() {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016lld-0000-fake", static_cast<long long>(++clock_));
  return buf;
}

void FakeGateway::writeFromElsewhere(core::Json record) {
  record["stamp"] = nextStamp();
  const std::string id = record["id"];
  records[id] = record;
  feed_.push_back(id);
}

Result<core::Json> FakeGateway::exchange(const core::Json& request) {
  if (refuse_next > 0) {
    --refuse_next;
    return Status::retry("link down");
  }
  requests.push_back(request);
  core::Json results = core::Json::array();
  std::vector<std::string> own;
  for (const auto& w : request["writes"]) {
    const std::string write_id = w["write_id"];
    const std::string id = w["id"];
    core::Json result{{"write_id", write_id}, {"id", id}};
    if (auto it = stamped_.find(write_id); it != stamped_.end()) {
      result["status"] = records[id]["stamp"] == it->second ? "accepted" : "conflict";
      if (result["status"] == "conflict") result["reason"] = "overwritten";
    } else {
      core::Json r{{"id", id},
                   {"type", w["type"]},
                   {"site", "yard-a"},
                   {"body", w["body"]},
                   {"attachments", w["attachments"]},
                   {"deleted", w["deleted"]},
                   {"assigned_to", w["assigned_to"]},
                   {"stamp", nextStamp()},
                   {"write_id", write_id},
                   {"base", w["base"]}};
      stamped_[write_id] = r["stamp"];
      records[id] = r;
      feed_.push_back(id);
      own.push_back(id);
      result["status"] = "accepted";
    }
    result["record"] = records[id];
    results.push_back(result);
  }
  size_t from = request["cursor"].is_null() ? 0 : std::stoul(request["cursor"].get<std::string>());
  const size_t limit = request.value("limit", 500);
  core::Json changes = core::Json::array();
  size_t at = from;
  for (; at < feed_.size() && changes.size() < limit; ++at)
    if (std::find(own.begin(), own.end(), feed_[at]) == own.end())
      changes.push_back(records[feed_[at]]);
  core::Json missing = core::Json::array();
  for (const auto& w : request["writes"])
    for (const auto& a : w["attachments"])
      if (!blobs.count(a["sha256"])) missing.push_back(a["sha256"]);
  core::Json answer{{"results", results},           {"changes", changes},
                    {"cursor", std::to_string(at)}, {"more", at < feed_.size()},
                    {"inbox", core::Json::array()}, {"missing_attachments", missing}};
  if (lose_next_answers > 0) {
    --lose_next_answers;
    return Status::retry("answer lost");
  }
  return answer;
}

Result<std::string> FakeGateway::download(const std::string& sha256) {
  auto it = blobs.find(sha256);
  if (it == blobs.end()) return Status::notFound("no blob");
  return it->second;
}

Status FakeGateway::has(const std::string& sha256) {
  return blobs.count(sha256) ? Status::ok() : Status::notFound("no blob");
}

Result<UploadPosition> FakeGateway::create(const core::Attachment& a) {
  const std::string location = "/v1/uploads/" + std::to_string(uploads_.size() + 1);
  uploads_[location] = Upload{a.sha256, a.size, ""};
  return UploadPosition{location, 0};
}

Result<int64_t> FakeGateway::offset(const std::string& location) {
  auto it = uploads_.find(location);
  if (it == uploads_.end()) return Status::notFound("expired");
  return static_cast<int64_t>(it->second.bytes.size());
}

Result<int64_t> FakeGateway::append(const std::string& location, int64_t offset,
                                    const std::string& bytes) {
  if (refuse_appends_after == 0) return Status::retry("link down");
  if (refuse_appends_after > 0) --refuse_appends_after;
  ++appends;
  Upload& u = uploads_.at(location);
  if (ghost_patch_before_next_append) {
    ghost_patch_before_next_append = false;
    u.bytes += bytes;
  }
  if (offset != static_cast<int64_t>(u.bytes.size())) return Status::conflict("offset moved");
  u.bytes += bytes;
  if (static_cast<int64_t>(u.bytes.size()) == u.length) {
    if (sha256Hex(u.bytes) != u.sha256) return Status::permanent("checksum mismatch");
    blobs[u.sha256] = u.bytes;
  }
  return static_cast<int64_t>(u.bytes.size());
}

}  // namespace yard::device::test
