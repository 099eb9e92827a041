#include "core/record.h"

#include <catch2/catch.hpp>

namespace yard::core {
namespace {

const std::string kSha(64, 'a');

Record fullRecord() {
  Record r;
  r.id = "5f0c6a1e-2b1d-4c39-9a4e-0d3c1e7b9a10";
  r.type = "inspection";
  r.site = "laredo";
  r.body = {{"status", "filled"}, {"equipment_id", "TRLU4411"}, {"damage", {1, 2}}};
  r.attachments = {{kSha, 5000000, "image/jpeg", "front.jpg"}, {std::string(64, 'b'), 0, "", ""}};
  r.deleted = false;
  r.assigned_to = {"op-7", "op-9"};
  r.stamp = "0001732456789012-0003-gw-laredo-1";
  r.origin = {"dev-7", "op-7", "gw-laredo-1"};
  r.client_time = "2026-11-24T10:02:11Z";
  r.write_id = "w-1";
  r.base = "0001732456780000-0000-gw-laredo-1";
  return r;
}

Json validJson() { return toJson(fullRecord()); }

std::string errorOf(const Json& json) {
  auto r = recordFromJson(json);
  REQUIRE_FALSE(r.isOk());
  CHECK(r.status().code() == Code::kInvalid);
  return r.status().message();
}

TEST_CASE("a record survives a JSON round trip", "[record]") {
  const Record in = fullRecord();
  auto out = recordFromJson(Json::parse(toJson(in).dump()));
  REQUIRE(out.isOk());
  CHECK(out->sameContent(in));
  CHECK(out->stamp == in.stamp);
  CHECK(out->origin == in.origin);
  CHECK(out->client_time == in.client_time);
  CHECK(out->write_id == in.write_id);
  CHECK(out->base == in.base);
  CHECK(toJson(*out) == toJson(in));
}

TEST_CASE("toJson writes every canonical key, operator under its wire name", "[record]") {
  const Json j = toJson(Record{});
  for (const char* key : {"id", "type", "site", "body", "attachments", "deleted", "assigned_to",
                          "stamp", "origin", "client_time", "write_id", "base"})
    CHECK(j.contains(key));
  CHECK(j.size() == 12);
  CHECK(j["base"] == nullptr);  // spelled as in a sync write: null for a new record
  CHECK(toJson(fullRecord())["base"] == "0001732456780000-0000-gw-laredo-1");
  CHECK(j["origin"] == Json{{"device", ""}, {"operator", ""}, {"node", ""}});
  CHECK(j["client_time"] == "");
  CHECK(j["body"] == Json::object());
  CHECK(j["attachments"] == Json::array());
  CHECK(toJson(fullRecord().attachments[0]) ==
        Json{{"sha256", kSha}, {"size", 5000000}, {"mime", "image/jpeg"}, {"name", "front.jpg"}});
}

TEST_CASE("only id, type and site are needed; absent and null take defaults", "[record]") {
  for (const Json& extra : {Json::object(), Json{{"body", nullptr},
                                                 {"attachments", nullptr},
                                                 {"deleted", nullptr},
                                                 {"assigned_to", nullptr},
                                                 {"stamp", nullptr},
                                                 {"origin", nullptr},
                                                 {"client_time", nullptr},
                                                 {"write_id", nullptr}}}) {
    Json j = {{"id", "r1"}, {"type", "gate_event"}, {"site", "s1"}};
    j.update(extra);
    auto r = recordFromJson(j);
    REQUIRE(r.isOk());
    CHECK(r->body == Json::object());
    CHECK(r->attachments.empty());
    CHECK_FALSE(r->deleted);
    CHECK(r->assigned_to.empty());
    CHECK(r->stamp.empty());
    CHECK(r->origin == Origin{});
    CHECK(r->client_time.empty());
    CHECK(r->base.empty());
  }
}

TEST_CASE("unknown keys are ignored so newer nodes' records stay readable", "[record]") {
  Json j = validJson();
  j["priority"] = "high";
  j["origin"]["app_version"] = "9.1";
  j["attachments"][0]["width"] = 640;
  REQUIRE(recordFromJson(j).isOk());
}

TEST_CASE("a record with a wrong type names the field", "[record]") {
  struct Case {
    const char* pointer;
    Json value;
    std::string message;
  };
  const std::string id_rule = " must be 1-128 characters of A-Z a-z 0-9 . _ : @ -";
  const std::vector<Case> cases = {
      {"/id", 7, "id is required and must be a string"},
      {"/id", "", "id" + id_rule},
      {"/id", "has space", "id" + id_rule},
      {"/type", nullptr, "type is required and must be a string"},
      {"/type", "gate/event", "type" + id_rule},
      {"/site", Json::array(), "site is required and must be a string"},
      {"/site", std::string(129, 's'), "site" + id_rule},
      {"/body", Json::array(), "body must be an object"},
      {"/body", "{}", "body must be an object"},
      {"/deleted", "false", "deleted must be true or false"},
      {"/deleted", 0, "deleted must be true or false"},
      {"/attachments", Json::object(), "attachments must be an array"},
      {"/assigned_to", "op-7", "assigned_to must be an array of ids"},
      {"/assigned_to", {"op-7", 7}, "assigned_to[1]" + id_rule},
      {"/assigned_to", {"op 7"}, "assigned_to[0]" + id_rule},
      {"/stamp", 17, "stamp must be a string"},
      {"/origin", "dev-7", "origin must be an object"},
      {"/origin/device", 7, "origin.device must be a string"},
      {"/origin/operator", true, "origin.operator must be a string"},
      {"/origin/node", Json::object(), "origin.node must be a string"},
      {"/client_time", 1732456789, "client_time must be a string"},
      {"/client_time", std::string(65, '1'), "client_time is longer than 64 bytes"},
      {"/write_id", 3, "write_id must be a string"},
      {"/base", false, "base must be a string"},
  };
  for (const auto& c : cases) {
    Json j = validJson();
    j[Json::json_pointer(c.pointer)] = c.value;
    INFO(c.pointer << " = " << c.value.dump());
    CHECK(errorOf(j) == c.message);
  }
  CHECK(errorOf(Json::array()) == "a record must be a JSON object");
  Json missing = validJson();
  missing.erase("site");
  CHECK(errorOf(missing) == "site is required and must be a string");
}

TEST_CASE("attachment errors name the attachment and its field", "[record]") {
  struct Case {
    Json attachment;
    std::string message;
  };
  const Json good = {{"sha256", kSha}, {"size", 1}, {"mime", "image/jpeg"}, {"name", "a.jpg"}};
  auto with = [&](const char* key, Json value) {
    Json a = good;
    if (value.is_discarded())
      a.erase(key);
    else
      a[key] = std::move(value);
    return a;
  };
  const Json gone = Json::value_t::discarded;
  const std::vector<Case> cases = {
      {"x", "attachments[2] must be an object"},
      {with("sha256", gone), "attachments[2].sha256 must be 64 lowercase hex digits"},
      {with("sha256", std::string(64, 'A')),
       "attachments[2].sha256 must be 64 lowercase hex digits"},
      {with("sha256", std::string(63, 'a')),
       "attachments[2].sha256 must be 64 lowercase hex digits"},
      {with("size", gone), "attachments[2].size must be a non-negative integer"},
      {with("size", -1), "attachments[2].size must be a non-negative integer"},
      {with("size", 1.5), "attachments[2].size must be a non-negative integer"},
      {with("size", "10"), "attachments[2].size must be a non-negative integer"},
      {with("size", uint64_t{1} << 63), "attachments[2].size must be a non-negative integer"},
      {with("mime", 5), "attachments[2].mime must be a string"},
      {with("name", std::string(256, 'n')), "attachments[2].name is longer than 255 bytes"},
  };
  for (const auto& c : cases) {
    const Json list = {good, good, c.attachment};
    INFO(c.attachment.dump());
    auto direct = attachmentsFromJson(list);
    REQUIRE_FALSE(direct.isOk());
    CHECK(direct.status().message() == c.message);
    Json j = validJson();
    j["attachments"] = list;
    CHECK(errorOf(j) == c.message);
  }
}

TEST_CASE("attachments parse with optional mime and name", "[record]") {
  auto list = attachmentsFromJson(Json::parse(R"([{"sha256":")" + kSha + R"(","size":0}])"));
  REQUIRE(list.isOk());
  REQUIRE(list->size() == 1);
  CHECK(list.value()[0] == Attachment{kSha, 0, "", ""});
  auto big = attachmentsFromJson(Json{{{"sha256", kSha}, {"size", INT64_MAX}}});
  REQUIRE(big.isOk());
  CHECK(big.value()[0].size == INT64_MAX);
}

TEST_CASE("ids are 1-128 characters of a safe alphabet", "[record]") {
  for (const std::string& ok :
       std::vector<std::string>{"a", "Z9", "dev-7", "op.jane_doe", "urn:yard:1", "jane@laredo",
                                std::string(128, 'x'), "5f0c6a1e-2b1d-4c39-9a4e-0d3c1e7b9a10"})
    CHECK(isValidId(ok));
  for (const std::string& bad :
       std::vector<std::string>{"", std::string(129, 'x'), "a b", "a/b", "a+b", "dev#1", "é",
                                std::string("a\0b", 3), "a\n", "../x"})
    CHECK_FALSE(isValidId(bad));
}

TEST_CASE("sha256 digests are 64 lowercase hex digits", "[record]") {
  CHECK(isValidSha256(std::string(64, '0')));
  CHECK(isValidSha256("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  for (const std::string& bad :
       std::vector<std::string>{std::string(), std::string(63, 'a'), std::string(65, 'a'),
                                std::string(64, 'A'), std::string(64, 'g'),
                                "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"})
    CHECK_FALSE(isValidSha256(bad));
}

TEST_CASE("sameContent ignores stamps, origins, client times, write ids and bases", "[record]") {
  const Record a = fullRecord();
  Record b = a;
  b.stamp = "0001732456789999-0000-hub";
  b.origin = {"dev-9", "op-9", "hub"};
  b.client_time = "";
  b.write_id = "w-2";
  b.base = "";
  CHECK(a.sameContent(b));

  const std::vector<std::pair<const char*, void (*)(Record&)>> changes = {
      {"id", [](Record& r) { r.id = "other"; }},
      {"type", [](Record& r) { r.type = "gate_event"; }},
      {"site", [](Record& r) { r.site = "other"; }},
      {"body", [](Record& r) { r.body["notes"] = "dent"; }},
      {"attachments", [](Record& r) { r.attachments.pop_back(); }},
      {"attachment name", [](Record& r) { r.attachments[0].name = "back.jpg"; }},
      {"deleted", [](Record& r) { r.deleted = true; }},
      {"assigned_to", [](Record& r) { r.assigned_to.clear(); }},
  };
  for (const auto& [what, change] : changes) {
    Record c = a;
    change(c);
    INFO(what);
    CHECK_FALSE(a.sameContent(c));
    CHECK_FALSE(c.sameContent(a));
  }
}

}  // namespace
}  // namespace yard::core
