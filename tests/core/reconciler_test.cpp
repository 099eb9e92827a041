#include <catch2/catch.hpp>

#include "core/reconciler.h"
#include "core/record_type.h"

using namespace yard::core;

namespace {

const RecordTypeRegistry& types() {
  static const RecordTypeRegistry registry = [] {
    auto r = RecordTypeRegistry::loadDirectory(YARD_TEST_RECORD_TYPES_DIR);
    REQUIRE(r.isOk());
    return std::move(r.value());
  }();
  return registry;
}

Record inspection(const std::string& status, const std::string& stamp,
                  const std::string& device = "dev-1") {
  Record r;
  r.id = "r-1";
  r.type = "inspection";
  r.site = "laredo";
  r.body = Json{{"status", status}, {"equipment_id", "TRLU4411"}};
  r.stamp = stamp;
  r.origin = Origin{device, "op-" + device, "gw-1"};
  return r;
}

Record gateEvent(const std::string& lane, const std::string& stamp) {
  Record r;
  r.id = "g-1";
  r.type = "gate_event";
  r.site = "laredo";
  r.body = Json{{"direction", "in"}, {"equipment_id", "TRLU4411"}, {"lane", lane}};
  r.stamp = stamp;
  return r;
}

const std::string S1 = "0000000000001000-0000-gw-1";
const std::string S2 = "0000000000002000-0000-gw-1";
const std::string S3 = "0000000000003000-0000-gw-1";

const RecordType& inspectionType() { return *types().find("inspection"); }

}  // namespace

TEST_CASE("LWW: a new record is accepted") {
  Decision d = decide(inspection("open", S1), std::nullopt, nullptr, inspectionType());
  CHECK(d.status == WriteStatus::kAccepted);
  CHECK(d.make_canonical);
  CHECK(d.remember_write);
  CHECK_FALSE(d.audit_canonical);
  CHECK_FALSE(d.audit_incoming);
}

TEST_CASE("LWW: a sequential edit (base is the canonical stamp) overwrites without audit") {
  Record canonical = inspection("open", S1);
  Decision d = decide(inspection("filled", S2), S1, &canonical, inspectionType());
  CHECK(d.status == WriteStatus::kAccepted);
  CHECK(d.make_canonical);
  CHECK_FALSE(d.audit_canonical);
}

TEST_CASE("LWW: a concurrent edit wins by the later stamp and audits the overwritten version") {
  Record canonical = inspection("filled", S2, "dev-1");
  Record later = inspection("open", S3, "dev-2");
  later.body["notes"] = "tyre cut";
  SECTION("stale base") {
    Decision d = decide(later, S1, &canonical, inspectionType());
    CHECK(d.status == WriteStatus::kAccepted);
    CHECK(d.audit_canonical);
  }
  SECTION("no base although the record exists (created twice offline)") {
    Decision d = decide(later, std::nullopt, &canonical, inspectionType());
    CHECK(d.status == WriteStatus::kAccepted);
    CHECK(d.audit_canonical);
  }
}

TEST_CASE("LWW: a concurrent edit with identical content loses nothing, so audits nothing") {
  Record canonical = inspection("filled", S2, "dev-1");
  Decision d = decide(inspection("filled", S3, "dev-2"), S1, &canonical, inspectionType());
  CHECK(d.status == WriteStatus::kAccepted);
  CHECK_FALSE(d.audit_canonical);
}

TEST_CASE("LWW: an older stamp (kept from a node) is a conflict and the loser is audited") {
  Record canonical = inspection("filled", S3, "dev-2");
  Decision d = decide(inspection("photos", S2, "dev-1"), S1, &canonical, inspectionType());
  CHECK(d.status == WriteStatus::kConflict);
  CHECK_FALSE(d.make_canonical);
  CHECK(d.audit_incoming);
  CHECK(d.remember_write);
  CHECK_FALSE(d.reason.empty());
}

TEST_CASE("LWW: an older stamp with the same content is a conflict without an audit row") {
  Record canonical = inspection("filled", S3, "dev-2");
  Decision d = decide(inspection("filled", S2, "dev-1"), S1, &canonical, inspectionType());
  CHECK(d.status == WriteStatus::kConflict);
  CHECK_FALSE(d.audit_incoming);
}

TEST_CASE("LWW: the canonical version itself, resent, is accepted without a new version") {
  Record canonical = inspection("filled", S2);
  Decision d = decide(inspection("filled", S2), S1, &canonical, inspectionType());
  CHECK(d.status == WriteStatus::kAccepted);
  CHECK_FALSE(d.make_canonical);
  CHECK(d.keep_canonical_stamp);
}

TEST_CASE("LWW: a winning stamp does not excuse a forbidden workflow move") {
  Record canonical = inspection("submitted", S1);
  canonical.body["signature"] = "data:sig";
  canonical.attachments.push_back(Attachment{std::string(64, 'a'), 10, "image/jpeg", "p.jpg"});
  Decision d = decide(inspection("open", S2), S1, &canonical, inspectionType());
  CHECK(d.status == WriteStatus::kRejected);
  CHECK_FALSE(d.make_canonical);
  CHECK(d.reason.find("submitted") != std::string::npos);
}

TEST_CASE("LWW: a losing stamp is a conflict even when its move would be forbidden") {
  Record canonical = inspection("submitted", S3);
  Decision d = decide(inspection("open", S2), S1, &canonical, inspectionType());
  CHECK(d.status == WriteStatus::kConflict);
}

TEST_CASE("LWW: gate events are immutable; an identical re-recording is accepted as is") {
  const RecordType& gate = *types().find("gate_event");
  Record canonical = gateEvent("3", S1);
  Decision same = decide(gateEvent("3", S2), std::nullopt, &canonical, gate);
  CHECK(same.status == WriteStatus::kAccepted);
  CHECK(same.keep_canonical_stamp);
  CHECK_FALSE(same.make_canonical);
  Decision changed = decide(gateEvent("4", S2), S1, &canonical, gate);
  CHECK(changed.status == WriteStatus::kRejected);
}

TEST_CASE("retransmits: the winner stays accepted, an overwritten write becomes a conflict") {
  Record canonical = inspection("filled", S2);
  Decision winner = decideRetransmit(S2, &canonical);
  CHECK(winner.status == WriteStatus::kAccepted);
  CHECK_FALSE(winner.make_canonical);
  CHECK_FALSE(winner.remember_write);
  CHECK_FALSE(winner.audit_incoming);

  Decision loser = decideRetransmit(S1, &canonical);
  CHECK(loser.status == WriteStatus::kConflict);
  CHECK_FALSE(loser.audit_incoming);  // audited (once) when it first lost, if it did
  CHECK_FALSE(loser.make_canonical);

  Decision gone = decideRetransmit(S1, nullptr);
  CHECK(gone.status == WriteStatus::kConflict);
}

TEST_CASE("prechecks: unknown type, another site, invalid body") {
  Record r = inspection("open", "");
  CHECK_FALSE(precheckWrite(r, &inspectionType(), "laredo"));

  r.type = "pallet";
  auto unknown = precheckWrite(r, types().find("pallet"), "laredo");
  REQUIRE(unknown);
  CHECK(unknown->find("pallet") != std::string::npos);

  Record other = inspection("open", "");
  auto site = precheckWrite(other, &inspectionType(), "nogales");
  REQUIRE(site);
  CHECK(site->find("laredo") != std::string::npos);

  Record missing = inspection("open", "");
  missing.body.erase("equipment_id");
  auto invalid = precheckWrite(missing, &inspectionType(), "laredo");
  REQUIRE(invalid);
  CHECK(invalid->find("equipment number") != std::string::npos);
}

TEST_CASE("LWW: a record of another site cannot be reached through its id") {
  Record canonical = inspection("open", S1);
  canonical.site = "nogales";
  Decision d = decide(inspection("filled", S2), S1, &canonical, inspectionType());
  CHECK(d.status == WriteStatus::kRejected);
  CHECK_FALSE(d.make_canonical);
  CHECK(d.reason.find("another site") != std::string::npos);
}
