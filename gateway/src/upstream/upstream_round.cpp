#include "upstream/upstream_round.h"

#include <spdlog/spdlog.h>

#include "core/adoption.h"
#include "core/notice_text.h"
#include "core/stamp.h"

namespace yard::upstream {

using core::Json;
using core::Record;

namespace {

const char* const kHeadOffice = "head office";

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
      limits_(limits) {}

Result<UpstreamRound::Exchange> UpstreamRound::buildExchange() {
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  auto cursor = txn->getMeta(kUpstreamCursorKey);
  if (!cursor.isOk()) return cursor.status();
  auto rows = txn->listOutbox(limits_.max_writes);
  if (!rows.isOk()) return rows.status();

  Exchange ex;
  Json envelope{{"device", upstream_device_},
                {"cursor", cursor->has_value() ? Json(**cursor) : Json(nullptr)},
                {"limit", limits_.pull_limit}};
  if (brief_) envelope["brief"] = true;
  // Each write is serialized once, for its size and for the body.
  std::string writes;
  size_t count = 0;
  for (const auto& row : rows.value()) {
    auto record = sync::loadRecord(txn.value(), row.record_id);
    if (!record.isOk()) return record.status();
    // A version adopted from upstream since (greater stamp) leaves nothing to push; the apply
    // step clears such rows.
    if (!record->has_value() || (*record)->stamp != row.stamp) {
      ex.pushed.push_back(Pushed{"", row.record_id, row.stamp});
      continue;
    }
    const std::string w = pushedWrite(**record, row.base).dump();
    if (count > 0 && writes.size() + w.size() > limits_.max_request_bytes) break;
    if (count++ > 0) writes += ',';
    writes += w;
    ex.pushed.push_back(Pushed{(*record)->write_id, row.record_id, row.stamp});
  }
  ex.body = envelope.dump();
  ex.body.pop_back();  // the envelope's closing brace: the writes go in before it
  ex.body += ",\"writes\":[" + writes + "]}";
  return ex;
}

Result<RoundResult> UpstreamRound::run(const std::function<bool()>& should_stop) {
  RoundResult counts;
  for (;;) {
    if (counts.requests >= limits_.max_requests || (should_stop && should_stop())) {
      counts.more = true;
      return counts;
    }
    auto ex = buildExchange();
    if (!ex.isOk()) return ex.status();
    auto response_text = transport_.sync(ex->body);
    if (!response_text.isOk() && brief_ &&
        response_text.status().message().find("unknown field 'brief'") != std::string::npos) {
      // An older hub: it names the field it does not know. Ask again with whole records.
      spdlog::info("[upstream] the hub does not know brief results; asking for whole records");
      brief_ = false;
      continue;
    }
    if (!response_text.isOk()) return response_text.status();
    ++counts.requests;
    auto response = Json::parse(response_text.value(), nullptr, false);
    if (!response.is_object() || !response.contains("results") || !response["results"].is_array() ||
        !response.contains("changes") || !response["changes"].is_array() ||
        !response.contains("cursor") || !response["cursor"].is_string())
      return Status::retry("upstream answered with something that is not a sync response");

    bool more = false;
    RoundResult delta;
    Status applied = writer_.run([&](store::Txn& txn) {
      delta = RoundResult{};
      adopted_.clear();
      return apply(txn, ex.value(), response, delta, more);
    });
    if (!applied.isOk()) return applied;
    if (on_adopted_ && !adopted_.empty()) on_adopted_(adopted_);
    counts.pushed += delta.pushed;
    counts.conflicts += delta.conflicts;
    counts.rejected += delta.rejected;
    counts.pulled += delta.pulled;
    if (ex->pushed.empty() && !more) return counts;
  }
}

Status UpstreamRound::apply(store::Txn& txn, const Exchange& ex, const Json& response,
                            RoundResult& counts, bool& more) {
  const Json& results = response["results"];
  size_t next_result = 0;
  for (const auto& pushed : ex.pushed) {
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
  more = response.value("more", false);
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
    replacement.stamp = clock_.next().encode();
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
