#include "store_preload.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "plugin/plugin_loader.h"

namespace yard::bench {
namespace {

void check(const Status& s, const std::string& what) {
  if (!s.isOk()) throw std::runtime_error("preload: " + what + ": " + s.message());
}

}  // namespace

DirectStore::DirectStore(const std::string& data_dir) {
  // The plugin host logs every open at info; a benchmark's output is its table.
  spdlog::set_level(spdlog::level::warn);
  auto loaded = plugin::loadPlugin(YARD_BENCH_PLUGIN_DIR, YARD_KIND_STORAGE, "sqlite");
  check(loaded.status(), "loading the sqlite storage plugin");
  // A big page cache makes the random-id index inserts of a large preload cheap; the daemon
  // opens the store later with its own (default) settings.
  host_ = std::make_unique<plugin::PluginHost>(
      "storage.sqlite", std::map<std::string, std::string>{{"cache_mb", "256"}}, data_dir);
  auto opened = store::Store::open(loaded.value(), *host_);
  check(opened.status(), "opening the store in " + data_dir);
  store_ = std::move(opened.value());
}

DirectStore::~DirectStore() { store_.reset(); }

PreloadResult preloadStore(store::Store& store, RecordFactory& factory, const PreloadPlan& plan,
                           const std::function<void(const core::Record&)>& on_record) {
  PreloadResult result;
  const auto start = std::chrono::steady_clock::now();
  int64_t written = 0;
  int64_t ms = plan.first_ms;
  while (written < plan.records || written == 0) {
    auto txn = store.begin(true);
    check(txn.status(), "begin");
    if (written == 0) {
      // What the daemon checks at start: the store belongs to this node.
      check(txn->putMeta("node_id", plan.node), "node_id");
      if (plan.outbox) check(txn->putMeta("outbox_seeded", "1"), "outbox_seeded");
    }
    const int64_t end = std::min(plan.records, written + plan.per_txn);
    for (; written < end; ++written, ms += plan.step_ms) {
      const int n = 1 + static_cast<int>(written % plan.devices);
      const Author author{"dev-" + std::to_string(n), "op-" + std::to_string(n), plan.node};
      core::Record r = factory.aged(author, ms, 0);
      const std::string doc = RecordFactory::storedDoc(r);
      result.doc_bytes += static_cast<int64_t>(doc.size());
      check(txn->putRecord({r.id, r.site, r.type, r.stamp, 0, doc}).status(), "record");
      check(txn->putWrite({r.write_id, r.id, r.stamp}), "write");
      if (plan.outbox) check(txn->putOutbox({r.id, r.stamp, "", ms}), "outbox");
      result.last_stamp = r.stamp;
      if (on_record) on_record(r);
    }
    // The HLC never hands out a stamp at or below one already in the store.
    if (!result.last_stamp.empty()) check(txn->putMeta("hlc_high_water", result.last_stamp), "hlc");
    check(txn->commit(), "commit");
    if (plan.records == 0) break;
  }
  result.records = written;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace yard::bench
