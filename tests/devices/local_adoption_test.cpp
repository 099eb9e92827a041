#include <catch2/catch.hpp>

#include "client/local_adoption.h"

using namespace yard;
using namespace yard::device;

namespace {

core::Record version(const std::string& status, const std::string& stamp = "") {
  core::Record r;
  r.id = "rec-1";
  r.type = "inspection";
  r.site = "yard-a";
  r.body = {{"status", status}, {"equipment_id", "TRLU1"}};
  r.stamp = stamp;
  return r;
}

WriteResult answer(const std::string& write_id, core::WriteStatus status,
                   std::optional<core::Record> record) {
  WriteResult r;
  r.write_id = write_id;
  r.id = "rec-1";
  r.status = status;
  r.record = std::move(record);
  return r;
}

const std::string kS1 = "0001795514400000-0000-gw-1";
const std::string kS2 = "0001795514500000-0000-gw-1";
const std::string kS3 = "0001795514600000-0000-gw-1";

}  // namespace

TEST_CASE("a local edit is pending with a fresh write id and the canonical stamp as base") {
  LocalRow row;
  applyLocalEdit(row, version("open"), "w1");
  CHECK(row.pending());
  CHECK(row.base.empty());
  CHECK(toWrite(row)["base"].is_null());
  CHECK(toWrite(row)["write_id"] == "w1");

  row = LocalRow{};
  row.canonical = version("open", kS1);
  applyLocalEdit(row, version("filled"), "w2");
  CHECK(row.base == kS1);
  CHECK(row.view()->body["status"] == "filled");
  // A second edit before sync replaces the first and keeps its base.
  applyLocalEdit(row, version("photos"), "w3");
  CHECK(row.write_id == "w3");
  CHECK(row.base == kS1);
  CHECK(toWrite(row)["base"] == kS1);
}

TEST_CASE("accepted: the answered edit becomes the canonical version") {
  LocalRow row;
  applyLocalEdit(row, version("open"), "w1");
  adoptResult(row, answer("w1", core::WriteStatus::kAccepted, version("open", kS1)));
  CHECK_FALSE(row.pending());
  CHECK(row.canonical->stamp == kS1);
  CHECK(row.view()->stamp == kS1);
}

TEST_CASE("accepted while a later edit is pending: the later edit stays, on top of it") {
  LocalRow row;
  applyLocalEdit(row, version("open"), "w1");
  applyLocalEdit(row, version("filled"), "w2");  // made while w1's request was in flight
  adoptResult(row, answer("w1", core::WriteStatus::kAccepted, version("open", kS1)));
  REQUIRE(row.pending());
  CHECK(row.write_id == "w2");
  CHECK(row.base == kS1);
  CHECK(row.view()->body["status"] == "filled");
}

TEST_CASE("conflict: the phone adopts what the gateway kept") {
  LocalRow row;
  row.canonical = version("open", kS1);
  applyLocalEdit(row, version("filled"), "w1");
  auto kept = version("open", kS2);
  kept.body["notes"] = "the other phone";
  adoptResult(row, answer("w1", core::WriteStatus::kConflict, kept));
  CHECK_FALSE(row.pending());
  CHECK(row.view()->body["notes"] == "the other phone");
}

TEST_CASE("rejected: a draft the gateway never had is dropped; an edit falls back") {
  LocalRow draft;
  applyLocalEdit(draft, version("submitted"), "w1");
  adoptResult(draft, answer("w1", core::WriteStatus::kRejected, std::nullopt));
  CHECK(draft.empty());

  LocalRow edit;
  edit.canonical = version("open", kS1);
  applyLocalEdit(edit, version("submitted"), "w2");
  adoptResult(edit, answer("w2", core::WriteStatus::kRejected, version("open", kS1)));
  CHECK_FALSE(edit.pending());
  CHECK(edit.view()->body["status"] == "open");
}

TEST_CASE("a pulled change never replaces a pending edit, and canonical only moves forward") {
  LocalRow row;
  row.canonical = version("open", kS2);
  adoptChange(row, version("open", kS1));  // older: ignored
  CHECK(row.canonical->stamp == kS2);
  applyLocalEdit(row, version("filled"), "w1");
  adoptChange(row, version("open", kS3));
  CHECK(row.canonical->stamp == kS3);
  CHECK(row.pending());
  CHECK(row.view()->body["status"] == "filled");
  // The pending edit keeps the base it was made from: the gateway sees it raced kS3.
  CHECK(row.base == kS2);
}

TEST_CASE("results parse strictly") {
  auto ok = writeResultFromJson(
      {{"write_id", "w"}, {"id", "rec-1"}, {"status", "accepted"}, {"record", nullptr}});
  REQUIRE(ok.isOk());
  CHECK(ok->status == core::WriteStatus::kAccepted);
  CHECK_FALSE(writeResultFromJson({{"status", "maybe"}}).isOk());
  CHECK_FALSE(writeResultFromJson({{"status", "accepted"}, {"record", {{"id", 3}}}}).isOk());
}
