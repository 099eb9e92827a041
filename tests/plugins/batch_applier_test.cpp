// BatchApplier on a real sqlite store: the bodies it lends to the versions it decides come back
// to the request, so a group the commit queue runs again (after a RETRY from the store) decides
// the same writes the same way; a new version's answer document is the stored one.
#include <catch2/catch.hpp>

#include "conformance_cases.h"
#include "core/record_type.h"
#include "sqlite_backend.h"
#include "sync/batch_applier.h"
#include "sync/node_clock.h"
#include "sync/sync_request.h"

using namespace yard;
using yard::test::beginTxn;
using yard::test::openStore;
using yard::test::SqliteBackend;
using yard::test::valueOf;

namespace {

core::Json gateWrite(int n) {
  return core::Json{
      {"id", "00000000-0000-7000-8000-00000000000" + std::to_string(n)},
      {"write_id", "00000000-0000-7000-9000-00000000000" + std::to_string(n)},
      {"type", "gate_event"},
      {"base", nullptr},
      {"body",
       {{"direction", "in"}, {"equipment_id", "TRLU000000" + std::to_string(n)}, {"lane", "1"}}}};
}

}  // namespace

TEST_CASE("apply gives every lent body back: run again, it decides the same, answers the same") {
  SqliteBackend backend;
  auto store = openStore(backend);
  auto types = valueOf(core::RecordTypeRegistry::loadDirectory(YARD_TEST_RECORD_TYPES));
  sync::NodeIdentity node{"gw-1", "yard-a", "the gateway", false};
  sync::NodeClock clock("gw-1", [] { return int64_t{1764000000000}; });
  sync::BatchApplier applier(node, types, clock);
  const sync::Caller phone{"dev-1", "yard-a", "op-1", false, "http"};

  core::Json body{{"device", "dev-1"}, {"writes", core::Json::array()}};
  for (int n = 1; n <= 3; ++n) body["writes"].push_back(gateWrite(n));
  auto request = valueOf(sync::parseSyncRequest(body, phone));
  applier.precheck(phone, request);

  auto runOnce = [&](bool commit) {
    auto txn = beginTxn(*store, true);
    std::vector<sync::WriteResult> results;
    YARD_REQUIRE_OK(applier.apply(txn, phone, request, results));
    if (commit)
      YARD_REQUIRE_OK(txn.commit());
    else
      txn.rollback();
    return results;
  };
  // First as a group the store refused (rolled back), then again, as the commit queue does.
  const auto refused = runOnce(false);
  for (size_t i = 0; i < request.writes.size(); ++i) {
    INFO(i);
    CHECK(request.writes[i].version.body == body["writes"][i]["body"]);  // given back
    CHECK(refused[i].status == core::WriteStatus::kAccepted);
  }
  const auto results = runOnce(true);
  REQUIRE(results.size() == 3);
  for (size_t i = 0; i < results.size(); ++i) {
    INFO(i);
    CHECK(request.writes[i].version.body == body["writes"][i]["body"]);
    REQUIRE(results[i].status == core::WriteStatus::kAccepted);
    REQUIRE(results[i].new_version);
    // The answer sends the stored document, which has the body the result lent back.
    auto read = beginTxn(*store, false);
    auto stored = valueOf(read.getRecord(results[i].id));
    REQUIRE(stored.has_value());
    CHECK(results[i].record_doc == stored->doc);
    CHECK(core::Json::parse(results[i].record_doc).at("body") == body["writes"][i]["body"]);
  }
}
