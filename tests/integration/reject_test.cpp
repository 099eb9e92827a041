// Rejected writes (DESIGN §4): an invalid write is answered `rejected` with a reason, nothing
// about it becomes canonical, the device gets a `rejected` notice, and the valid writes of the
// same batch are still accepted.
#include <catch2/catch.hpp>

#include <map>

#include "harness/daemon_process.h"
#include "harness/sync_client.h"

using namespace yard::it;

namespace {

Json submittedBody(const std::string& equipment_id) {
  Json body = inspectionBody(equipment_id, "submitted");
  body["signature"] = "J. Driver";
  return body;
}

Json gateBody(const std::string& equipment_id, const std::string& lane) {
  return Json{{"direction", "in"}, {"equipment_id", equipment_id}, {"lane", lane}};
}

const Json* findById(const std::vector<Json>& records, const std::string& id) {
  for (const auto& r : records)
    if (r.at("id") == id) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("invalid writes are rejected with a reason; valid ones in the batch are accepted") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  SyncClient other(daemon.port(), enrollDevice(admin, "dev-2", "yard-a", "op-2"));

  // Existing canonical records: a submitted inspection and an accepted gate event.
  Json submit = createWrite("inspection", submittedBody("SUBM0001"));
  submit["attachments"] = Json::array({attachmentRef()});
  Json setup = phone.sync({submit, createWrite("gate_event", gateBody("GATE0001", "1"))});
  REQUIRE(setup.at("results")[0].at("status") == "accepted");
  REQUIRE(setup.at("results")[1].at("status") == "accepted");
  const Json submitted = setup.at("results")[0].at("record");
  const Json gate = setup.at("results")[1].at("record");

  Json missing_field = inspectionBody("NOEQ");
  missing_field.erase("equipment_id");
  Json no_signature = inspectionBody("NOSIG001", "submitted");
  Json no_attachment = createWrite("inspection", submittedBody("NOATT001"));
  Json no_signature_write = createWrite("inspection", no_signature);
  no_signature_write["attachments"] = Json::array({attachmentRef()});
  Json reopened = editWrite(submitted, inspectionBody("SUBM0001", "open"));
  Json deleted = editWrite(submitted, submittedBody("SUBM0001"));
  deleted["deleted"] = true;
  Json wrong_site = createWrite("inspection", inspectionBody("SITE0001"));
  wrong_site["site"] = "yard-b";
  Json bad_type = inspectionBody("TYPE0001");
  bad_type["odometer_km"] = "many";

  struct Case {
    const char* what;
    Json write;
    const Json* kept;  // the canonical record that must stay, or nullptr: none may exist
  };
  const std::vector<Case> invalid{
      {"unknown type", createWrite("container_party", {{"equipment_id", "PARTY001"}}), nullptr},
      {"missing required field", createWrite("inspection", missing_field), nullptr},
      {"forbidden transition submitted -> open", reopened, &submitted},
      {"deleting a submitted inspection", deleted, &submitted},
      {"submitted without signature", no_signature_write, nullptr},
      {"submitted without attachment", no_attachment, nullptr},
      {"gate event changed after acceptance", editWrite(gate, gateBody("GATE0001", "7")), &gate},
      {"wrong site", wrong_site, nullptr},
      {"changing a record's type",
       createWrite("interchange",
                   {{"equipment_id", "GATE0001"}, {"from_carrier", "A"}, {"to_carrier", "B"}},
                   gate.at("id")),
       &gate},
      {"field of the wrong type", createWrite("inspection", bad_type), nullptr},
  };
  const Json valid_before = createWrite("inspection", inspectionBody("GOOD0001"));
  const Json valid_after = createWrite("gate_event", gateBody("GOOD0002", "3"));

  std::vector<Json> writes{valid_before};
  for (const auto& c : invalid) writes.push_back(c.write);
  writes.push_back(valid_after);
  Json response = phone.sync(writes);
  const Json& results = response.at("results");
  REQUIRE(results.size() == writes.size());

  CHECK(results.front().at("status") == "accepted");
  CHECK(results.back().at("status") == "accepted");
  std::map<std::string, Json> notices;
  for (const auto& n : response.at("inbox"))
    if (n.at("kind") == "rejected") notices[n.at("notice")] = n;

  for (size_t i = 0; i < invalid.size(); ++i) {
    const Case& c = invalid[i];
    const Json& r = results[i + 1];
    INFO(c.what << ": " << r.dump());
    CHECK(r.at("write_id") == c.write.at("write_id"));
    CHECK(r.at("status") == "rejected");
    CHECK_FALSE(r.value("reason", "").empty());
    if (c.kept)
      CHECK(r.at("record") == *c.kept);
    else
      CHECK(r.at("record").is_null());
    // A rejected notice about this write, in plain words.
    const std::string notice_id = "r-" + c.write.at("write_id").get<std::string>();
    REQUIRE(notices.count(notice_id) == 1);
    CHECK(notices[notice_id].at("record") == c.write.at("id"));
    CHECK_FALSE(notices[notice_id].at("text").get<std::string>().empty());
  }

  // Nothing about the rejected writes became canonical.
  const auto seen = other.pullAll();
  CHECK(seen.size() == 4);  // the two set-up records and the two valid writes
  const Json* still_submitted = findById(seen, submitted.at("id"));
  REQUIRE(still_submitted);
  CHECK(*still_submitted == submitted);
  const Json* still_gate = findById(seen, gate.at("id"));
  REQUIRE(still_gate);
  CHECK(*still_gate == gate);
  for (const auto& c : invalid)
    if (!c.kept) CHECK(findById(seen, c.write.at("id")) == nullptr);
  CHECK(listConflicts(admin).empty());
}

TEST_CASE("a rejected notice names the record, and the device can still fix its write") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));

  Json draft = createWrite("inspection", inspectionBody("FIXM0001", "submitted"));
  Json refused = phone.sync({draft});
  REQUIRE(onlyResult(refused).at("status") == "rejected");
  REQUIRE(refused.at("inbox").size() == 1);
  const Json notice = refused.at("inbox")[0];
  CHECK(notice.at("kind") == "rejected");
  CHECK(notice.at("text").get<std::string>().find("FIXM0001") != std::string::npos);
  CHECK(notice.at("kept").is_null());

  // The same record, now complete, under a new write id.
  Json fixed = createWrite("inspection", submittedBody("FIXM0001"), draft.at("id"));
  fixed["attachments"] = Json::array({attachmentRef()});
  Json accepted = phone.sync({fixed}, {notice.at("notice").get<std::string>()});
  CHECK(onlyResult(accepted).at("status") == "accepted");
  CHECK(accepted.at("inbox").empty());

  // An identical gate event recorded twice under two write ids is one version, not a reject.
  const Json gate = createWrite("gate_event", gateBody("TWICE001", "4"));
  const Json first = onlyResult(phone.sync({gate})).at("record");
  Json again = createWrite("gate_event", gateBody("TWICE001", "4"), gate.at("id"));
  const Json r = onlyResult(phone.sync({again}));
  CHECK(r.at("status") == "accepted");
  CHECK(r.at("record").at("stamp") == first.at("stamp"));
}

TEST_CASE("a device of another site cannot reach a record by its id") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  SyncClient intruder(daemon.port(), enrollDevice(admin, "dev-b", "yard-b", "op-9"));

  const Json record =
      onlyResult(phone.sync({createWrite("inspection", inspectionBody("MINE0001"))})).at("record");
  // The other site's device learnt the id and writes "its own" record under it.
  Json takeover = createWrite("inspection", inspectionBody("MINE0001", "filled"), record.at("id"));
  Json answer = intruder.sync({takeover});
  const Json r = onlyResult(answer);
  CHECK(r.at("status") == "rejected");
  CHECK_FALSE(r.value("reason", "").empty());
  // It learns nothing about the record either.
  CHECK(r.at("record").is_null());
  CHECK(answer.at("changes").empty());
  for (const auto& notice : answer.at("inbox")) {
    INFO(notice.dump());
    CHECK(notice.at("kept").is_null());
    CHECK(notice.at("text").get<std::string>().find("op-1") == std::string::npos);
  }

  auto mine = phone.pullAll();
  REQUIRE(mine.size() == 1);
  CHECK(mine[0] == record);
  CHECK(intruder.pullAll().empty());
}
