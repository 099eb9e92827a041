// The shipped record types (config/record-types) as clients rely on them: DESIGN §4 table.
#include "core/record_type.h"

#include <catch2/catch.hpp>

namespace yard::core {
namespace {

const RecordTypeRegistry& shipped() {
  static const RecordTypeRegistry registry = [] {
    auto loaded = RecordTypeRegistry::loadDirectory(YARD_TEST_RECORD_TYPES_DIR);
    if (!loaded.isOk()) FAIL(loaded.status().message());
    return std::move(loaded.value());
  }();
  return registry;
}

const RecordType& type(std::string_view name) {
  const RecordType* t = shipped().find(name);
  REQUIRE(t != nullptr);
  return *t;
}

Record make(const std::string& type_name, Json body, size_t attachments = 0) {
  Record r;
  r.id = "rec-1";
  r.type = type_name;
  r.site = "laredo";
  r.body = std::move(body);
  for (size_t i = 0; i < attachments; ++i)
    r.attachments.push_back({std::string(64, static_cast<char>('a' + i)), 1000, "image/jpeg", ""});
  return r;
}

// Versions valid in every state, so a test changes exactly one thing.
Record inspection(const std::string& status) {
  return make("inspection",
              {{"status", status}, {"equipment_id", "TRLU4411"}, {"signature", "J. Ortiz"}}, 1);
}
Record interchange(const std::string& status) {
  return make("interchange", {{"status", status},
                              {"equipment_id", "TRLU4411"},
                              {"from_carrier", "ACME"},
                              {"to_carrier", "Borderline"},
                              {"signature", "J. Ortiz"}});
}
Record gateEvent() {
  return make("gate_event", {{"direction", "in"}, {"equipment_id", "TRLU4411"}, {"lane", "G2"}});
}

std::string versionError(const Record& r) {
  auto why = type(r.type).checkVersion(r);
  REQUIRE(why.has_value());
  return *why;
}

std::optional<std::string> transition(const Record& from, const Record& to) {
  return type(to.type).checkTransition(&from, to);
}

const std::vector<std::string> kInspectionStates = {"open", "filled", "photos", "signed",
                                                    "submitted"};

TEST_CASE("the three shipped types load", "[record_type]") {
  CHECK(shipped().names() == std::vector<std::string>{"gate_event", "inspection", "interchange"});
  CHECK(type("gate_event").immutable());
  CHECK_FALSE(type("inspection").immutable());
  CHECK_FALSE(type("interchange").immutable());
}

TEST_CASE("an unknown type is not found", "[record_type]") {
  CHECK(shipped().find("pallet") == nullptr);
  CHECK(shipped().find("") == nullptr);
  CHECK(shipped().find("Inspection") == nullptr);
}

TEST_CASE("valid versions of the shipped types pass", "[record_type]") {
  for (const auto& s : kInspectionStates)
    CHECK_FALSE(type("inspection").checkVersion(inspection(s)));
  for (const auto& s : {"draft", "signed"})
    CHECK_FALSE(type("interchange").checkVersion(interchange(s)));
  CHECK_FALSE(type("gate_event").checkVersion(gateEvent()));
  Record plain = make("inspection", {{"status", "open"}, {"equipment_id", "TRLU4411"}});
  CHECK_FALSE(type("inspection").checkVersion(plain));
}

TEST_CASE("every required field is required", "[record_type]") {
  struct Case {
    Record valid;
    std::string field;
    std::string message;
  };
  const std::vector<Case> cases = {
      {inspection("open"), "status", "inspection: a status is required"},
      {inspection("open"), "equipment_id", "inspection: an equipment number is required"},
      {gateEvent(), "direction", "gate_event: a direction (in or out) is required"},
      {gateEvent(), "equipment_id", "gate_event: an equipment number is required"},
      {gateEvent(), "lane", "gate_event: a gate lane is required"},
      {interchange("draft"), "equipment_id", "interchange: an equipment number is required"},
      {interchange("draft"), "from_carrier", "interchange: the carrier handing over is required"},
      {interchange("draft"), "to_carrier", "interchange: the carrier taking over is required"},
  };
  for (const auto& c : cases) {
    INFO(c.valid.type << "." << c.field);
    Record missing = c.valid;
    missing.body.erase(c.field);
    CHECK(versionError(missing) == c.message);
    Record null = c.valid;
    null.body[c.field] = nullptr;
    CHECK(versionError(null) == c.message);
    if (c.field != "status" && c.field != "direction") {  // those fail their enum first
      Record empty = c.valid;
      empty.body[c.field] = "";
      CHECK(versionError(empty) == c.message);
    }
    Record tombstone = missing;
    tombstone.deleted = true;
    CHECK_FALSE(type(c.valid.type).checkVersion(tombstone));
  }
}

TEST_CASE("interchange status is optional and defaults to draft", "[record_type]") {
  Record r = interchange("draft");
  r.body.erase("status");
  r.body.erase("signature");
  CHECK_FALSE(type("interchange").checkVersion(r));
  CHECK(transition(interchange("signed"), r) ==
        "interchange: cannot go from 'signed' to 'draft' (nothing leaves 'signed')");
}

TEST_CASE("declared fields must have their declared type", "[record_type]") {
  struct Case {
    Record valid;
    std::string field;
    Json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {inspection("open"), "equipment_id", 4411, "inspection: 'equipment_id' must be text"},
      {inspection("open"), "status", 1,
       "inspection: 'status' must be 'open', 'filled', 'photos', "
       "'signed' or 'submitted', not 1"},
      {inspection("open"), "odometer_km", "12000",
       "inspection: 'odometer_km' must be a whole number"},
      {inspection("open"), "odometer_km", 12.5, "inspection: 'odometer_km' must be a whole number"},
      {inspection("open"), "damage", "scratch", "inspection: 'damage' must be a list"},
      {inspection("open"), "checklist", Json::array(), "inspection: 'checklist' must be an object"},
      {gateEvent(), "loaded", "yes", "gate_event: 'loaded' must be true or false"},
      {gateEvent(), "lane", Json::array({"G2"}), "gate_event: 'lane' must be text"},
      {interchange("draft"), "to_carrier", Json::object(),
       "interchange: 'to_carrier' must be text"},
  };
  for (const auto& c : cases) {
    Record r = c.valid;
    r.body[c.field] = c.value;
    INFO(r.body.dump());
    CHECK(versionError(r) == c.message);
  }
  Record whole = inspection("open");
  whole.body["odometer_km"] = 12000.0;  // some clients only write floats
  CHECK_FALSE(type("inspection").checkVersion(whole));
}

TEST_CASE("enum fields and workflow states take only their listed values", "[record_type]") {
  Record g = gateEvent();
  g.body["direction"] = "sideways";
  CHECK(versionError(g) == "gate_event: 'direction' must be 'in' or 'out', not 'sideways'");
  g.body["direction"] = "out";
  CHECK_FALSE(type("gate_event").checkVersion(g));
  Record i = inspection("done");
  CHECK(versionError(i) ==
        "inspection: 'status' must be 'open', 'filled', 'photos', 'signed' or 'submitted', not "
        "'done'");
  Record x = interchange("Signed");
  CHECK(versionError(x) == "interchange: 'status' must be 'draft' or 'signed', not 'Signed'");
}

TEST_CASE("max lengths count characters and list items", "[record_type]") {
  Record r = inspection("open");
  r.body["equipment_id"] = std::string(64, 'X');
  CHECK_FALSE(type("inspection").checkVersion(r));
  r.body["equipment_id"] = std::string(65, 'X');
  CHECK(versionError(r) == "inspection: 'equipment_id' must be at most 64 characters");
  std::string accented;
  for (int i = 0; i < 64; ++i) accented += "\xC3\xA9";  // é: 2 bytes, 1 character
  r.body["equipment_id"] = accented;
  CHECK_FALSE(type("inspection").checkVersion(r));

  Record d = inspection("open");
  d.body["damage"] = Json(std::vector<int>(100, 1));
  CHECK_FALSE(type("inspection").checkVersion(d));
  d.body["damage"] = Json(std::vector<int>(101, 1));
  CHECK(versionError(d) == "inspection: 'damage' must have at most 100 items");

  Record n = gateEvent();
  n.body["notes"] = std::string(2001, 'n');
  CHECK(versionError(n) == "gate_event: 'notes' must be at most 2000 characters");
}

TEST_CASE("bodies are limited to 64 KiB and additional fields are allowed", "[record_type]") {
  Record r = inspection("open");
  r.body["photo_captions"] = "short";  // not declared: allowed by default
  CHECK_FALSE(type("inspection").checkVersion(r));
  const size_t base = r.body.dump().size() - 5;
  r.body["photo_captions"] = std::string(64 * 1024 - base, 'c');
  CHECK(r.body.dump().size() == 64 * 1024);
  CHECK_FALSE(type("inspection").checkVersion(r));
  r.body["photo_captions"] = std::string(64 * 1024 - base + 1, 'c');
  CHECK(versionError(r) ==
        "inspection: the record is too large (65537 bytes of fields, at most 65536)");
  r.deleted = true;  // a tombstone is no way around the limit
  CHECK(versionError(r).find("too large") != std::string::npos);
}

TEST_CASE("a body already dumped by the caller is sized as it is, not dumped again",
          "[record_type]") {
  Record r = inspection("open");
  const std::string text = r.body.dump();
  CHECK(type("inspection").checkVersion(r, text) == type("inspection").checkVersion(r));
  r.body["photo_captions"] = std::string(64 * 1024, 'c');
  const std::string big = r.body.dump();
  CHECK(type("inspection").checkVersion(r, big) == type("inspection").checkVersion(r));
  CHECK(type("inspection").checkVersion(r, big)->find("too large") != std::string::npos);
}

TEST_CASE("a version is checked against its own type only", "[record_type]") {
  CHECK(type("inspection").checkVersion(gateEvent()) ==
        "inspection: the record is of type 'gate_event'");
  Record r = gateEvent();
  r.body = Json::array();
  CHECK(versionError(r) == "gate_event: the body must be an object");
}

TEST_CASE("what submitted and signed require", "[record_type]") {
  Record r = inspection("submitted");
  r.body.erase("signature");
  CHECK(versionError(r) == "inspection: 'submitted' needs a signature");
  r.body["signature"] = "";
  CHECK(versionError(r) == "inspection: 'submitted' needs a signature");
  r = inspection("submitted");
  r.attachments.clear();
  CHECK(versionError(r) == "inspection: 'submitted' needs at least 1 attachment");
  for (const auto& s : {"open", "filled", "photos", "signed"}) {
    Record earlier = make("inspection", {{"status", s}, {"equipment_id", "TRLU4411"}});
    CHECK_FALSE(type("inspection").checkVersion(earlier));
  }
  Record signature_image = inspection("submitted");
  signature_image.body["signature"] = {{"sha256", std::string(64, 'f')}};
  CHECK_FALSE(type("inspection").checkVersion(signature_image));

  Record x = interchange("signed");
  x.body.erase("signature");
  CHECK(versionError(x) == "interchange: 'signed' needs a signature");
  x.body["status"] = "draft";
  CHECK_FALSE(type("interchange").checkVersion(x));
}

TEST_CASE("inspection transitions: a later state is allowed when reachable", "[record_type]") {
  // (from, to) pairs that are refused; every other pair of states is reachable, because a phone
  // may walk several steps offline and sync only the last one.
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"signed", "open"},      {"signed", "filled"},    {"signed", "photos"},
      {"submitted", "open"},   {"submitted", "filled"}, {"submitted", "photos"},
      {"submitted", "signed"},
  };
  for (const auto& from : kInspectionStates) {
    for (const auto& to : kInspectionStates) {
      INFO(from << " -> " << to);
      const auto why = transition(inspection(from), inspection(to));
      const bool is_refused =
          std::find(refused.begin(), refused.end(), std::pair(from, to)) != refused.end();
      CHECK(why.has_value() == is_refused);
      if (!is_refused) continue;
      const std::string move = "inspection: cannot go from '" + from + "' to '" + to + "'";
      if (from == "submitted")
        CHECK(*why == move + " (nothing leaves 'submitted')");
      else
        CHECK(*why == move + " (from 'signed' it can only go to 'submitted')");
    }
  }
}

TEST_CASE("interchange transitions: draft to signed, nothing leaves signed", "[record_type]") {
  CHECK_FALSE(transition(interchange("draft"), interchange("signed")));
  CHECK_FALSE(transition(interchange("draft"), interchange("draft")));
  CHECK_FALSE(transition(interchange("signed"), interchange("signed")));
  CHECK(transition(interchange("signed"), interchange("draft")) ==
        "interchange: cannot go from 'signed' to 'draft' (nothing leaves 'signed')");
}

TEST_CASE("writing the same state again is always allowed", "[record_type]") {
  for (const auto& s : kInspectionStates) {
    Record edited = inspection(s);
    edited.body["notes"] = "left mirror cracked";
    edited.attachments.push_back({std::string(64, 'e'), 10, "image/png", "mirror.png"});
    INFO(s);
    CHECK_FALSE(transition(inspection(s), edited));
  }
}

TEST_CASE("a new record may start in any state", "[record_type]") {
  for (const auto& s : kInspectionStates)
    CHECK_FALSE(type("inspection").checkTransition(nullptr, inspection(s)));
  CHECK_FALSE(type("interchange").checkTransition(nullptr, interchange("signed")));
  CHECK_FALSE(type("gate_event").checkTransition(nullptr, gateEvent()));
}

TEST_CASE("a gate event cannot change once recorded", "[record_type]") {
  const Record kept = gateEvent();
  Record same = kept;
  same.stamp = "0001732456789012-0003-gw-laredo-1";
  same.origin = {"dev-9", "op-9", "gw-laredo-1"};
  same.client_time = "2026-11-24T10:02:11Z";
  same.write_id = "w-2";
  same.assigned_to = {"op-9"};  // who must see it is not what happened at the gate
  CHECK_FALSE(transition(kept, same));

  const std::string changed = "gate_event: a gate event cannot be changed once recorded";
  Record body = kept;
  body.body["lane"] = "G3";
  CHECK(transition(kept, body) == changed);
  Record extra = kept;
  extra.body["notes"] = "late";
  CHECK(transition(kept, extra) == changed);
  Record photo = kept;
  photo.attachments.push_back({std::string(64, 'c'), 1, "image/jpeg", ""});
  CHECK(transition(kept, photo) == changed);
  Record gone = kept;
  gone.deleted = true;
  CHECK(transition(kept, gone) == "gate_event: a gate event cannot be deleted once recorded");
}

TEST_CASE("tombstones", "[record_type]") {
  SECTION("skip required fields and state requirements") {
    Record r = make("inspection", Json::object());
    r.deleted = true;
    CHECK_FALSE(type("inspection").checkVersion(r));
    Record s = inspection("submitted");
    s.attachments.clear();
    s.deleted = true;
    CHECK_FALSE(type("inspection").checkVersion(s));
  }
  SECTION("may delete a record in any state but a terminal one") {
    for (const auto& s : {"open", "filled", "photos", "signed"}) {
      Record gone = make("inspection", Json::object());
      gone.deleted = true;
      INFO(s);
      CHECK_FALSE(transition(inspection(s), gone));
    }
    Record gone = inspection("submitted");
    gone.deleted = true;
    CHECK(transition(inspection("submitted"), gone) ==
          "inspection: an inspection in 'submitted' cannot be deleted");
    Record x = interchange("signed");
    x.deleted = true;
    CHECK(transition(interchange("signed"), x) ==
          "interchange: an interchange in 'signed' cannot be deleted");
    x.body["status"] = "draft";
    CHECK_FALSE(transition(interchange("draft"), x));
  }
  SECTION("a deleted record may be written again in any state") {
    // Last writer wins: a phone that edited offline may overwrite a delete.
    Record gone = inspection("signed");
    gone.deleted = true;
    CHECK_FALSE(transition(gone, inspection("open")));
    CHECK_FALSE(transition(gone, inspection("submitted")));
  }
}

TEST_CASE("a record keeps its type", "[record_type]") {
  Record kept = gateEvent();
  Record as_inspection = inspection("open");
  CHECK(transition(kept, as_inspection) ==
        "inspection: this record is a gate event and cannot become an inspection");
}

}  // namespace
}  // namespace yard::core
