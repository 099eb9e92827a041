// Retransmissions (DESIGN §2 rule 2, §3 "Write identity"): sending the same thing twice changes
// nothing; a retransmitted write keeps its original stamp.
#include <catch2/catch.hpp>

#include "harness/daemon_process.h"
#include "harness/sync_client.h"

using namespace yard::it;

namespace {

struct Yard {
  DaemonProcess daemon;
  HttpClient admin;
  SyncClient phone1;
  SyncClient phone2;

  Yard()
      : admin((daemon.start(), adminClient(daemon))),
        phone1(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1")),
        phone2(daemon.port(), enrollDevice(admin, "dev-2", "yard-a", "op-2")) {}
};

size_t countOf(const std::vector<Json>& records, const std::string& id) {
  size_t n = 0;
  for (const auto& r : records) n += r.at("id") == id ? 1 : 0;
  return n;
}

size_t auditRowsOf(HttpClient& admin, const std::string& id) {
  size_t n = 0;
  for (const auto& row : listConflicts(admin)) n += row.at("record") == id ? 1 : 0;
  return n;
}

size_t inboxCount(const Json& response, const std::string& kind) {
  size_t n = 0;
  for (const auto& notice : response.at("inbox")) n += notice.at("kind") == kind ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("the same write_id sent twice keeps its stamp and makes no new version") {
  Yard yard;
  const Json write = createWrite("inspection", inspectionBody("TGHU8771"));
  Json first = yard.phone1.sync({write});
  REQUIRE(onlyResult(first).at("status") == "accepted");
  const Json record = onlyResult(first).at("record");
  const std::string cursor = first.at("cursor");

  // The phone never saw the answer and sends the write again, from its old cursor.
  Json again = yard.phone1.sync({write}, {}, cursor);
  const Json& r = onlyResult(again);
  CHECK(r.at("status") == "accepted");
  CHECK(r.at("record") == record);
  CHECK(again.at("changes").empty());  // no new version in the change feed
  CHECK(again.at("cursor") == cursor);

  auto all = yard.phone2.pullAll();
  REQUIRE(countOf(all, record.at("id")) == 1);
  CHECK(all.back().at("stamp") == record.at("stamp"));
}

TEST_CASE("a retransmitted write that was overwritten since gets conflict, audited once") {
  Yard yard;
  const Json base =
      onlyResult(yard.phone1.sync({createWrite("inspection", inspectionBody("X1"))})).at("record");
  const std::string id = base.at("id");

  // Phone 1's edit is accepted, then overwritten by phone 2's concurrent edit from the same base.
  const Json mine = editWrite(base, inspectionBody("X1", "filled"));
  REQUIRE(onlyResult(yard.phone1.sync({mine})).at("status") == "accepted");
  Json theirs_body = inspectionBody("X1", "filled");
  theirs_body["notes"] = "theirs";
  Json won = yard.phone2.sync({editWrite(base, theirs_body)});
  REQUIRE(onlyResult(won).at("status") == "accepted");
  const Json current = onlyResult(won).at("record");
  REQUIRE(auditRowsOf(yard.admin, id) == 1);

  // Phone 1 lost the answer to its edit and sends it again.
  Json retry = yard.phone1.sync({mine});
  const Json& r = onlyResult(retry);
  CHECK(r.at("status") == "conflict");
  CHECK(r.at("record") == current);
  CHECK_FALSE(r.value("reason", "").empty());
  CHECK(auditRowsOf(yard.admin, id) == 1);    // no second audit row
  CHECK(inboxCount(retry, "conflict") == 1);  // and no second notice

  // A third time: still the same answer.
  Json third = yard.phone1.sync({mine});
  CHECK(onlyResult(third).at("status") == "conflict");
  CHECK(onlyResult(third).at("record") == current);
  CHECK(auditRowsOf(yard.admin, id) == 1);
}

TEST_CASE("a retransmission of a write replaced by a sequential edit is a conflict, not audited") {
  Yard yard;
  const Json create = createWrite("inspection", inspectionBody("X2"));
  const Json v1 = onlyResult(yard.phone1.sync({create})).at("record");
  const Json v2 =
      onlyResult(yard.phone1.sync({editWrite(v1, inspectionBody("X2", "filled"))})).at("record");

  Json retry = yard.phone1.sync({create});
  CHECK(onlyResult(retry).at("status") == "conflict");
  CHECK(onlyResult(retry).at("record") == v2);
  CHECK(auditRowsOf(yard.admin, v1.at("id")) == 0);
  CHECK(inboxCount(retry, "conflict") == 0);
}

TEST_CASE("a whole batch sent twice gives identical results and changes nothing") {
  Yard yard;
  const Json existing =
      onlyResult(yard.phone2.sync({createWrite("inspection", inspectionBody("E1"))})).at("record");

  Json bad_body = inspectionBody("R1");
  bad_body.erase("equipment_id");
  const std::vector<Json> batch{
      createWrite("inspection", inspectionBody("B1")),
      createWrite("inspection", inspectionBody("B2", "filled")),
      createWrite("gate_event", {{"direction", "in"}, {"equipment_id", "B3"}, {"lane", "2"}}),
      editWrite(existing, inspectionBody("E1", "filled")),
      createWrite("no_such_type", {{"x", 1}}),
      createWrite("inspection", bad_body),
  };
  const Json request = yard.phone1.request(batch);

  auto first = yard.phone1.post(request);
  REQUIRE(first.status == 200);
  const Json& results = first.json.at("results");
  REQUIRE(results.size() == batch.size());
  for (size_t i = 0; i < 4; ++i) CHECK(results[i].at("status") == "accepted");
  CHECK(results[4].at("status") == "rejected");
  CHECK(results[5].at("status") == "rejected");
  const auto before = yard.phone2.pullAll();
  const Json conflicts_before = listConflicts(yard.admin);

  auto second = yard.phone1.post(request);
  REQUIRE(second.status == 200);
  CHECK(second.json.at("results") == results);
  CHECK(second.json.at("inbox") == first.json.at("inbox"));

  CHECK(yard.phone2.pullAll() == before);
  CHECK(listConflicts(yard.admin) == conflicts_before);
  CHECK(inboxCount(second.json, "rejected") == 2);
}

TEST_CASE("brief results: accepted writes answered by stamp, conflicts still carry the record") {
  Yard yard;
  const Json write = createWrite("inspection", inspectionBody("TGHU8772"));
  Json req = yard.phone1.request({write});
  req["brief"] = true;
  auto first = yard.phone1.post(req);
  REQUIRE(first.status == 200);
  const Json accepted = onlyResult(first.json);
  CHECK(accepted.at("status") == "accepted");
  CHECK_FALSE(accepted.contains("record"));
  const std::string stamp = accepted.at("stamp");

  // The stamp is the canonical one: another phone pulls the same.
  auto all = yard.phone2.pullAll();
  REQUIRE(countOf(all, write.at("id")) == 1);
  CHECK(all.back().at("stamp") == stamp);

  // phone2 edits; phone1 then edits from the old base and loses: the record it must adopt
  // comes whole even in brief mode.
  Json win =
      onlyResult(yard.phone2.sync({editWrite(all.back(), inspectionBody("TGHU8772", "filled"))}));
  REQUIRE(win.at("status") == "accepted");
  Json stale = all.back();
  Json late = editWrite(stale, inspectionBody("TGHU8772", "open"));
  Json req2 = yard.phone1.request({late});
  req2["brief"] = true;
  // The late edit has a later stamp, so it wins over phone2's: accepted, by stamp.
  auto second = yard.phone1.post(req2);
  REQUIRE(second.status == 200);
  const Json& r2 = onlyResult(second.json);
  CHECK(r2.at("status") == "accepted");
  CHECK(r2.at("stamp") > win.at("record").at("stamp"));

  // A retransmission of phone2's overwritten write is a conflict: the kept record comes whole.
  Json req3 = yard.phone2.request({editWrite(all.back(), inspectionBody("TGHU8772", "filled"))});
  req3["writes"][0]["write_id"] = win.at("write_id");
  req3["brief"] = true;
  auto third = yard.phone2.post(req3);
  REQUIRE(third.status == 200);
  const Json& r3 = onlyResult(third.json);
  CHECK(r3.at("status") == "conflict");
  REQUIRE(r3.contains("record"));
  CHECK(r3.at("record").at("stamp") == r2.at("stamp"));
}
