#include "upstream/upstream_round.h"

#include <spdlog/spdlog.h>

#include <future>

#include "core/adoption.h"
#include "core/notice_text.h"
#include "core/stamp.h"
#include "upstream/pushed_write.h"

namespace yard::upstream {

using core::Json;
using core::Record;

namespace {

const char* const kHeadOffice = "head office";
// past_cursor_ keeps at most this many stamps (the newest): beyond it, upstream may send a few
// of our own writes back, which costs bytes and nothing else (adopting them changes nothing).
constexpr size_t kMaxPastCursor = 4000;
constexpr int kMaxLanes = 3;

Json pushedWrite(const Record& r, const std::string& base) {
  Json w{
      {"write_id", r.write_id},
      {"id", r.id},
      {"type", r.type},
      {"site", r.site},
      {"base", base.empty() ? Json(nullptr) : Json(base)},
      {"deleted", r.deleted},
      {"body", r.body},
      {"attachments", Json::array()},
      {"assigned_to", r.assigned_to},
      {"client_time", r.client_time},
      {"stamp", r.stamp},
      {"origin",
       {{"device", r.origin.device}, {"operator", r.origin.operator_id}, {"node", r.origin.node}}}};
  for (const auto& a : r.attachments) w["attachments"].push_back(core::toJson(a));
  return w;
}

Result<std::optional<Record>> recordOf(const Json& value) {
  if (value.is_null()) return std::optional<Record>();
  auto r = core::recordFromJson(value);
  if (!r.isOk())
    return Status::retry("upstream sent an unreadable record: " + r.status().message());
  return std::optional<Record>(std::move(r.value()));
}

}  // namespace

UpstreamRound::UpstreamRound(const sync::NodeIdentity& node, std::string upstream_device,
                             store::Store& store, sync::CommitQueue& writer, sync::NodeClock& clock,
                             Transport& transport, RoundLimits limits)
    : node_(node),
      upstream_device_(std::move(upstream_device)),
      store_(store),
      writer_(writer),
      clock_(clock),
      transport_(transport),
      limits_(limits),
      lanes_(std::min(transport.concurrentSyncs(), kMaxLanes)) {}

Result<std::string> UpstreamRound::pushedWriteOf(store::Txn& txn, const store::OutboxRow& row,
                                                 const store::RecordRow& stored) {
  if (auto text = pushedWriteFromDoc(stored.doc, row.base)) return std::move(*text);
  // A document without a top-level base (stored before base was kept): the long way.
  auto record = sync::loadRecord(txn, row.record_id);
  if (!record.isOk()) return record.status();
  if (!record->has_value()) return Status::permanent("record " + row.record_id + " vanished");
  return pushedWrite(**record, row.base).dump();
}

Result<UpstreamRound::Batch> UpstreamRound::buildBatch(const std::set<std::string>& in_flight) {
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  // Rows of exchanges not yet applied are still listed: read past them.
  auto rows = txn->listOutbox(limits_.max_writes + static_cast<int>(in_flight.size()));
  if (!rows.isOk()) return rows.status();
  Batch batch;
  int count = 0;
  for (const auto& row : rows.value()) {
    if (count >= limits_.max_writes) break;
    if (in_flight.count(row.record_id)) continue;
    auto stored = txn->getRecord(row.record_id);
    if (!stored.isOk()) return stored.status();
    // A version adopted from upstream since (greater stamp) leaves nothing to push; the apply
    // step clears such rows.
    if (!stored->has_value() || (*stored)->stamp != row.stamp) {
      batch.pushed.push_back(Pushed{"", row.record_id, row.stamp});
      continue;
    }
    auto write_id = topLevelValue((*stored)->doc, "write_id");
    if (!write_id || write_id->size() < 2 || write_id->front() != '"')
      return Status::permanent("stored record " + row.record_id + " has no write_id");
    auto w = pushedWriteOf(txn.value(), row, **stored);
    if (!w.isOk()) return w.status();
    if (count > 0 && batch.writes.size() + w->size() > limits_.max_request_bytes) break;
    if (count++ > 0) batch.writes += ',';
    batch.writes += w.value();
    // Ids are plain characters (no escapes): the quotes are all there is to strip.
    batch.pushed.push_back(
        Pushed{std::string(write_id->substr(1, write_id->size() - 2)), row.record_id, row.stamp});
  }
  return batch;
}

void UpstreamRound::appendStamps(std::vector<std::string>& out, const std::vector<Pushed>& pushed) {
  for (const auto& p : pushed)
    if (!p.write_id.empty()) out.push_back(p.stamp);
}

std::string UpstreamRound::requestBody(const Batch& batch,
                                       const std::vector<std::string>& in_flight) const {
  Json envelope{{"device", upstream_device_},
                {"cursor", cursor_ ? Json(*cursor_) : Json(nullptr)},
                {"limit", limits_.pull_limit}};
  if (brief_) envelope["brief"] = true;
  if (!in_flight.empty()) envelope["in_flight"] = in_flight;
  std::string body = envelope.dump();
  body.pop_back();  // the envelope's closing brace: the writes go in before it
  body.reserve(body.size() + batch.writes.size() + 16);
  body += ",\"writes\":[";
  body += batch.writes;
  body += "]}";
  return body;
}

bool UpstreamRound::learnFromRefusal(const Status& refusal) {
  // An older hub names the field it does not know in its 400.
  const std::string& why = refusal.message();
  if (brief_ && why.find("unknown field 'brief'") != std::string::npos) {
    spdlog::info("[upstream] the hub does not know brief results; asking for whole records");
    brief_ = false;
    return true;
  }
  if (lanes_ > 1 && why.find("unknown field 'in_flight'") != std::string::npos) {
    spdlog::info("[upstream] the hub does not know in_flight; one request at a time");
    lanes_ = 1;
    return true;
  }
  return false;
}

Result<Json> UpstreamRound::readAnswer(const std::string& text) {
  auto response = Json::parse(text, nullptr, false);
  if (!response.is_object() || !response.contains("results") || !response["results"].is_array() ||
      !response.contains("changes") || !response["changes"].is_array() ||
      !response.contains("cursor") || !response["cursor"].is_string())
    return Status::retry("upstream answered with something that is not a sync response");
  return response;
}

Status UpstreamRound::startApplying(Batch batch, Json response, RoundResult& counts) {
  // In order: the previous answer is committed before this one starts.
  if (Status s = finishApplying(counts); !s.isOk()) return s;
  for (const auto& p : batch.pushed) applying_ids_.insert(p.record_id);
  applying_ = std::async(std::launch::async, [this, batch = std::move(batch),
                                              response = std::move(response)]() mutable {
    Status s = commitAnswer(batch, response, applied_counts_);
    // Freed here, not by whoever releases the future (the round's own thread, which has the
    // next request to send).
    {
      Json freed_response = std::move(response);
      Batch freed_batch = std::move(batch);
    }
    return s;
  });
  return Status::ok();
}

Status UpstreamRound::finishApplying(RoundResult& counts) {
  if (!applying_.valid()) return Status::ok();
  Status s = applying_.get();
  applying_ids_.clear();
  if (!s.isOk()) return s;
  counts.pushed += applied_counts_.pushed;
  counts.conflicts += applied_counts_.conflicts;
  counts.rejected += applied_counts_.rejected;
  counts.pulled += applied_counts_.pulled;
  return s;
}

Result<RoundResult> UpstreamRound::run(const std::function<bool()>& should_stop) {
  {
    auto txn = store_.begin(false);
    if (!txn.isOk()) return txn.status();
    auto cursor = txn->getMeta(kUpstreamCursorKey);
    if (!cursor.isOk()) return cursor.status();
    cursor_ = cursor.value();
  }
  past_cursor_.clear();
  RoundResult counts;
  Status s = exchange(counts, should_stop);
  // Whatever failed, the answer being applied is committed or harmlessly lost: wait for it.
  Status applied = finishApplying(counts);
  if (!s.isOk()) return s;
  if (!applied.isOk()) return applied;
  return counts;
}

Status UpstreamRound::exchange(RoundResult& counts, const std::function<bool()>& should_stop) {
  // Whatever ends this, requests still in flight are waited for (their futures' destructors)
  // and their answers left unread: the writes go again next round, and upstream recognises them.
  std::deque<Flight> flying;
  // An answer read but not yet handed to the applier: the next request goes out first, so the
  // link does not wait for the previous answer's commit.
  struct Landed {
    Batch batch;
    Json response;
    bool last = false;  // nothing was pushed, nothing is flying, nothing is left to pull
  };
  std::optional<Landed> landed;
  bool caught_up = false;  // the last answer read left nothing to pull
  Batch next;
  // Reads the next batch from the outbox, past the records of requests in flight, of the answer
  // read and of the one being applied.
  auto readNext = [&]() -> Status {
    std::set<std::string> busy = applying_ids_;
    for (const auto& f : flying)
      for (const auto& p : f.batch.pushed) busy.insert(p.record_id);
    if (landed)
      for (const auto& p : landed->batch.pushed) busy.insert(p.record_id);
    auto built = buildBatch(busy);
    if (!built.isOk()) return built.status();
    next = std::move(built.value());
    return Status::ok();
  };
  if (Status s = readNext(); !s.isOk()) return s;
  for (;;) {
    if (landed && landed->last)
      return startApplying(std::move(landed->batch), std::move(landed->response), counts);
    const bool stopping =
        counts.requests + static_cast<int>(flying.size()) >= limits_.max_requests ||
        (should_stop && should_stop());
    const bool send = !stopping && (flying.empty() || (static_cast<int>(flying.size()) < lanes_ &&
                                                       caught_up && !next.pushed.empty()));
    if (send && flying.empty() && next.pushed.empty()) {
      // Read while rows were in flight: rows queued since belong in this request.
      if (Status s = readNext(); !s.isOk()) return s;
    }
    if (send) {
      if (!flying.empty()) ++counts.overlapped;
      Flight flight{std::move(next), {}, {}};
      for (const auto& f : flying) appendStamps(flight.alongside, f.batch.pushed);
      std::vector<std::string> in_flight;
      if (lanes_ > 1) {
        in_flight = past_cursor_;
        in_flight.insert(in_flight.end(), flight.alongside.begin(), flight.alongside.end());
      }
      std::string body = requestBody(flight.batch, in_flight);
      flight.answer = std::async(std::launch::async,
                                 [this, body = std::move(body)] { return transport_.sync(body); });
      flying.push_back(std::move(flight));
      // Read while the request is on its way, and before waiting for the last commit.
      if (Status s = readNext(); !s.isOk()) return s;
    }
    if (landed) {
      if (Status s = startApplying(std::move(landed->batch), std::move(landed->response), counts);
          !s.isOk())
        return s;
      landed.reset();
    }
    if (send) continue;
    if (flying.empty()) {
      counts.more = true;
      return Status::ok();
    }
    Flight oldest = std::move(flying.front());
    flying.pop_front();
    auto text = oldest.answer.get();
    if (!text.isOk() && learnFromRefusal(text.status())) {
      // Again without the refused field; answers still to come are dropped.
      for (auto& f : flying) f.answer.wait();
      flying.clear();
      if (Status s = readNext(); !s.isOk()) return s;
      continue;
    }
    if (!text.isOk()) return text.status();
    ++counts.requests;
    auto response = readAnswer(text.value());
    if (!response.isOk()) return response.status();
    // The next request pulls from where this answer ends.
    cursor_ = response.value()["cursor"].get<std::string>();
    const bool more = response.value().value("more", false);
    caught_up = !more;
    if (more) {
      // The pull stopped short of the end: this request's writes are past the cursor too.
      appendStamps(past_cursor_, oldest.batch.pushed);
      past_cursor_.insert(past_cursor_.end(), oldest.alongside.begin(), oldest.alongside.end());
      if (past_cursor_.size() > kMaxPastCursor)
        past_cursor_.erase(past_cursor_.begin(),
                           past_cursor_.end() - static_cast<std::ptrdiff_t>(kMaxPastCursor));
    } else {
      // The pull ran to the end after this request's commit, which came after every answer
      // read before it was sent: only the requests then in flight may be past the cursor.
      past_cursor_ = std::move(oldest.alongside);
    }
    const bool last = flying.empty() && oldest.batch.pushed.empty() && !more;
    landed = Landed{std::move(oldest.batch), std::move(response.value()), last};
  }
}

Status UpstreamRound::commitAnswer(const Batch& batch, const Json& response, RoundResult& counts) {
  Status applied = writer_.run([&](store::Txn& txn) {
    counts = RoundResult{};
    adopted_.clear();
    return apply(txn, batch, response, counts);
  });
  if (!applied.isOk()) return applied;
  if (on_adopted_ && !adopted_.empty()) on_adopted_(adopted_);
  return Status::ok();
}

Status UpstreamRound::apply(store::Txn& txn, const Batch& batch, const Json& response,
                            RoundResult& counts) {
  const Json& results = response["results"];
  size_t next_result = 0;
  for (const auto& pushed : batch.pushed) {
    if (pushed.write_id.empty()) {
      if (Status s = txn.outboxDone(pushed.record_id, pushed.stamp); !s.isOk()) return s;
      continue;
    }
    if (next_result >= results.size())
      return Status::retry("upstream answered fewer results than writes sent");
    if (Status s = applyResult(txn, pushed, results[next_result++], counts); !s.isOk()) return s;
  }
  for (const auto& change : response["changes"]) {
    auto record = recordOf(change);
    if (!record.isOk()) return record.status();
    if (!record->has_value() || (*record)->site != node_.site) continue;
    if (Status s = adopt(txn, **record); !s.isOk()) return s;
    ++counts.pulled;
  }
  return txn.putMeta(kUpstreamCursorKey, response["cursor"].get<std::string>());
}

Status UpstreamRound::applyResult(store::Txn& txn, const Pushed& pushed, const Json& result,
                                  RoundResult& counts) {
  if (!result.is_object() || result.value("write_id", std::string()) != pushed.write_id)
    return Status::retry("upstream's results do not match the writes sent");
  const std::string status = result.value("status", std::string());
  ++counts.pushed;
  if (status == "accepted") {
    // Nothing to adopt: the pushed version is canonical upstream too.
    return txn.outboxDone(pushed.record_id, pushed.stamp);
  }
  auto kept = recordOf(result.contains("record") ? result["record"] : Json(nullptr));
  if (!kept.isOk()) return kept.status();
  if (status == "conflict") {
    ++counts.conflicts;
    if (kept->has_value()) {
      if (Status s = adopt(txn, **kept); !s.isOk()) return s;
    }
  } else if (status == "rejected") {
    ++counts.rejected;
    const Record* k = kept->has_value() ? &**kept : nullptr;
    if (Status s = revertRejected(txn, pushed, k, result.value("reason", std::string())); !s.isOk())
      return s;
  } else {
    return Status::retry("upstream answered an unknown status '" + status + "'");
  }
  return txn.outboxDone(pushed.record_id, pushed.stamp);
}

Status UpstreamRound::adopt(store::Txn& txn, const Record& upstream) {
  if (auto stamp = core::Stamp::parse(upstream.stamp)) clock_.observe(*stamp);
  auto local = sync::loadRecord(txn, upstream.id);
  if (!local.isOk()) return local.status();
  const Record* current = local->has_value() ? &**local : nullptr;
  core::Adoption a = core::decideAdoption(upstream, current, node_.node_id);
  if (a.audit_local) {
    const std::string lost_write = current->write_id.empty() ? current->stamp : current->write_id;
    store::AuditRow audit{0,
                          current->id,
                          lost_write,
                          core::toJson(*current).dump(),
                          core::toJson(upstream).dump(),
                          clock_.wallMs(),
                          false};
    if (auto id = txn.addAudit(audit); !id.isOk()) return id.status();
    if (a.notify_local) {
      if (Status s = sync::notifyAuthor(
              txn, node_, clock_.wallMs(), *current, "conflict", "c-" + lost_write,
              core::conflictText(*current, upstream, kHeadOffice), &upstream);
          !s.isOk())
        return s;
    }
  }
  if (!a.store) return Status::ok();
  // The local version lost for good: it no longer needs to reach upstream.
  if (current) {
    if (Status s = txn.outboxDone(current->id, current->stamp); !s.isOk()) return s;
  }
  if (Status s = sync::storeRecord(txn, upstream); !s.isOk()) return s;
  adopted_.push_back(upstream);
  return Status::ok();
}

Status UpstreamRound::revertRejected(store::Txn& txn, const Pushed& pushed, const Record* kept,
                                     const std::string& reason) {
  auto local = sync::loadRecord(txn, pushed.record_id);
  if (!local.isOk()) return local.status();
  // A newer local version is already queued: it will be judged on its own.
  if (!local->has_value() || (*local)->stamp != pushed.stamp) return Status::ok();
  const Record& refused = **local;
  Record replacement;
  if (kept != nullptr) {
    replacement = *kept;
  } else {
    // Upstream has no version at all: the record is withdrawn here with a tombstone, stamped
    // by this node so every phone that holds it drops it. It is not pushed (nothing to undo
    // upstream).
    replacement = refused;
    replacement.deleted = true;
    replacement.body = Json::object();
    replacement.attachments.clear();
    replacement.stamp = clock_.nextAfter(refused.stamp).encode();
    replacement.write_id = "withdrawn-" + refused.write_id;
    replacement.base = refused.stamp;
    replacement.origin.node = node_.node_id;
  }
  if (Status s = sync::storeRecord(txn, replacement); !s.isOk()) return s;
  adopted_.push_back(replacement);
  return sync::notifyAuthor(txn, node_, clock_.wallMs(), refused, "rejected",
                            "r-" + refused.write_id,
                            core::rejectedText(refused, reason, kept, kHeadOffice), kept);
}

}  // namespace yard::upstream
