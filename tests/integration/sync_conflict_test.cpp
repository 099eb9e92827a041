// Two phones edit the same inspection offline (DESIGN §2 rule 3, §4): the later received write
// wins at the gateway, the loser is audited once and told in plain words, and an admin can
// restore the lost version.
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <thread>

#include "harness/daemon_process.h"
#include "harness/sync_client.h"

using namespace yard::it;

namespace {

// The notices of kind in a sync response's inbox about record.
std::vector<Json> noticesOf(const Json& response, const std::string& kind,
                            const std::string& record) {
  std::vector<Json> out;
  for (const auto& n : response.at("inbox"))
    if (n.at("kind") == kind && n.at("record") == record) out.push_back(n);
  return out;
}

std::vector<Json> auditRowsOf(const Json& conflicts, const std::string& record) {
  std::vector<Json> out;
  for (const auto& row : conflicts)
    if (row.at("record") == record) out.push_back(row);
  return out;
}

// The canonical version of record as seen by phone (pulled from a null cursor).
Json canonicalOf(SyncClient& phone, const std::string& record) {
  Json found;
  for (auto& r : phone.pullAll())
    if (r.at("id") == record) found = r;
  return found;
}

}  // namespace

TEST_CASE("concurrent offline edits: the later received wins, the loser is audited and told") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone1(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  SyncClient phone2(daemon.port(), enrollDevice(admin, "dev-2", "yard-a", "op-2"));

  // The shared base: phone 1 opens the inspection, phone 2 pulls it.
  Json created = phone1.sync({createWrite("inspection", inspectionBody("TRLU4411"))});
  const Json base = onlyResult(created).at("record");
  REQUIRE(onlyResult(created).at("status") == "accepted");
  const std::string id = base.at("id");
  REQUIRE(canonicalOf(phone2, id).at("stamp") == base.at("stamp"));

  // Both edit offline from the same base.
  Json body1 = inspectionBody("TRLU4411", "filled");
  body1["notes"] = "left door dented (phone one)";
  Json body2 = inspectionBody("TRLU4411", "filled");
  body2["notes"] = "no damage (phone two)";
  const Json edit1 = editWrite(base, body1);
  const Json edit2 = editWrite(base, body2);

  Json first = phone1.sync({edit1});
  const Json& r1 = onlyResult(first);
  REQUIRE(r1.at("status") == "accepted");
  const std::string stamp1 = r1.at("record").at("stamp");
  CHECK(stamp1 > base.at("stamp").get<std::string>());

  Json second = phone2.sync({edit2});
  const Json& r2 = onlyResult(second);
  REQUIRE(r2.at("status") == "accepted");
  const Json winner = r2.at("record");
  const std::string stamp2 = winner.at("stamp");
  CHECK(stamp2 > stamp1);
  CHECK(winner.at("body") == body2);
  CHECK(winner.at("origin").at("operator") == "op-2");
  CHECK(winner.at("origin").at("device") == "dev-2");
  CHECK(noticesOf(second, "conflict", id).empty());  // the winner is told nothing

  // The loser's next sync: a plain-language conflict notice naming the equipment and winner.
  Json next = phone1.sync();
  auto notices = noticesOf(next, "conflict", id);
  REQUIRE(notices.size() == 1);
  const Json notice = notices[0];
  const std::string text = notice.at("text");
  INFO(text);
  CHECK(text.find("TRLU4411") != std::string::npos);
  CHECK(text.find("op-2") != std::string::npos);
  CHECK(notice.at("kept").at("stamp") == stamp2);
  CHECK(notice.at("yours").at("body") == body1);
  CHECK(canonicalOf(phone1, id).at("stamp") == stamp2);

  // Exactly one audit row, for the loser.
  Json rows = auditRowsOf(listConflicts(admin), id);
  REQUIRE(rows.size() == 1);
  const Json audit = rows[0];
  CHECK(audit.at("lost").at("stamp") == stamp1);
  CHECK(audit.at("lost").at("body") == body1);
  CHECK(audit.at("kept").at("stamp") == stamp2);
  CHECK(audit.at("restored") == false);

  // Acknowledging the notice removes it, in the same answer and for good.
  Json acked = phone1.sync({}, {notice.at("notice").get<std::string>()});
  CHECK(noticesOf(acked, "conflict", id).empty());
  CHECK(noticesOf(phone1.sync(), "conflict", id).empty());

  // Restore: the lost version becomes canonical under a new, greater stamp.
  const std::string restore_path = "/v1/admin/records/" + id + "/restore";
  auto restored = admin.post(restore_path, {{"audit_id", audit.at("audit_id")}});
  REQUIRE(restored.status == 200);
  const Json restored_record = restored.json;
  CHECK(restored_record.at("body") == body1);
  const std::string stamp3 = restored_record.at("stamp");
  CHECK(stamp3 > stamp2);
  CHECK(canonicalOf(phone2, id).at("stamp") == stamp3);
  CHECK(canonicalOf(phone2, id).at("body") == body1);

  // The displaced version is audited in turn; the original row is marked restored.
  rows = auditRowsOf(listConflicts(admin), id);
  REQUIRE(rows.size() == 2);
  bool displaced_audited = false;
  for (const auto& row : rows) {
    if (row.at("audit_id") == audit.at("audit_id")) {
      CHECK(row.at("restored") == true);
    } else {
      displaced_audited = row.at("lost").at("stamp") == stamp2 &&
                          row.at("lost").at("body") == body2 &&
                          row.at("kept").at("stamp") == stamp3;
    }
  }
  CHECK(displaced_audited);

  // Both authors hear about it.
  CHECK(noticesOf(phone1.sync(), "restored", id).size() == 1);
  CHECK(noticesOf(phone2.sync(), "restored", id).size() == 1);

  // Restoring the same entry twice is refused, and changes nothing.
  auto again = admin.post(restore_path, {{"audit_id", audit.at("audit_id")}});
  CHECK(again.status == 409);
  CHECK(again.json.value("error", "") == "conflict");
  CHECK(canonicalOf(phone2, id).at("stamp") == stamp3);

  // An entry that does not exist, or belongs to another record: 404.
  CHECK(admin.post(restore_path, {{"audit_id", 999999}}).status == 404);
  CHECK(
      admin
          .post("/v1/admin/records/" + newUuid() + "/restore", {{"audit_id", audit.at("audit_id")}})
          .status == 404);
}

TEST_CASE("two phones create the same record offline: one version kept, one audited") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone1(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  SyncClient phone2(daemon.port(), enrollDevice(admin, "dev-2", "yard-a", "op-2"));

  const std::string id = newUuid();
  Json body1 = inspectionBody("MSKU1234");
  body1["notes"] = "first";
  Json body2 = inspectionBody("MSKU1234");
  body2["notes"] = "second";

  Json first = phone1.sync({createWrite("inspection", body1, id)});
  REQUIRE(onlyResult(first).at("status") == "accepted");
  Json second = phone2.sync({createWrite("inspection", body2, id)});
  REQUIRE(onlyResult(second).at("status") == "accepted");
  CHECK(onlyResult(second).at("record").at("body") == body2);

  auto notices = noticesOf(phone1.sync(), "conflict", id);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].at("text").get<std::string>().find("MSKU1234") != std::string::npos);
  Json rows = auditRowsOf(listConflicts(admin), id);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("lost").at("body") == body1);
}

TEST_CASE("an edit from the canonical base overwrites without a conflict") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone1(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  SyncClient phone2(daemon.port(), enrollDevice(admin, "dev-2", "yard-a", "op-2"));

  Json created = phone1.sync({createWrite("inspection", inspectionBody("CSQU3054"))});
  const Json base = onlyResult(created).at("record");
  // Phone 2 edits from what is canonical: a sequential edit, not a concurrent one.
  Json edited = phone2.sync({editWrite(base, inspectionBody("CSQU3054", "filled"))});
  REQUIRE(onlyResult(edited).at("status") == "accepted");

  CHECK(noticesOf(phone1.sync(), "conflict", base.at("id")).empty());
  CHECK(auditRowsOf(listConflicts(admin), base.at("id")).empty());
}

TEST_CASE("restore is refused when the workflow forbids it; a foreign ack is a no-op") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone1(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  SyncClient phone2(daemon.port(), enrollDevice(admin, "dev-2", "yard-a", "op-2"));

  const Json base =
      onlyResult(phone1.sync({createWrite("inspection", inspectionBody("SUBM9999"))})).at("record");
  const std::string id = base.at("id");
  REQUIRE(onlyResult(phone1.sync({editWrite(base, inspectionBody("SUBM9999", "filled"))}))
              .at("status") == "accepted");
  // Phone 2, from the same base, submits: phone 1's "filled" version loses.
  Json submitted = inspectionBody("SUBM9999", "submitted");
  submitted["signature"] = "J. Driver";
  Json submit = editWrite(base, submitted);
  submit["attachments"] = Json::array({attachmentRef()});
  const Json kept = onlyResult(phone2.sync({submit})).at("record");
  REQUIRE(kept.at("body") == submitted);

  // Phone 2 acknowledging phone 1's notice changes nothing for phone 1.
  auto notices = noticesOf(phone1.sync(), "conflict", id);
  REQUIRE(notices.size() == 1);
  phone2.sync({}, {notices[0].at("notice").get<std::string>()});
  CHECK(noticesOf(phone1.sync(), "conflict", id).size() == 1);

  // Nothing leaves "submitted": restoring the "filled" version is refused and changes nothing.
  Json rows = auditRowsOf(listConflicts(admin), id);
  REQUIRE(rows.size() == 1);
  auto refused =
      admin.post("/v1/admin/records/" + id + "/restore", {{"audit_id", rows[0].at("audit_id")}});
  CHECK(refused.status == 409);
  CHECK(refused.json.value("error", "") == "conflict");
  CHECK(canonicalOf(phone2, id) == kept);
  rows = auditRowsOf(listConflicts(admin), id);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("restored") == false);
}

TEST_CASE("many phones edit the same base at once: one canonical, every other version audited") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  constexpr int kPhones = 6;
  std::vector<std::unique_ptr<SyncClient>> phones;
  for (int i = 0; i < kPhones; ++i)
    phones.push_back(std::make_unique<SyncClient>(
        daemon.port(),
        enrollDevice(admin, "dev-" + std::to_string(i), "yard-a", "op-" + std::to_string(i))));
  const Json base =
      onlyResult(phones[0]->sync({createWrite("inspection", inspectionBody("RACE0001"))}))
          .at("record");
  const std::string id = base.at("id");

  // Every phone sends its own edit of the same base at the same moment.
  std::vector<Json> results(kPhones);
  std::vector<std::thread> threads;
  for (int i = 0; i < kPhones; ++i) {
    threads.emplace_back([&, i] {
      Json body = inspectionBody("RACE0001", "filled");
      body["notes"] = "phone " + std::to_string(i);
      try {
        results[i] = onlyResult(phones[i]->sync({editWrite(base, body)}));
      } catch (const std::exception& e) {
        results[i] = Json{{"error", e.what()}};
      }
    });
  }
  for (auto& t : threads) t.join();

  std::string greatest;
  int winner = -1;
  for (int i = 0; i < kPhones; ++i) {
    INFO(results[i].dump());
    REQUIRE(results[i].value("status", "") == "accepted");
    const std::string stamp = results[i].at("record").at("stamp");
    if (stamp > greatest) greatest = stamp, winner = i;
  }
  const Json canonical = canonicalOf(*phones[0], id);
  CHECK(canonical.at("stamp") == greatest);
  CHECK(canonical.at("origin").at("device") == "dev-" + std::to_string(winner));

  // The version each phone wrote is either canonical or in the audit table, exactly once.
  Json rows = auditRowsOf(listConflicts(admin), id);
  CHECK(rows.size() == kPhones - 1);
  std::set<std::string> audited;
  for (const auto& row : rows) audited.insert(row.at("lost").at("stamp"));
  CHECK(audited.size() == rows.size());
  for (int i = 0; i < kPhones; ++i) {
    const std::string stamp = results[i].at("record").at("stamp");
    CHECK((stamp == greatest) != (audited.count(stamp) == 1));
    // Every phone that lost hears so, the winner does not.
    CHECK(noticesOf(phones[i]->sync(), "conflict", id).size() == (i == winner ? 0u : 1u));
  }
}
