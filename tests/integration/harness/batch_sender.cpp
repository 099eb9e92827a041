#include "harness/batch_sender.h"

namespace yard::it {

std::vector<Json> newInspections(size_t n, const std::string& prefix) {
  std::vector<Json> writes;
  writes.reserve(n);
  for (size_t i = 0; i < n; ++i)
    writes.push_back(createWrite("inspection", inspectionBody(prefix + std::to_string(i))));
  return writes;
}

void readAnswer(const HttpResponse& response, SentBatch& batch) {
  batch.status = response.status;
  batch.acked = false;
  batch.stamps.clear();
  // A 200 whose body was cut off (the daemon died while sending it) is no answer.
  if (response.status != 200 || !response.json.is_object() || !response.json.contains("results")) {
    batch.answer = response.describe();
    return;
  }
  bool all_accepted = response.json.at("results").size() == batch.ids.size();
  for (const auto& result : response.json.at("results")) {
    const Json record = result.value("record", Json());
    const bool accepted = result.value("status", "") == "accepted" && record.is_object() &&
                          record.value("stamp", Json()).is_string() &&
                          result.value("id", Json()).is_string();
    all_accepted = all_accepted && accepted;
    if (accepted) batch.stamps[result.at("id")] = record.at("stamp");
  }
  batch.acked = all_accepted;
  if (!all_accepted) batch.answer = response.describe();
}

BatchSender::BatchSender(int port, Enrolment device, size_t batch_size)
    : client_(port, std::move(device)), batch_size_(batch_size) {
  thread_ = std::thread([this] { loop(); });
}

BatchSender::~BatchSender() { stop(); }

void BatchSender::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void BatchSender::loop() {
  while (!stop_) {
    SentBatch batch;
    auto writes = newInspections(batch_size_, "LOAD");
    for (const auto& w : writes) batch.ids.push_back(w.at("id"));
    bool connection_failed = false;
    try {
      readAnswer(client_.post(client_.request(writes)), batch);
    } catch (const std::exception& e) {
      batch.answer = e.what();
      connection_failed = true;  // the daemon is gone: this batch's fate is unknown
    }
    if (batch.acked) ++acked_;
    batches_.push_back(std::move(batch));
    if (connection_failed) break;
  }
  finished_ = true;
}

std::vector<std::string> batchViolations(const std::vector<SentBatch>& batches,
                                         const std::map<std::string, std::string>& stored) {
  std::vector<std::string> out;
  for (size_t b = 0; b < batches.size(); ++b) {
    const SentBatch& batch = batches[b];
    size_t present = 0;
    for (const auto& id : batch.ids) {
      auto it = stored.find(id);
      if (it == stored.end()) continue;
      ++present;
      if (batch.acked && it->second != batch.stamps.at(id))
        out.push_back("batch " + std::to_string(b) + ": record " + id + " has stamp " + it->second +
                      ", acknowledged as " + batch.stamps.at(id));
    }
    const bool whole = present == batch.ids.size();
    if ((batch.acked && !whole) || (!batch.acked && present != 0 && !whole))
      out.push_back("batch " + std::to_string(b) + " (" +
                    (batch.acked ? "acknowledged" : "status " + std::to_string(batch.status)) +
                    "): " + std::to_string(present) + " of " + std::to_string(batch.ids.size()) +
                    " records present");
  }
  return out;
}

std::map<std::string, std::string> storedStamps(SyncClient& client) {
  std::map<std::string, std::string> out;
  for (const auto& r : client.pullAll()) out[r.at("id")] = r.at("stamp");
  return out;
}

}  // namespace yard::it
