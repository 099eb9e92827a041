// Type files (docs/record-types.md): what the parser refuses, the rules a custom type can
// express, and loading a directory.
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/record_type.h"

namespace yard::core {
namespace {

namespace fs = std::filesystem;

// A small type touching every feature; each bad-file case breaks one key of it.
Json pallet() {
  return Json::parse(R"({
    "name": "pallet",
    "description": "test type",
    "fields": {
      "stage": {"type": "string"},
      "count": {"type": "integer"},
      "weight": {"type": "number"},
      "size": {"type": "string", "enum": ["S", "M", "L"], "max_length": 1},
      "tags": {"type": "array", "max_length": 2},
      "extra": {"type": "object"},
      "ok": {"type": "boolean"},
      "photo": {"type": "any", "label": "a photo of the pallet"}
    },
    "required": ["count"],
    "additional_fields": false,
    "max_body_bytes": 200,
    "workflow": {
      "field": "stage",
      "states": ["new", "packed", "shipped", "lost"],
      "initial": "new",
      "transitions": {"new": ["packed", "lost"], "packed": ["shipped"]},
      "requires": {"packed": {"fields": ["photo"], "min_attachments": 2}}
    }
  })");
}

RecordType parsed(const Json& json) {
  auto t = RecordType::fromJson(json);
  if (!t.isOk()) FAIL(t.status().message());
  return std::move(t.value());
}

Record version(Json body, bool deleted = false) {
  Record r;
  r.id = "p1";
  r.type = "pallet";
  r.site = "laredo";
  r.body = std::move(body);
  r.deleted = deleted;
  return r;
}

TEST_CASE("bad type files are refused naming the key", "[record_type]") {
  struct Case {
    const char* pointer;  // JSON pointer into pallet(); "" replaces the whole file
    Json value;           // discarded: remove the key
    std::string message;
  };
  const Json gone = Json::value_t::discarded;
  const std::vector<Case> cases = {
      {"", Json::array(), "a record type must be a JSON object"},
      {"/name", gone, "name must be 1-128 characters of A-Z a-z 0-9 . _ : @ -"},
      {"/name", "pallet type", "name must be 1-128 characters of A-Z a-z 0-9 . _ : @ -"},
      {"/requierd", Json::array(), "unknown key requierd"},
      {"/description", 5, "description must be a string"},
      {"/fields", Json::array(), "fields must be an object"},
      {"/fields/count", "integer", "fields.count must be an object"},
      {"/fields/count/type", gone,
       "fields.count.type must be one of string, number, integer, boolean, object, array, any"},
      {"/fields/count/type", "int",
       "fields.count.type must be one of string, number, integer, boolean, object, array, any"},
      {"/fields/count/min", 0, "unknown key fields.count.min"},
      {"/fields/size/enum", Json::array(), "fields.size.enum must be a non-empty list"},
      {"/fields/size/enum/1", 2, "fields.size.enum[1] is not of type string"},
      {"/fields/count/max_length", 3,
       "fields.count.max_length applies only to string and array fields"},
      {"/fields/tags/max_length", 0, "fields.tags.max_length must be an integer of at least 1"},
      {"/fields/tags/max_length", "2", "fields.tags.max_length must be an integer of at least 1"},
      {"/fields/photo/label", "", "fields.photo.label must be a non-empty string"},
      {"/fields/stage/enum",
       {"new"},
       "fields.stage is the workflow field: declare it as a string without enum"},
      {"/fields/stage/type", "integer",
       "fields.stage is the workflow field: declare it as a string without enum"},
      {"/required", "count", "required must be a list of names"},
      {"/required", {"count", "count"}, "required[1] repeats 'count'"},
      {"/required", {"count", ""}, "required[1] must be a non-empty string"},
      {"/required",
       {"colour"},
       "required names 'colour', which is not declared in fields and additional_fields is false"},
      {"/additional_fields", "no", "additional_fields must be true or false"},
      {"/max_body_bytes", 0, "max_body_bytes must be an integer of at least 1"},
      {"/max_body_bytes", -5, "max_body_bytes must be an integer of at least 1"},
      {"/max_body_bytes", 1.5, "max_body_bytes must be an integer of at least 1"},
      {"/immutable", "yes", "immutable must be true or false"},
      {"/immutable", true, "workflow: an immutable type has no workflow"},
      {"/workflow", Json::array(), "workflow must be an object"},
      {"/workflow/on", "stage", "unknown key workflow.on"},
      {"/workflow/field", gone, "workflow.field must be a non-empty string"},
      {"/workflow/states", Json::array(), "workflow.states must be a non-empty list of names"},
      {"/workflow/states/1", "new", "workflow.states[1] repeats 'new'"},
      {"/workflow/initial", "old", "workflow.initial must be one of workflow.states"},
      {"/workflow/initial", gone, "workflow.initial is needed when 'stage' is not in required"},
      {"/workflow/transitions", Json::array(), "workflow.transitions must be an object"},
      {"/workflow/transitions/gone",
       {"new"},
       "workflow.transitions.gone must be one of workflow.states"},
      {"/workflow/transitions/new", "packed", "workflow.transitions.new must be a list of states"},
      {"/workflow/transitions/new/1", "sold",
       "workflow.transitions.new[1] must be one of workflow.states"},
      {"/workflow/terminal",
       {"packed"},
       "workflow.terminal[0]: 'packed' has transitions out of it, so it is not terminal"},
      {"/workflow/terminal", {"gone"}, "workflow.terminal[0] must be one of workflow.states"},
      {"/workflow/requires/sold", Json::object(),
       "workflow.requires.sold must be one of workflow.states"},
      {"/workflow/requires/packed", 1, "workflow.requires.packed must be an object"},
      {"/workflow/requires/packed/when", 1, "unknown key workflow.requires.packed.when"},
      {"/workflow/requires/packed/min_attachments", -1,
       "workflow.requires.packed.min_attachments must be an integer of at least 0"},
      {"/workflow/requires/packed/fields",
       {"barcode"},
       "workflow.requires.packed.fields names 'barcode', which is not declared in fields and "
       "additional_fields is false"},
  };
  for (const auto& c : cases) {
    Json file = pallet();
    const Json::json_pointer at(c.pointer);
    if (c.value.is_discarded())
      file[at.parent_pointer()].erase(at.back());
    else
      file[at] = c.value;
    INFO(c.pointer << " = " << c.value.dump());
    auto t = RecordType::fromJson(file);
    REQUIRE_FALSE(t.isOk());
    CHECK(t.status().code() == Code::kInvalid);
    CHECK(t.status().message() == c.message);
  }
}

TEST_CASE("a minimal type file takes the defaults", "[record_type]") {
  const RecordType t = parsed({{"name", "note"}});
  CHECK(t.name() == "note");
  CHECK_FALSE(t.immutable());
  Record r = version({{"anything", {1, "two"}}});
  r.type = "note";
  CHECK_FALSE(t.checkVersion(r));
  r.body["anything"] = std::string(64 * 1024, 'x');
  CHECK(t.checkVersion(r).value().find("too large") != std::string::npos);
}

TEST_CASE("a custom type's field rules", "[record_type]") {
  const RecordType t = parsed(pallet());
  struct Case {
    Json body;
    std::optional<std::string> reason;
  };
  const std::vector<Case> cases = {
      {{{"count", 3}}, std::nullopt},
      {{{"count", 3.0}, {"weight", 2}, {"size", "M"}, {"ok", false}}, std::nullopt},
      {{{"count", 3}, {"weight", 2.5}, {"tags", {1, 2}}, {"extra", {{"a", 1}}}}, std::nullopt},
      {{{"count", 3}, {"size", nullptr}, {"photo", nullptr}}, std::nullopt},  // null is absent
      {{{"count", 3}, {"colour", "red"}}, "pallet: unknown field 'colour'"},
      {{{"count", 3}, {"weight", "2"}}, "pallet: 'weight' must be a number"},
      {{{"count", 3}, {"size", "XL"}}, "pallet: 'size' must be 'S', 'M' or 'L', not 'XL'"},
      {{{"count", 3}, {"tags", {1, 2, 3}}}, "pallet: 'tags' must have at most 2 items"},
      {{{"count", 1e300}}, "pallet: 'count' must be a whole number"},
      {{{"count", false}}, "pallet: 'count' must be a whole number"},
      {{{"weight", 1}}, "pallet: a count is required"},
      {{{"count", 3}, {"stage", "packed"}}, "pallet: 'packed' needs a photo of the pallet"},
      {{{"count", 3}, {"stage", "packed"}, {"photo", Json::object()}},
       "pallet: 'packed' needs a photo of the pallet"},
      {{{"count", 3}, {"stage", "packed"}, {"photo", "p"}},
       "pallet: 'packed' needs at least 2 attachments"},
      {{{"count", 3}, {"extra", std::string(200, 'x')}},
       "pallet: the record is too large (222 bytes of fields, at most 200)"},
  };
  for (const auto& c : cases) {
    INFO(c.body.dump());
    CHECK(t.checkVersion(version(c.body)) == c.reason);
  }
}

TEST_CASE("reasons quote long values clipped, on a character boundary", "[record_type]") {
  const RecordType t = parsed({{"name", "pallet"}, {"additional_fields", false}});
  std::string key = "k";
  for (int i = 0; i < 40; ++i) key += "\xC3\xA9";
  auto why = t.checkVersion(version({{key, 1}}));
  REQUIRE(why.has_value());
  CHECK(why->size() < 100);
  CHECK_NOTHROW(Json(*why).dump());  // still valid UTF-8
}

TEST_CASE("a custom workflow: default terminal states and reachability", "[record_type]") {
  const RecordType t = parsed(pallet());
  auto at = [](const char* stage) { return version({{"count", 1}, {"stage", stage}}); };
  auto move = [&](const char* from, const Record& to) {
    const Record canonical = at(from);
    return t.checkTransition(&canonical, to);
  };
  const Record no_stage = version({{"count", 1}});
  const Record tombstone = version({{"count", 1}}, true);
  CHECK_FALSE(move("new", at("shipped")));  // through packed
  CHECK(move("packed", at("lost")) ==
        "pallet: cannot go from 'packed' to 'lost' (from 'packed' it can only go to 'shipped')");
  CHECK_FALSE(move("new", no_stage));  // an absent stage is the initial one
  CHECK(move("packed", no_stage) ==
        "pallet: cannot go from 'packed' to 'new' (from 'packed' it can only go to 'shipped')");
  // Without a terminal list, states nothing leaves are terminal.
  for (const char* end : {"shipped", "lost"}) {
    INFO(end);
    CHECK(move(end, tombstone) ==
          "pallet: a pallet in '" + std::string(end) + "' cannot be deleted");
  }
  CHECK_FALSE(move("packed", tombstone));
  // A state the type no longer knows (the file changed) does not trap the record.
  Record old = version({{"count", 1}, {"stage", "archived"}});
  CHECK_FALSE(t.checkTransition(&old, at("new")));
}

TEST_CASE("a workflow without transitions: every state is final", "[record_type]") {
  const RecordType t = parsed(Json::parse(R"({"name": "seal_check", "required": ["result"],
      "workflow": {"field": "result", "states": ["pass", "fail"]}})"));
  Record pass = version({{"result", "pass"}});
  pass.type = "seal_check";
  Record fail = pass;
  fail.body["result"] = "fail";
  Record gone = pass;
  gone.deleted = true;
  CHECK_FALSE(t.checkTransition(nullptr, fail));
  CHECK_FALSE(t.checkTransition(&pass, pass));
  CHECK(t.checkTransition(&pass, fail) ==
        "seal_check: cannot go from 'pass' to 'fail' (nothing leaves 'pass')");
  CHECK(t.checkTransition(&fail, gone) == "seal_check: a seal check in 'fail' cannot be deleted");
}

// A scratch directory of type files, removed afterwards.
class TypeDir {
 public:
  TypeDir() {
    static int n = 0;
    path_ = fs::temp_directory_path() /
            ("yard-record-types-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(path_);
  }
  ~TypeDir() { fs::remove_all(path_); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }
  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

TEST_CASE("loadDirectory reads every *.json file", "[record_type]") {
  TypeDir dir;
  dir.write("b.json", R"({"name": "beta"})");
  dir.write("a.json", R"({"name": "alpha", "immutable": true})");
  dir.write("README.md", "not a type");
  dir.write(".a.json.swp", "{");
  dir.write(".#c.json", "{");
  fs::create_directory(dir.path() + "/sub.json");
  auto registry = RecordTypeRegistry::loadDirectory(dir.path());
  REQUIRE(registry.isOk());
  CHECK(registry->names() == std::vector<std::string>{"alpha", "beta"});
  REQUIRE(registry->find("alpha") != nullptr);
  CHECK(registry->find("alpha")->immutable());
}

TEST_CASE("loadDirectory names the bad file and the key", "[record_type]") {
  auto error = [](const TypeDir& dir) {
    auto registry = RecordTypeRegistry::loadDirectory(dir.path());
    REQUIRE_FALSE(registry.isOk());
    return registry.status().message();
  };
  SECTION("a bad key") {
    TypeDir dir;
    dir.write("a.json", R"({"name": "alpha"})");
    dir.write("b.json", R"({"name": "beta", "fields": {"x": {"type": "text"}}})");
    CHECK(error(dir) == "record type file " + dir.file("b.json") +
                            ": fields.x.type must be one of string, number, integer, boolean, "
                            "object, array, any");
  }
  SECTION("not JSON") {
    TypeDir dir;
    dir.write("a.json", R"({"name": "alpha",})");
    const std::string message = error(dir);
    CHECK_THAT(message,
               Catch::StartsWith("record type file " + dir.file("a.json") + ": not valid JSON: "));
    CHECK_THAT(message, Catch::Contains("line 1"));
  }
  SECTION("the same type twice") {
    TypeDir dir;
    dir.write("a.json", R"({"name": "alpha"})");
    dir.write("z.json", R"({"name": "alpha"})");
    CHECK(error(dir) == "record type file " + dir.file("z.json") +
                            ": type 'alpha' is already defined in " + dir.file("a.json"));
  }
  SECTION("no type files") {
    TypeDir dir;
    dir.write("notes.txt", "");
    CHECK(error(dir) == "record types: no *.json files in " + dir.path());
  }
  SECTION("no directory") {
    auto registry = RecordTypeRegistry::loadDirectory("/nonexistent/record-types");
    REQUIRE_FALSE(registry.isOk());
    CHECK_THAT(registry.status().message(),
               Catch::StartsWith("record types: cannot read /nonexistent/record-types: "));
  }
}

TEST_CASE("add replaces a type of the same name", "[record_type]") {
  RecordTypeRegistry registry;
  registry.add(parsed({{"name", "note"}}));
  registry.add(parsed({{"name", "note"}, {"immutable", true}}));
  CHECK(registry.names() == std::vector<std::string>{"note"});
  CHECK(registry.find("note")->immutable());
}

}  // namespace
}  // namespace yard::core
